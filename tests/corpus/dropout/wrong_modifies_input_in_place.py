# x *= mask and dout *= mask: right values, but the caller's arrays are changed.
# expect: test_dropout_forward loses points, feedback says "changed the array x"
# expect: test_dropout_backward loses points, feedback says "changed the array dout"
# %% dropout_forward_impl
def dropout_forward(x, p, mode, rng=None):
    if mode not in ("train", "test"):
        raise ValueError("mode must be train or test")
    if not 0 <= p <= 1:
        raise ValueError("p must be between 0 and 1")
    if mode == "test":
        return x, (mode, None)
    rng = np.random.default_rng() if rng is None else rng
    keep = rng.random(x.shape) >= p
    x *= keep
    if p < 1:
        x /= 1 - p
    return x, (mode, keep, p)
# %% dropout_backward_impl
def dropout_backward(dout, cache):
    if cache[0] == "test":
        return dout
    _, keep, p = cache
    dout *= keep
    if p < 1:
        dout /= 1 - p
    return dout
