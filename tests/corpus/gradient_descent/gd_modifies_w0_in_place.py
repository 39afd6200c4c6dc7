# w = w0 is not a copy: w -= ... changes the caller's starting point.
# expect: test_gradient_descent loses points, feedback says "changed its argument w0 in place"
# base: correct_einsum
# %% gradient_descent_impl
def gradient_descent(X, y, learning_rate, num_iters, w0=None, b0=0.0):
    w = np.zeros(X.shape[1]) if w0 is None else w0
    b = b0
    history = [mse_loss(X, y, w, b)]
    for _ in range(num_iters):
        dw, db = mse_gradients(X, y, w, b)
        w -= learning_rate * dw
        b -= learning_rate * db
        history.append(mse_loss(X, y, w, b))
    return w, b, history
