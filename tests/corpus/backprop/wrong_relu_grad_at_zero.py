# Lets the gradient through where x == 0 (x >= 0 instead of x > 0).
# expect: test_relu loses points, feedback says "exactly 0 where x <= 0"
# base: correct_dict_cache_einsum
# %% relu_impl
def relu_forward(x):
    return np.maximum(x, 0), x


def relu_backward(dout, cache):
    return dout * (cache >= 0)
