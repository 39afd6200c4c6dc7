# Caches the output and multiplies dout by it (the output's values, not a 0/1 mask of where x > 0).
# expect: test_relu loses points, feedback says "numerical gradient"
# expect: test_two_layer_net loses points, feedback says "numerical gradient"
# base: correct_dict_cache_einsum
# %% relu_impl
def relu_forward(x):
    out = np.maximum(x, 0)
    return out, out


def relu_backward(dout, cache):
    return dout * cache
