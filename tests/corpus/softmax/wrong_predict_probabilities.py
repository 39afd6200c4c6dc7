# predict_classes returns the probabilities of every class instead of the most likely class.
# expect: test_classifier loses points, feedback says "one probability or score per class"
# base: correct_logaddexp
# %% classifier_impl
def train_softmax_classifier(X, y, num_classes, learning_rate, num_iters, reg=0.0, seed=0):
    X = _floaty(X)
    W = np.zeros((X.shape[1], num_classes))
    b = np.zeros(num_classes)
    for _ in range(num_iters):
        _, d = softmax_cross_entropy(X @ W + b, y)
        W -= learning_rate * (X.T @ d + reg * W)
        b -= learning_rate * d.sum(axis=0)
    return W, b


def predict_classes(X, W, b):
    return softmax(_floaty(X) @ W + b)
