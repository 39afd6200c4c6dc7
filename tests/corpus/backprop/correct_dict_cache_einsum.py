# expect: full marks
# A correct solution written differently: dict caches, np.einsum / np.matmul, a boolean mask as relu's
# cache and np.where, probabilities normalised explicitly, the loss read with take_along_axis,
# gradients of the regularisation added in a loop, in-place updates on copies of the initial weights.
# %% affine_impl
def affine_forward(x, W, b):
    out = np.matmul(x, W) + b
    return out, {"x": x, "W": W}


def affine_backward(dout, cache):
    dx = np.einsum("nm,dm->nd", dout, cache["W"])
    dW = np.einsum("nd,nm->dm", cache["x"], dout)
    db = dout.sum(axis=0)
    return dx, dW, db
# %% relu_impl
def relu_forward(x):
    positive = x > 0
    return np.where(positive, x, np.zeros_like(x)), {"mask": positive}


def relu_backward(dout, cache):
    return np.where(cache["mask"], dout, np.zeros_like(dout))
# %% two_layer_net_impl
def softmax_loss(scores, y):
    N = len(scores)
    e = np.exp(scores - np.max(scores, axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    log_probs = scores - np.max(scores, axis=1, keepdims=True) - np.log(e.sum(axis=1, keepdims=True))
    loss = -np.take_along_axis(log_probs, y[:, None], axis=1).mean()
    onehot = np.zeros_like(probs)
    onehot[np.arange(N), y] = 1.0
    return loss, (probs - onehot) / N


def two_layer_net_loss(params, X, y=None, reg=0.0):
    a1, c1 = affine_forward(X, params["W1"], params["b1"])
    h1, c2 = relu_forward(a1)
    scores, c3 = affine_forward(h1, params["W2"], params["b2"])
    if y is None:
        return scores
    loss, dscores = softmax_loss(scores, y)
    dh1, dW2, db2 = affine_backward(dscores, c3)
    _, dW1, db1 = affine_backward(relu_backward(dh1, c2), c1)
    grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    for key in ("W1", "W2"):
        loss += 0.5 * reg * np.sum(params[key] ** 2)
        grads[key] = grads[key] + reg * params[key]
    return loss, grads
# %% train_impl
def train_two_layer_net(X, y, hidden_size, learning_rate, num_iters, reg=0.0, seed=0):
    rng = np.random.default_rng(seed)
    D, C = X.shape[1], len(np.unique(y))
    params = {"W1": rng.standard_normal((D, hidden_size)) * np.sqrt(2 / D),
              "W2": rng.standard_normal((hidden_size, C)) * np.sqrt(2 / hidden_size),
              "b1": np.zeros(hidden_size), "b2": np.zeros(C)}
    for _ in range(num_iters):
        loss, grads = two_layer_net_loss(params, X, y, reg)
        for key in params:
            params[key] -= learning_rate * grads[key]
    return params
