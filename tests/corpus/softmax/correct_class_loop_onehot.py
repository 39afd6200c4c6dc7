# expect: full marks
# A correct solution written differently: the row max found by a loop over the classes, a 1-D input
# handled by reshaping, the loss read with take_along_axis, the gradient built from a one-hot matrix,
# a different initial scale (b random too) and np.dot everywhere.
# %% softmax_impl
def softmax(logits):
    z = np.asarray(logits)
    z = z if z.dtype.kind == "f" else z.astype(np.float64)
    rows = z.reshape(-1, z.shape[-1])
    row_max = rows[:, 0].copy()
    for j in range(1, rows.shape[1]):
        row_max = np.maximum(row_max, rows[:, j])
    e = np.exp(rows - row_max[:, None])
    return (e / e.sum(axis=1)[:, None]).reshape(z.shape)
# %% cross_entropy_impl
def softmax_cross_entropy(logits, y):
    z = np.asarray(logits)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    n, c = z.shape
    y = np.asarray(y).reshape(n, 1)
    m = z.max(axis=1, keepdims=True)
    log_norm = m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
    loss = np.mean(log_norm - np.take_along_axis(z, y, axis=1))
    onehot = np.zeros_like(z)
    np.put_along_axis(onehot, y, 1, axis=1)
    return loss, (softmax(z) - onehot) / n
# %% classifier_impl
def train_softmax_classifier(X, y, num_classes, learning_rate, num_iters, reg=0.0, seed=0):
    gen = np.random.default_rng(seed)
    W = gen.normal(0.0, 0.001, size=(np.shape(X)[1], num_classes))
    b = gen.normal(0.0, 0.001, size=num_classes)
    for it in range(num_iters):
        loss, dscores = softmax_cross_entropy(np.dot(X, W) + b, y)
        grad_W = np.dot(np.transpose(X), dscores) + reg * W
        grad_b = np.sum(dscores, axis=0)
        W = W - learning_rate * grad_W
        b = b - learning_rate * grad_b
    return W, b


def predict_classes(X, W, b):
    scores = np.dot(X, W) + b
    return np.array([int(np.argmax(row)) for row in scores])
