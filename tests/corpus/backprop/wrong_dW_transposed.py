# Transposes the weight gradient: dW = dout.T @ x has shape (M, D) instead of W's (D, M).
# expect: test_affine loses points, feedback says "dW of affine_backward"
# expect: test_two_layer_net loses points, feedback says "grads"
# base: correct_dict_cache_einsum
# %% affine_impl
def affine_forward(x, W, b):
    return x @ W + b, (x, W, b)


def affine_backward(dout, cache):
    x, W, b = cache
    return dout @ W.T, dout.T @ x, dout.sum(axis=0)
