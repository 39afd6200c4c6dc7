# Only full batches: the n % batch_size samples left over are never used.
# expect: test_minibatch_sgd loses points, feedback says "were never used in the epoch"
# base: correct_einsum
# %% minibatch_sgd_impl
def minibatch_sgd(X, y, learning_rate, num_epochs, batch_size, seed=0):
    n, d = X.shape
    rng = np.random.default_rng(seed)
    w, b = np.zeros(d), 0.0
    history = [mse_loss(X, y, w, b)]
    for _ in range(num_epochs):
        order = rng.permutation(n)
        for k in range(n // batch_size):
            batch = order[k * batch_size:(k + 1) * batch_size]
            dw, db = mse_gradients(X[batch], y[batch], w, b)
            w = w - learning_rate * dw
            b = b - learning_rate * db
        history.append(mse_loss(X, y, w, b))
    return w, b, history
