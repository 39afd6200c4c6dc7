# Subtracts the row max only when a logit is past float64's exp limit (about 709): right in float64,
# but float32's exp overflows from 89 (and underflows to 0 below -103), so float32 logits of 100 or
# -120 overflow or give 0 / 0, in softmax and in the cross-entropy's log-sum-exp alike.
# expect: test_softmax loses points, feedback says "✗ float32: no overflow"
# expect: test_softmax_cross_entropy loses points, feedback says "float32"
# base: correct_class_loop_onehot
# %% softmax_impl
EXP_LIMIT = np.log(np.finfo(np.float64).max)


def shifted(z):
    """Subtract each row's max, but only where np.exp would overflow."""
    if np.abs(z).max() > EXP_LIMIT:
        return z - z.max(axis=-1, keepdims=True)
    return z


def softmax(logits):
    z = np.asarray(logits)
    z = shifted(z if z.dtype.kind == "f" else z.astype(np.float64))
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
# %% cross_entropy_impl
def softmax_cross_entropy(logits, y):
    z = np.asarray(logits)
    z = shifted(z if z.dtype.kind == "f" else z.astype(np.float64))
    n = len(z)
    log_probs = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    probs = np.exp(log_probs)
    probs[np.arange(n), y] -= 1
    return -np.mean(log_probs[np.arange(n), y]), probs / n
