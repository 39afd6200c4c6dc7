# Draws each batch's indices at random with replacement: some samples twice, some never.
# expect: test_minibatch_sgd loses points, feedback says "every sample must be used exactly"
# base: correct_einsum
# %% minibatch_sgd_impl
def minibatch_sgd(X, y, learning_rate, num_epochs, batch_size, seed=0):
    n, d = X.shape
    rng = np.random.default_rng(seed)
    w, b = np.zeros(d), 0.0
    history = [mse_loss(X, y, w, b)]
    for _ in range(num_epochs):
        for _ in range(int(np.ceil(n / batch_size))):
            batch = rng.integers(0, n, size=batch_size)
            dw, db = mse_gradients(X[batch], y[batch], w, b)
            w = w - learning_rate * dw
            b = b - learning_rate * db
        history.append(mse_loss(X, y, w, b))
    return w, b, history
