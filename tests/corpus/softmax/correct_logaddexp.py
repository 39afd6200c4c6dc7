# expect: full marks
# A correct solution written differently: log-sum-exp with np.logaddexp.reduce (no explicit max),
# a float one-hot matrix of the logits' dtype, zero initial weights, in-place updates on copies.
# %% softmax_impl
def _floaty(a):
    a = np.asarray(a)
    return a if a.dtype.kind == "f" else a.astype(np.float64)


def log_softmax(logits):
    z = _floaty(logits)
    return z - np.logaddexp.reduce(z, axis=-1, keepdims=True)


def softmax(logits):
    return np.exp(log_softmax(logits))
# %% cross_entropy_impl
def softmax_cross_entropy(logits, y):
    z = _floaty(logits)
    onehot = np.eye(z.shape[1], dtype=z.dtype)[np.asarray(y)]
    logp = log_softmax(z)
    loss = -np.sum(onehot * logp) / len(z)
    return loss, (np.exp(logp) - onehot) / z.dtype.type(len(z))
# %% classifier_impl
def train_softmax_classifier(X, y, num_classes, learning_rate, num_iters, reg=0.0, seed=0):
    X = _floaty(X)
    W = np.zeros((X.shape[1], num_classes))   # the objective is convex: zeros are a fine start
    b = np.zeros(num_classes)
    for _ in range(num_iters):
        _, d = softmax_cross_entropy(X @ W + b, y)
        W -= learning_rate * (X.T @ d + reg * W)
        b -= learning_rate * d.sum(axis=0)
    return W, b


def predict_classes(X, W, b):
    return softmax(_floaty(X) @ W + b).argmax(axis=1)
