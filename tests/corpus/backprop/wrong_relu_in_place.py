# Zeroes the negative entries of x in place in the forward pass, and of dout in the backward pass:
# the values are right, but the caller's arrays are changed.
# expect: test_relu loses points, feedback says "changed x in place"
# base: correct_dict_cache_einsum
# %% relu_impl
def relu_forward(x):
    x[x < 0] = 0
    return x, x


def relu_backward(dout, cache):
    dout[cache <= 0] = 0
    return dout
