# Updates w first, then computes db at the new w: dw and db no longer come from the same point.
# expect: test_gradient_descent loses points, feedback says "the loss after 1 step"
# base: correct_einsum
# %% gradient_descent_impl
def gradient_descent(X, y, learning_rate, num_iters, w0=None, b0=0.0):
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    b = b0
    history = [mse_loss(X, y, w, b)]
    for _ in range(num_iters):
        dw, _ = mse_gradients(X, y, w, b)
        w = w - learning_rate * dw
        _, db = mse_gradients(X, y, w, b)
        b = b - learning_rate * db
        history.append(mse_loss(X, y, w, b))
    return w, b, history
