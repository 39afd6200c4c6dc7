# A correct solution written differently from the reference: rng.binomial, cache (mode, keep, scale).
# expect: full marks
# %% dropout_forward_impl
def dropout_forward(x, p, mode, rng=None):
    if mode != "train" and mode != "test":
        raise ValueError("unknown mode " + repr(mode))
    if np.isnan(p) or p < 0 or p > 1:
        raise ValueError("p must be in [0, 1]")
    x = np.asarray(x)
    if mode == "test":
        return x, ("test", None, None)
    if rng is None:
        rng = np.random.default_rng()
    keep = rng.binomial(1, 1 - p, size=x.shape).astype(x.dtype)
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    out = x * keep * x.dtype.type(scale)
    return out, ("train", keep, scale)
# %% dropout_backward_impl
def dropout_backward(dout, cache):
    mode, keep, scale = cache
    if mode == "test":
        return dout
    return dout * keep * np.asarray(dout).dtype.type(scale)
