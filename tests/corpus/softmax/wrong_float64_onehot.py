# Builds the one-hot labels with np.eye(C) (float64): float32 logits get float64 dlogits.
# expect: test_softmax_cross_entropy loses points, feedback says "dtype float32"
# base: correct_logaddexp
# %% cross_entropy_impl
def softmax_cross_entropy(logits, y):
    z = _floaty(logits)
    onehot = np.eye(z.shape[1])[np.asarray(y)]
    logp = log_softmax(z)
    loss = -np.sum(onehot * logp) / len(z)
    return loss, (np.exp(logp) - onehot) / len(z)
