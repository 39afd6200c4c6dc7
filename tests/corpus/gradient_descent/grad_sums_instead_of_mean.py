# Sums over the samples instead of averaging: the gradient is n times too large.
# expect: test_mse_gradients loses points, feedback says "average over the n samples"
# expect: test_minibatch_sgd loses points, feedback says "the loss after 1 epoch"
# base: correct_einsum
# %% mse_gradients_impl
def mse_gradients(X, y, w, b):
    X = _floaty(X)
    err = predict(X, w, b) - y
    return 2 * X.T @ err, 2 * np.sum(err)
