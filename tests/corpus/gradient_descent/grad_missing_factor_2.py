# Forgets the 2 from the derivative of the square: the gradient is half what it should be.
# expect: test_mse_gradients loses points, feedback says "numerical gradient of your mse_loss"
# expect: test_gradient_descent loses points, feedback says "the loss after 1 step"
# base: correct_einsum
# %% mse_gradients_impl
def mse_gradients(X, y, w, b):
    X = _floaty(X)
    err = predict(X, w, b) - y
    return X.T @ err / len(y), np.mean(err)
