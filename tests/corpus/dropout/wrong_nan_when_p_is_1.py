# keep / (1 - p) without treating p = 1 on its own: 0 / 0 gives NaN (and a warning).
# expect: test_dropout_edge_cases loses points, feedback says "no NaN"
# expect: test_dropout_backward loses points, feedback says "p=1"
# %% dropout_forward_impl
def dropout_forward(x, p, mode, rng=None):
    if mode not in ("train", "test"):
        raise ValueError("mode must be train or test")
    if not 0 <= p <= 1:
        raise ValueError("p must be between 0 and 1")
    if mode == "test":
        return x.copy(), (mode, None)
    rng = np.random.default_rng() if rng is None else rng
    mask = ((rng.random(x.shape) >= p) / (1 - p)).astype(x.dtype)
    return x * mask, (mode, mask)
# %% dropout_backward_impl
def dropout_backward(dout, cache):
    mode, mask = cache
    return dout.copy() if mode == "test" else dout * mask
