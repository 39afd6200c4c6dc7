"""Reference softmax, cross-entropy and softmax classifier. Hidden: never shipped to students."""

import numpy as np


def _as_float(x):
    """``x`` as a numpy array whose dtype is a float: a float dtype is kept, any other becomes float64."""
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)


def log_softmax(logits):
    """Computes log softmax along the last axis: shift by the row max, then subtract log-sum-exp.

    Inputs:
    - logits: A numpy array of scores, of shape (..., C); any real dtype

    Returns:
    - log_probs: A numpy array of the shape of logits, each row's exp summing to 1
    """
    z = _as_float(logits)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(logits):
    """Computes the softmax of each row, exp(z_j) / sum_k exp(z_k), shifted by the row's max so that no
    exp overflows: exact for any finite logits (the contract asks it up to |z| = 1e4).

    Inputs:
    - logits: A numpy array of scores, of shape (N, C) for N examples and C classes, or (C,); any real dtype

    Returns:
    - probs: A numpy array of the shape of logits, values in [0, 1], each row summing to 1; float logits
      keep their dtype, others give float64
    """
    z = _as_float(logits)
    e = np.exp(z - z.max(axis=-1, keepdims=True))  # exp of numbers <= 0: no overflow, the max gives exp(0) = 1
    return e / e.sum(axis=-1, keepdims=True)


def softmax_cross_entropy(logits, y):
    """Computes the mean negative log-likelihood of the labels under softmax(logits), and its gradient.

    Inputs:
    - logits: A numpy array of scores, of shape (N, C)
    - y: A numpy array of integer labels, of shape (N,), where 0 <= y[i] < C

    Returns a tuple of:
    - loss: The mean over the N rows of -log softmax(logits)[i, y[i]], a Python float, finite for any
      finite logits
    - dlogits: d loss / d logits = (softmax(logits) - one_hot(y)) / N, a numpy array of shape (N, C)
    """
    z = _as_float(logits)
    y = np.asarray(y)
    rows = np.arange(z.shape[0])
    loss = -log_softmax(z)[rows, y].mean()
    dlogits = softmax(z)
    dlogits[rows, y] -= 1
    dlogits /= z.shape[0]
    return float(loss), dlogits


def objective(W, b, X, y, reg):
    """Computes the classifier's objective, mean cross-entropy + 0.5 * reg * sum(W**2), and its gradients.

    Inputs:
    - W: A numpy array of weights, of shape (D, C)
    - b: A numpy array of biases, of shape (C,)
    - X: A numpy array of shape (N, D)
    - y: A numpy array of integer labels, of shape (N,)
    - reg: The L2 regularisation strength, a float

    Returns a tuple of:
    - loss: A float
    - dW: d loss / dW, a numpy array of shape (D, C)
    - db: d loss / db, a numpy array of shape (C,)
    """
    loss, dlogits = softmax_cross_entropy(_as_float(X) @ W + b, y)
    return loss + 0.5 * reg * np.sum(W * W), _as_float(X).T @ dlogits + reg * W, dlogits.sum(axis=0)


def train_softmax_classifier(X, y, num_classes, learning_rate, num_iters, reg=0.0, seed=0):
    """Trains a linear softmax classifier by full-batch gradient descent on
    softmax_cross_entropy(X @ W + b, y) + 0.5 * reg * sum(W**2), from W drawn as
    0.01 * N(0, 1) by ``np.random.default_rng(seed)`` and b = 0.

    Inputs:
    - X: A numpy array of N examples with D features each, of shape (N, D)
    - y: A numpy array of integer labels, of shape (N,), where 0 <= y[i] < num_classes
    - num_classes: C, the number of classes
    - learning_rate: The step size, a float
    - num_iters: The number of steps, an int >= 0
    - reg: The L2 regularisation strength, a float
    - seed: The seed of the initial weights

    Returns a tuple of:
    - W: The trained weights, a numpy array of shape (D, C)
    - b: The trained biases, a numpy array of shape (C,)
    """
    rng = np.random.default_rng(seed)
    X = _as_float(X)
    W = 0.01 * rng.standard_normal((X.shape[1], num_classes))
    b = np.zeros(num_classes)
    for _ in range(num_iters):
        _, dW, db = objective(W, b, X, y, reg)
        W = W - learning_rate * dW
        b = b - learning_rate * db
    return W, b


def predict_classes(X, W, b):
    """Computes the class with the largest score X @ W + b for each example.

    Inputs:
    - X: A numpy array of shape (N, D)
    - W: A numpy array of weights, of shape (D, C)
    - b: A numpy array of biases, of shape (C,)

    Returns:
    - classes: A numpy array of integer classes in [0, C), of shape (N,)
    """
    return np.argmax(_as_float(X) @ W + b, axis=1)
