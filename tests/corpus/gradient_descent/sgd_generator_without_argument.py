# Shuffles with np.random.default_rng() called without the seed: every run is different.
# expect: test_minibatch_sgd loses points, feedback says "two calls with the same seed"
# base: correct_einsum
# %% minibatch_sgd_impl
def minibatch_sgd(X, y, learning_rate, num_epochs, batch_size, seed=0):
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    history = [mse_loss(X, y, w, b)]
    for _ in range(num_epochs):
        order = np.random.default_rng().permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            dw, db = mse_gradients(X[batch], y[batch], w, b)
            w = w - learning_rate * dw
            b = b - learning_rate * db
        history.append(mse_loss(X, y, w, b))
    return w, b, history
