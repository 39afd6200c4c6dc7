# The mask is kept in a global variable: backward uses the mask of the LATEST forward pass, not of its cache.
# expect: test_dropout_backward loses points, feedback says "FIRST of two forward passes"
# %% dropout_forward_impl
last_mask = None


def dropout_forward(x, p, mode, rng=None):
    global last_mask
    if mode not in ("train", "test"):
        raise ValueError("mode must be train or test")
    if not 0 <= p <= 1:
        raise ValueError("p must be between 0 and 1")
    if mode == "test":
        last_mask = None
        return x.copy(), {"mode": mode}
    rng = np.random.default_rng() if rng is None else rng
    if p == 1:
        last_mask = np.zeros(x.shape, dtype=x.dtype)
    else:
        last_mask = ((rng.random(x.shape) >= p) / (1 - p)).astype(x.dtype)
    return x * last_mask, {"mode": mode, "p": p}
# %% dropout_backward_impl
def dropout_backward(dout, cache):
    if cache["mode"] == "test":
        return dout.copy()
    return dout * last_mask
