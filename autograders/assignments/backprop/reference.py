"""Reference layers, two-layer net and training for the backprop assignment. Hidden: never shipped to students."""

import numpy as np

PARAM_KEYS = ("W1", "b1", "W2", "b2")


def affine_forward(x, W, b):
    return x @ W + b, (x, W, b)


def affine_backward(dout, cache):
    x, W, _ = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def relu_forward(x):
    return np.where(x > 0, x, np.zeros_like(x)), x


def relu_backward(dout, cache):
    return np.where(cache > 0, dout, np.zeros_like(dout))


def softmax_cross_entropy(scores, y):
    """(mean negative log-likelihood, its gradient w.r.t. scores), stable for any finite scores."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = scores.shape[0]
    loss = -log_probs[np.arange(n), y].mean()
    dscores = np.exp(log_probs)
    dscores[np.arange(n), y] -= 1
    return loss, dscores / n


def two_layer_net_loss(params, X, y=None, reg=0.0):
    W1, b1, W2, b2 = (params[k] for k in PARAM_KEYS)
    a, cache1 = affine_forward(X, W1, b1)
    h, cache_relu = relu_forward(a)
    scores, cache2 = affine_forward(h, W2, b2)
    if y is None:
        return scores
    loss, dscores = softmax_cross_entropy(scores, y)
    loss += 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    dh, dW2, db2 = affine_backward(dscores, cache2)
    dx, dW1, db1 = affine_backward(relu_backward(dh, cache_relu), cache1)
    return loss, {"W1": dW1 + reg * W1, "b1": db1, "W2": dW2 + reg * W2, "b2": db2}


def init_params(D, H, C, seed=0):
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(scale=np.sqrt(2.0 / D), size=(D, H)), "b1": np.zeros(H),
            "W2": rng.normal(scale=np.sqrt(2.0 / H), size=(H, C)), "b2": np.zeros(C)}


def train_two_layer_net(X, y, hidden_size, learning_rate, num_iters, reg=0.0, seed=0):
    params = init_params(X.shape[1], hidden_size, int(y.max()) + 1, seed)
    for _ in range(num_iters):
        _, grads = two_layer_net_loss(params, X, y, reg)
        params = {k: params[k] - learning_rate * grads[k] for k in PARAM_KEYS}
    return params


def predict(params, X):
    return two_layer_net_loss(params, X).argmax(axis=1)


# ---- data the grader trains on ------------------------------------------------

def make_spirals(rng, n_per_class, num_classes=3, noise=0.1, turn=1.5, center=(0.0, 0.0)):
    """Interleaved spiral arms, one per class (CS231n's toy data), shuffled."""
    X, y = [], []
    for k in range(num_classes):
        r = rng.uniform(0.05, 1.0, n_per_class)
        t = k * 2 * np.pi / num_classes + turn * np.pi * r + rng.normal(scale=noise, size=n_per_class)
        X.append(np.c_[r * np.sin(t), r * np.cos(t)])
        y.append(np.full(n_per_class, k))
    X, y = np.concatenate(X) + np.asarray(center), np.concatenate(y)
    order = rng.permutation(len(y))
    return X[order], y[order]


def make_circles(rng, n_per_class, noise=0.08, center=(0.0, 0.0)):
    """Class 0: a disc of radius 0.5; class 1: a ring from radius 0.8 to 1.2 around it; shuffled."""
    radius = np.r_[np.sqrt(rng.uniform(0, 0.25, n_per_class)), rng.uniform(0.8, 1.2, n_per_class)]
    angle = rng.uniform(0, 2 * np.pi, 2 * n_per_class)
    X = np.c_[radius * np.cos(angle), radius * np.sin(angle)] + rng.normal(scale=noise, size=(2 * n_per_class, 2))
    y = np.repeat([0, 1], n_per_class)
    order = rng.permutation(len(y))
    return X[order] + np.asarray(center), y[order]
