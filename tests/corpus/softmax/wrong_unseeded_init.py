# Draws the initial weights from the global np.random without the seed: two runs differ.
# expect: test_classifier loses points, feedback says "same seed"
# base: correct_class_loop_onehot
# %% classifier_impl
def train_softmax_classifier(X, y, num_classes, learning_rate, num_iters, reg=0.0, seed=0):
    W = 0.01 * np.random.randn(X.shape[1], num_classes)
    b = np.zeros(num_classes)
    for it in range(num_iters):
        loss, dscores = softmax_cross_entropy(X @ W + b, y)
        W = W - learning_rate * (X.T @ dscores + reg * W)
        b = b - learning_rate * dscores.sum(axis=0)
    return W, b


def predict_classes(X, W, b):
    return np.argmax(X @ W + b, axis=1)
