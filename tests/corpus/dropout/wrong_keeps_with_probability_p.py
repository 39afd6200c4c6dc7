# p read as the probability of KEEPING a unit (an older convention): keep where rng.random() < p, scale 1 / p.
# expect: test_dropout_forward loses points, feedback says "probability of dropping"
# expect: test_dropout_edge_cases loses points, feedback says "must drop every unit"
# %% dropout_forward_impl
def dropout_forward(x, p, mode, rng=None):
    if mode not in ("train", "test"):
        raise ValueError("mode must be train or test")
    if not 0 <= p <= 1:
        raise ValueError("p must be between 0 and 1")
    if mode == "test":
        return x.copy(), (mode, None)
    rng = np.random.default_rng() if rng is None else rng
    mask = (rng.random(x.shape) < p) / p
    return x * mask, (mode, mask)
# %% dropout_backward_impl
def dropout_backward(dout, cache):
    mode, mask = cache
    return dout.copy() if mode == "test" else dout * mask
