# Kept units divided by p instead of 1 - p (and p = 0 then divides by zero).
# expect: test_dropout_forward loses points, feedback says "x / (1 - p)"
# expect: test_dropout_edge_cases loses points, feedback says "p=0.0"
# %% dropout_forward_impl
def dropout_forward(x, p, mode, rng=None):
    if mode not in ("train", "test"):
        raise ValueError("mode must be train or test")
    if not 0 <= p <= 1:
        raise ValueError("p must be between 0 and 1")
    if mode == "test":
        return x.copy(), (mode, None, p)
    rng = np.random.default_rng() if rng is None else rng
    keep = rng.random(x.shape) >= p
    return x * keep / p, (mode, keep, p)
# %% dropout_backward_impl
def dropout_backward(dout, cache):
    mode, keep, p = cache
    if mode == "test":
        return dout.copy()
    return dout * keep / p
