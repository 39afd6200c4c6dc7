# Sums the loss over the rows instead of averaging it (and the gradient to match).
# expect: test_softmax_cross_entropy loses points, feedback says "mean over the N rows"
# expect: test_classifier loses points, feedback says "gradient of the objective"
# base: correct_logaddexp
# %% cross_entropy_impl
def softmax_cross_entropy(logits, y):
    z = _floaty(logits)
    onehot = np.eye(z.shape[1], dtype=z.dtype)[np.asarray(y)]
    logp = log_softmax(z)
    return -np.sum(onehot * logp), np.exp(logp) - onehot
