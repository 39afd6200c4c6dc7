# The integer mask from rng.binomial is used as it is: float32 * int64 gives float64.
# expect: test_dropout_forward loses points, feedback says "dtype float32"
# expect: test_dropout_backward loses points, feedback says "dtype float32"
# %% dropout_forward_impl
def dropout_forward(x, p, mode, rng=None):
    if mode not in ("train", "test"):
        raise ValueError("mode must be train or test")
    if not 0 <= p <= 1:
        raise ValueError("p must be between 0 and 1")
    if mode == "test":
        return x.copy(), (mode, None, None)
    rng = np.random.default_rng() if rng is None else rng
    keep = rng.binomial(1, 1 - p, size=x.shape)
    scale = 0.0 if p == 1 else 1 / (1 - p)
    return x * keep * scale, (mode, keep, scale)
# %% dropout_backward_impl
def dropout_backward(dout, cache):
    mode, keep, scale = cache
    return dout.copy() if mode == "test" else dout * keep * scale
