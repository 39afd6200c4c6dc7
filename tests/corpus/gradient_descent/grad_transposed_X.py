# Shape bug: X @ err instead of X.T @ err (only works when n == d, and then gives nonsense).
# expect: test_mse_gradients loses points, feedback says "raised ValueError"
# expect: test_gradient_descent loses points, feedback says "raised ValueError"
# base: correct_einsum
# %% mse_gradients_impl
def mse_gradients(X, y, w, b):
    X = _floaty(X)
    n = X.shape[0]
    err = predict(X, w, b) - y
    return 2 / n * (X @ err), 2 / n * np.sum(err)
