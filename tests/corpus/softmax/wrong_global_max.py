# Subtracts the max of the whole batch instead of each row's max: rows far below it underflow to 0 / 0.
# expect: test_softmax loses points, feedback says "each row's own max"
# base: correct_logaddexp
# %% softmax_impl
def _floaty(a):
    a = np.asarray(a)
    return a if a.dtype.kind == "f" else a.astype(np.float64)


def log_softmax(logits):
    z = _floaty(logits)
    return z - np.logaddexp.reduce(z, axis=-1, keepdims=True)


def softmax(logits):
    z = _floaty(logits)
    e = np.exp(z - np.max(z))
    return e / e.sum(axis=-1, keepdims=True)
