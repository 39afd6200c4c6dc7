# Forgets the max-subtraction: np.exp overflows for large logits (inf / inf = nan).
# expect: test_softmax loses points, feedback says "overflow"
# base: correct_logaddexp
# %% softmax_impl
def _floaty(a):
    a = np.asarray(a)
    return a if a.dtype.kind == "f" else a.astype(np.float64)


def log_softmax(logits):
    z = _floaty(logits)
    return z - np.logaddexp.reduce(z, axis=-1, keepdims=True)


def softmax(logits):
    e = np.exp(_floaty(logits))
    return e / e.sum(axis=-1, keepdims=True)
