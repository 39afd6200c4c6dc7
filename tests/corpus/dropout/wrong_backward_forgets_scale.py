# The forward pass is right; backward multiplies by the mask but forgets the 1 / (1 - p) scale.
# base: correct_binomial
# expect: test_dropout_backward loses points, feedback says "mask and scale"
# %% dropout_backward_impl
def dropout_backward(dout, cache):
    mode, keep, scale = cache
    if mode == "test":
        return dout
    return dout * keep
