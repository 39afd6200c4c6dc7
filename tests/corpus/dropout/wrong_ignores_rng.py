# The mask comes from np.random.rand, whatever generator is passed in.
# expect: test_dropout_forward loses points, feedback says "same seed"
# expect: test_dropout_backward loses points, feedback says "numerical gradient"
# %% dropout_forward_impl
def dropout_forward(x, p, mode, rng=None):
    if mode not in ("train", "test"):
        raise ValueError("mode must be train or test")
    if not 0 <= p <= 1:
        raise ValueError("p must be between 0 and 1")
    if mode == "test" or p == 0:
        return x.copy(), (mode, None)
    if p == 1:
        return np.zeros_like(x), (mode, np.zeros_like(x))
    mask = ((np.random.rand(*x.shape) >= p) / (1 - p)).astype(x.dtype)
    return x * mask, (mode, mask)
# %% dropout_backward_impl
def dropout_backward(dout, cache):
    mode, mask = cache
    return dout.copy() if mask is None else dout * mask
