# Normalises over the wrong axis (the columns, axis=0): rows no longer sum to 1.
# expect: test_softmax loses points, feedback says "sum to 1"
# expect: test_softmax_cross_entropy loses points, feedback says "dlogits"
# expect: test_classifier loses points, feedback says "gradient of the objective"
# base: correct_class_loop_onehot
# %% softmax_impl
def softmax(logits):
    z = np.asarray(logits)
    z = z if z.dtype.kind == "f" else z.astype(np.float64)
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)
