"""Reference linear regression by gradient descent. Hidden: never shipped to students."""

import numpy as np


def _float(a):
    """``a`` as a numpy array whose dtype is a float: a float dtype is kept, any other becomes float64."""
    a = np.asarray(a)
    return a if np.issubdtype(a.dtype, np.floating) else a.astype(np.float64)


def predict(X, w, b):
    """Computes the linear model's predictions X @ w + b.

    Inputs:
    - X: A numpy array of n examples with d features each, of shape (n, d), any real dtype
    - w: A numpy array of weights, of shape (d,)
    - b: The bias, a float

    Returns:
    - out: A numpy array of predictions, of shape (n,), in a float dtype (float64 for integer X and w)
    """
    X, w = _float(X), _float(w)
    out = X @ w + b
    return out if np.issubdtype(out.dtype, np.floating) else out.astype(np.float64)


def mse_loss(X, y, w, b):
    """Computes the mean squared error of the predictions, mean((X @ w + b - y) ** 2).

    Inputs:
    - X: A numpy array of shape (n, d)
    - y: A numpy array of targets, of shape (n,)
    - w: A numpy array of weights, of shape (d,)
    - b: The bias, a float

    Returns:
    - loss: A numpy float scalar
    """
    err = predict(X, w, b) - y
    return np.mean(err ** 2)


def mse_gradients(X, y, w, b):
    """Computes the gradient of mse_loss with respect to w and b.

    Inputs:
    - X, y, w, b: As for mse_loss: shapes (n, d), (n,), (d,) and a float

    Returns a tuple of:
    - dw: d loss / dw = 2 / n * X^T (X @ w + b - y), a numpy array of shape (d,)
    - db: d loss / db = 2 / n * sum(X @ w + b - y), a numpy float scalar
    """
    X = _float(X)
    n = X.shape[0]
    err = predict(X, w, b) - y
    dw = 2.0 * (X.T @ err) / n
    db = 2.0 * np.sum(err) / n
    return dw, db


def gradient_descent(X, y, learning_rate, num_iters, w0=None, b0=0.0):
    """Fits w and b by full-batch gradient descent on mse_loss: each step is w -= learning_rate * dw,
    b -= learning_rate * db. No early stop, no clipping: a learning rate that is too large shows as
    growing losses (inf or nan), not as an exception.

    Inputs:
    - X: A numpy array of shape (n, d)
    - y: A numpy array of targets, of shape (n,)
    - learning_rate: The step size, a float
    - num_iters: The number of steps, an int >= 0
    - w0: The starting weights, of shape (d,) (not modified); None starts at zeros
    - b0: The starting bias, a float

    Returns a tuple of:
    - w: The weights after num_iters steps, a numpy array of shape (d,)
    - b: The bias after num_iters steps, a float
    - history: A list of num_iters + 1 losses, history[k] the loss after k steps
    """
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
    """Fits w and b by mini-batch stochastic gradient descent on mse_loss, from zeros.

    Each epoch visits every example once, in the order of one ``rng.permutation(n)`` of the generator
    ``np.random.default_rng(seed)`` (created once, nothing else drawn from it), cut into consecutive
    batches of batch_size; the last batch of an epoch may be smaller. Each batch is one step, as in
    gradient_descent, with the gradient of the batch's own mean squared error.

    Inputs:
    - X: A numpy array of shape (n, d)
    - y: A numpy array of targets, of shape (n,)
    - learning_rate: The step size, a float
    - num_epochs: The number of passes over the data, an int >= 0
    - batch_size: The number of examples per step, an int >= 1
    - seed: The seed of the generator that orders the examples

    Returns a tuple of:
    - w: The weights after num_epochs epochs, a numpy array of shape (d,)
    - b: The bias after num_epochs epochs, a float
    - history: A list of num_epochs + 1 losses on all of the data, history[k] the loss after k epochs
    """
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
