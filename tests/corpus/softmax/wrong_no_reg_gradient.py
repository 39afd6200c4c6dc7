# Forgets the regularisation gradient reg * W: reg has no effect on training.
# expect: test_classifier loses points, feedback says "reg does not regularise"
# base: correct_class_loop_onehot
# %% classifier_impl
def train_softmax_classifier(X, y, num_classes, learning_rate, num_iters, reg=0.0, seed=0):
    rng = np.random.default_rng(seed)
    W = 0.01 * rng.standard_normal((X.shape[1], num_classes))
    b = np.zeros(num_classes)
    for it in range(num_iters):
        loss, dscores = softmax_cross_entropy(X @ W + b, y)
        loss += 0.5 * reg * np.sum(W * W)
        W = W - learning_rate * (X.T @ dscores)
        b = b - learning_rate * dscores.sum(axis=0)
    return W, b


def predict_classes(X, W, b):
    return np.argmax(X @ W + b, axis=1)
