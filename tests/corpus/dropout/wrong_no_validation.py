# Any p is accepted, and any mode other than "train" acts as test mode.
# expect: test_dropout_edge_cases loses points, feedback says "must raise ValueError"
# %% dropout_forward_impl
def dropout_forward(x, p, mode, rng=None):
    if mode != "train":
        return x.copy(), (mode, None)
    if p == 1:
        return np.zeros_like(x), (mode, np.zeros_like(x))
    rng = np.random.default_rng() if rng is None else rng
    mask = ((rng.random(x.shape) >= p) / (1 - p)).astype(x.dtype)
    return x * mask, (mode, mask)
# %% dropout_backward_impl
def dropout_backward(dout, cache):
    mode, mask = cache
    return dout.copy() if mask is None else dout * mask
