# Records the loss only after each step: history has num_iters entries, the starting loss is missing.
# expect: test_gradient_descent loses points, feedback says "You left out history[0]"
# base: correct_einsum
# %% gradient_descent_impl
def gradient_descent(X, y, learning_rate, num_iters, w0=None, b0=0.0):
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    b = b0
    history = []
    for _ in range(num_iters):
        dw, db = mse_gradients(X, y, w, b)
        w = w - learning_rate * dw
        b = b - learning_rate * db
        history.append(mse_loss(X, y, w, b))
    return w, b, history
