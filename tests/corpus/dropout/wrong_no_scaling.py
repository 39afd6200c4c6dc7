# Plain dropout: units are dropped but the kept ones are not scaled by 1 / (1 - p), so the mean shrinks.
# expect: test_dropout_forward loses points, feedback says "mean of x"
# %% dropout_forward_impl
def dropout_forward(x, p, mode, rng=None):
    if mode not in ("train", "test"):
        raise ValueError("mode must be train or test")
    if not 0 <= p <= 1:
        raise ValueError("p must be between 0 and 1")
    if mode == "test":
        return x.copy(), (mode, None)
    rng = np.random.default_rng() if rng is None else rng
    keep = rng.random(x.shape) >= p
    return x * keep, (mode, keep)
# %% dropout_backward_impl
def dropout_backward(dout, cache):
    mode, keep = cache
    return dout.copy() if mode == "test" else dout * keep
