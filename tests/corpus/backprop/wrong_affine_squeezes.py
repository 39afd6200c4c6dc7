# "Tidies" the shapes with np.squeeze: for a batch of one row dx loses its batch axis, and with one
# output (M = 1) out and dW lose a dimension.
# expect: test_affine loses points, feedback says "single row"
# base: correct_dict_cache_einsum
# %% affine_impl
def affine_forward(x, W, b):
    return np.squeeze(x @ W + b), (x, W)


def affine_backward(dout, cache):
    x, W = cache
    dout = dout.reshape(x.shape[0], W.shape[1])
    return np.squeeze(dout @ W.T), np.squeeze(x.T @ dout), dout.sum(axis=0)
