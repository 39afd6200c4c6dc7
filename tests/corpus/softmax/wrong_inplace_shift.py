# Shifts the logits in place (logits -= max): the caller's array is changed.
# expect: test_softmax loses points, feedback says "changed the logits"
# expect: test_softmax_cross_entropy loses points, feedback says "changed the logits"
# base: correct_class_loop_onehot
# %% softmax_impl
def softmax(logits):
    z = np.asarray(logits)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    z -= z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
