# "Protects" training: stops as soon as the loss goes up, and clips the gradient.
# expect: test_gradient_descent loses points, feedback says "Do not clip, rescale or stop early"
# base: correct_einsum
# %% gradient_descent_impl
def gradient_descent(X, y, learning_rate, num_iters, w0=None, b0=0.0):
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    b = b0
    history = [mse_loss(X, y, w, b)]
    for _ in range(num_iters):
        dw, db = mse_gradients(X, y, w, b)
        dw, db = np.clip(dw, -1e3, 1e3), float(np.clip(db, -1e3, 1e3))
        w = w - learning_rate * dw
        b = b - learning_rate * db
        loss = mse_loss(X, y, w, b)
        if not np.isfinite(loss) or loss > 1e3 * history[0]:
            break
        history.append(loss)
    return w, b, history
