# Inverted dropout in train mode, and ALSO the old weight scaling at test time: x * (1 - p) in test mode.
# expect: test_dropout_forward loses points, feedback says "must return x unchanged"
# expect: test_dropout_backward loses points, feedback says "must return dout unchanged"
# %% dropout_forward_impl
def dropout_forward(x, p, mode, rng=None):
    if mode not in ("train", "test"):
        raise ValueError("mode must be train or test")
    if not 0 <= p <= 1:
        raise ValueError("p must be between 0 and 1")
    if mode == "test":
        return x * (1 - p), (mode, 1 - p)
    if p == 1:
        return np.zeros_like(x), (mode, np.zeros_like(x))
    rng = np.random.default_rng() if rng is None else rng
    mask = ((rng.random(x.shape) >= p) / (1 - p)).astype(x.dtype)
    return x * mask, (mode, mask)
# %% dropout_backward_impl
def dropout_backward(dout, cache):
    mode, mask = cache
    return dout * mask
