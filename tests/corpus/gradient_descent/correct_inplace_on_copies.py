# Correct: in-place updates, but on copies; np.split into batches; Python floats for the loss and db.
# expect: full marks
# %% predict_loss_impl
def predict(X, w, b):
    out = np.dot(X, w) + b
    return out.astype(np.float64) if out.dtype.kind in "iub" else out


def mse_loss(X, y, w, b):
    residual = predict(X, w, b) - y
    return float(np.sum(residual ** 2) / len(residual))
# %% mse_gradients_impl
def mse_gradients(X, y, w, b):
    n = len(y)
    residual = predict(X, w, b) - y
    dw = np.zeros(np.shape(X)[1], dtype=residual.dtype)
    for j in range(len(dw)):
        dw[j] = 2.0 * np.sum(residual * X[:, j]) / n
    db = float(2.0 * np.sum(residual) / n)
    return dw, db
# %% gradient_descent_impl
def gradient_descent(X, y, learning_rate, num_iters, w0=None, b0=0.0):
    w = np.zeros(np.shape(X)[1]) if w0 is None else np.array(w0, dtype=np.float64, copy=True)
    b = float(b0)
    history = [mse_loss(X, y, w, b)]
    for it in range(num_iters):
        dw, db = mse_gradients(X, y, w, b)
        w -= learning_rate * dw
        b -= learning_rate * db
        history.append(mse_loss(X, y, w, b))
    return w, b, history
# %% minibatch_sgd_impl
def minibatch_sgd(X, y, learning_rate, num_epochs, batch_size, seed=0):
    n, d = np.shape(X)
    rng = np.random.default_rng(seed)
    w = np.zeros(d)
    b = 0.0
    history = [mse_loss(X, y, w, b)]
    for epoch in range(num_epochs):
        order = rng.permutation(n)
        for batch in np.split(order, np.arange(batch_size, n, batch_size)):
            dw, db = mse_gradients(X[batch], y[batch], w, b)
            w -= learning_rate * dw
            b -= learning_rate * db
        history.append(mse_loss(X, y, w, b))
    return w, b, history
