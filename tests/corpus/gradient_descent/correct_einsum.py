# A correct solution written differently from the reference: einsum, explicit means, a while loop.
# expect: full marks
# %% predict_loss_impl
def _floaty(a):
    a = np.asarray(a)
    return a if a.dtype.kind == "f" else a.astype(np.float64)


def predict(X, w, b):
    X, w = _floaty(X), _floaty(w)
    return np.einsum("nd,d->n", X, w) + X.dtype.type(b)


def mse_loss(X, y, w, b):
    err = predict(X, w, b) - y
    return (err * err).mean()
# %% mse_gradients_impl
def mse_gradients(X, y, w, b):
    X = _floaty(X)
    err = predict(X, w, b) - y
    dw = 2 * np.mean(err[:, None] * X, axis=0)
    db = 2 * err.mean()
    return dw, db
# %% gradient_descent_impl
def gradient_descent(X, y, learning_rate, num_iters, w0=None, b0=0.0):
    X = _floaty(X)
    w = np.zeros(X.shape[1]) if w0 is None else _floaty(w0) + 0.0
    b = b0
    history = np.empty(num_iters + 1)
    history[0] = mse_loss(X, y, w, b)
    k = 0
    while k < num_iters:
        grad_w, grad_b = mse_gradients(X, y, w, b)
        w, b = w - learning_rate * grad_w, b - learning_rate * grad_b
        k += 1
        history[k] = mse_loss(X, y, w, b)
    return w, b, history
# %% minibatch_sgd_impl
def minibatch_sgd(X, y, learning_rate, num_epochs, batch_size, seed=0):
    X, y = _floaty(X), _floaty(y)
    n = len(X)
    gen = np.random.default_rng(seed)
    w, b = np.zeros(X.shape[1]), 0.0
    history = [mse_loss(X, y, w, b)]
    for epoch in range(num_epochs):
        perm = gen.permutation(n)
        starts = list(range(0, n, batch_size))
        for s in starts:
            rows = np.take(perm, np.arange(s, min(s + batch_size, n)))
            g_w, g_b = mse_gradients(X[rows], y[rows], w, b)
            w = w - learning_rate * g_w
            b = b - learning_rate * g_b
        history.append(mse_loss(X, y, w, b))
    return w, b, history
