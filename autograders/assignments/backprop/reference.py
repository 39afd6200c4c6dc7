"""Reference layers, two-layer net and training for the backprop assignment. Hidden: never shipped to students."""

import numpy as np

PARAM_KEYS = ("W1", "b1", "W2", "b2")


def affine_forward(x, W, b):
    """Computes the forward pass of an affine (fully connected) layer, out = x @ W + b.

    Inputs:
    - x: A numpy array of N inputs of dimension D, of shape (N, D)
    - W: A numpy array of weights, of shape (D, M)
    - b: A numpy array of biases, of shape (M,)

    Returns a tuple of:
    - out: A numpy array of shape (N, M)
    - cache: (x, W, b), for affine_backward
    """
    return x @ W + b, (x, W, b)


def affine_backward(dout, cache):
    """Computes the backward pass of an affine layer.

    Inputs:
    - dout: Upstream derivative d loss / d out, of shape (N, M)
    - cache: (x, W, b) from affine_forward: shapes (N, D), (D, M), (M,)

    Returns a tuple of:
    - dx: Gradient with respect to x, dout @ W^T, of shape (N, D)
    - dW: Gradient with respect to W, x^T @ dout, of shape (D, M)
    - db: Gradient with respect to b, dout summed over the N rows, of shape (M,)
    """
    x, W, _ = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def relu_forward(x):
    """Computes the forward pass of a layer of rectified linear units, out = max(0, x), elementwise.

    Inputs:
    - x: A numpy array of any shape

    Returns a tuple of:
    - out: A numpy array of the shape of x
    - cache: x, for relu_backward
    """
    return np.where(x > 0, x, np.zeros_like(x)), x


def relu_backward(dout, cache):
    """Computes the backward pass of a layer of rectified linear units.

    Inputs:
    - dout: Upstream derivative d loss / d out, of any shape
    - cache: The input x of relu_forward, of the shape of dout

    Returns:
    - dx: Gradient with respect to x, of the shape of dout: dout where x > 0, else 0
    """
    return np.where(cache > 0, dout, np.zeros_like(dout))


def softmax_cross_entropy(scores, y):
    """Computes the mean softmax cross-entropy of the scores and its gradient, stable for any finite scores.

    Inputs:
    - scores: A numpy array of shape (N, C)
    - y: A numpy array of integer labels, of shape (N,), where 0 <= y[i] < C

    Returns a tuple of:
    - loss: The mean over the N rows of -log softmax(scores)[i, y[i]], a numpy float scalar
    - dscores: d loss / d scores = (softmax(scores) - one_hot(y)) / N, of shape (N, C)
    """
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = scores.shape[0]
    loss = -log_probs[np.arange(n), y].mean()
    dscores = np.exp(log_probs)
    dscores[np.arange(n), y] -= 1
    return loss, dscores / n


def two_layer_net_loss(params, X, y=None, reg=0.0):
    """Computes the scores, or the loss and its gradients, of a two-layer net: affine - relu - affine -
    softmax, with loss = mean softmax cross-entropy + 0.5 * reg * (sum(W1**2) + sum(W2**2)).

    Inputs:
    - params: A dict of numpy arrays, W1 (D, H), b1 (H,), W2 (H, C), b2 (C,) (not modified)
    - X: A numpy array of N examples of dimension D, of shape (N, D)
    - y: A numpy array of integer labels, of shape (N,), where 0 <= y[i] < C; or None
    - reg: The L2 regularisation strength, a float

    Returns, if y is None:
    - scores: A numpy array of shape (N, C)
    Else a tuple of:
    - loss: A float
    - grads: A dict with the keys of params, each gradient of the shape of its parameter
    """
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
    """Draws the two-layer net's starting parameters: He initialisation from ``np.random.default_rng(seed)``
    (W1 ~ N(0, 2 / D), then W2 ~ N(0, 2 / H)), biases 0.

    Inputs:
    - D: The input dimension
    - H: The hidden layer's size
    - C: The number of classes
    - seed: The seed of the weights

    Returns:
    - params: A dict with W1 (D, H), b1 (H,), W2 (H, C), b2 (C,), numpy float64 arrays
    """
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(scale=np.sqrt(2.0 / D), size=(D, H)), "b1": np.zeros(H),
            "W2": rng.normal(scale=np.sqrt(2.0 / H), size=(H, C)), "b2": np.zeros(C)}


def train_two_layer_net(X, y, hidden_size, learning_rate, num_iters, reg=0.0, seed=0):
    """Trains the two-layer net by full-batch gradient descent on two_layer_net_loss, from init_params.

    Inputs:
    - X: A numpy array of N examples of dimension D, of shape (N, D)
    - y: A numpy array of integer labels, of shape (N,); the net has C = max(y) + 1 classes
    - hidden_size: H, the hidden layer's size
    - learning_rate: The step size, a float
    - num_iters: The number of steps, an int >= 0
    - reg: The L2 regularisation strength, a float
    - seed: The seed of the initial weights

    Returns:
    - params: The trained parameters, a dict with W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)
    """
    params = init_params(X.shape[1], hidden_size, int(y.max()) + 1, seed)
    for _ in range(num_iters):
        _, grads = two_layer_net_loss(params, X, y, reg)
        params = {k: params[k] - learning_rate * grads[k] for k in PARAM_KEYS}
    return params


def predict(params, X):
    """Computes the class with the largest score of the two-layer net for each example.

    Inputs:
    - params: A dict with W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)
    - X: A numpy array of shape (N, D)

    Returns:
    - classes: A numpy array of integer classes in [0, C), of shape (N,)
    """
    return two_layer_net_loss(params, X).argmax(axis=1)


# ---- data the grader trains on ------------------------------------------------

def make_spirals(rng, n_per_class, num_classes=3, noise=0.1, turn=1.5, center=(0.0, 0.0)):
    """Draws interleaved spiral arms, one per class (CS231n's toy data), shuffled.

    Inputs:
    - rng: The np.random.Generator to draw from
    - n_per_class: The number of points in each arm
    - num_classes: K, the number of arms
    - noise: The standard deviation of the angle's noise, in radians
    - turn: How far each arm winds from the centre to radius 1, in half turns (pi radians)
    - center: Where the spirals are centred, (x, y)

    Returns a tuple of:
    - X: A numpy array of points, of shape (K * n_per_class, 2)
    - y: A numpy array of integer labels in [0, K), of shape (K * n_per_class,)
    """
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
    """Draws class 0 as a disc of radius 0.5 and class 1 as a ring from radius 0.8 to 1.2 around it, shuffled.

    Inputs:
    - rng: The np.random.Generator to draw from
    - n_per_class: The number of points of each class
    - noise: The standard deviation of the Gaussian noise added to each coordinate
    - center: Where the circles are centred, (x, y)

    Returns a tuple of:
    - X: A numpy array of points, of shape (2 * n_per_class, 2)
    - y: A numpy array of labels 0 and 1, of shape (2 * n_per_class,)
    """
    radius = np.r_[np.sqrt(rng.uniform(0, 0.25, n_per_class)), rng.uniform(0.8, 1.2, n_per_class)]
    angle = rng.uniform(0, 2 * np.pi, 2 * n_per_class)
    X = np.c_[radius * np.cos(angle), radius * np.sin(angle)] + rng.normal(scale=noise, size=(2 * n_per_class, 2))
    y = np.repeat([0, 1], n_per_class)
    order = rng.permutation(len(y))
    return X[order] + np.asarray(center), y[order]
