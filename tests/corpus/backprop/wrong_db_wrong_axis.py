# Sums the bias gradient over the wrong axis (over the outputs, axis=1, instead of over the batch).
# expect: test_affine loses points, feedback says "db of affine_backward"
# expect: test_two_layer_net loses points, feedback says "grads['b1']"
# base: correct_dict_cache_einsum
# %% affine_impl
def affine_forward(x, W, b):
    return x @ W + b, (x, W, b)


def affine_backward(dout, cache):
    x, W, b = cache
    return dout @ W.T, x.T @ dout, np.sum(dout, axis=1)
