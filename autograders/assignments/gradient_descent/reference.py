"""Reference linear regression by gradient descent. Hidden: never shipped to students."""

import numpy as np


def _float(a):
    a = np.asarray(a)
    return a if np.issubdtype(a.dtype, np.floating) else a.astype(np.float64)


def predict(X, w, b):
    X, w = _float(X), _float(w)
    out = X @ w + b
    return out if np.issubdtype(out.dtype, np.floating) else out.astype(np.float64)


def mse_loss(X, y, w, b):
    err = predict(X, w, b) - y
    return np.mean(err ** 2)


def mse_gradients(X, y, w, b):
    X = _float(X)
    n = X.shape[0]
    err = predict(X, w, b) - y
    dw = 2.0 * (X.T @ err) / n
    db = 2.0 * np.sum(err) / n
    return dw, db


def gradient_descent(X, y, learning_rate, num_iters, w0=None, b0=0.0):
    X = _float(X)
    w = np.zeros(X.shape[1], dtype=X.dtype) if w0 is None else _float(w0).copy()
    b = b0
    history = [mse_loss(X, y, w, b)]
    for _ in range(num_iters):
        dw, db = mse_gradients(X, y, w, b)
        w = w - learning_rate * dw
        b = b - learning_rate * db
        history.append(mse_loss(X, y, w, b))
    return w, b, history


def minibatch_sgd(X, y, learning_rate, num_epochs, batch_size, seed=0):
    X, y = _float(X), _float(y)
    n, d = X.shape
    rng = np.random.default_rng(seed)
    w, b = np.zeros(d, dtype=X.dtype), 0.0
    history = [mse_loss(X, y, w, b)]
    for _ in range(num_epochs):
        order = rng.permutation(n)  # one permutation per epoch, from the one generator
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]  # the last batch may be smaller
            dw, db = mse_gradients(X[batch], y[batch], w, b)
            w = w - learning_rate * dw
            b = b - learning_rate * db
        history.append(mse_loss(X, y, w, b))
    return w, b, history
