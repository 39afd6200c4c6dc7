# Shuffles X and y themselves (in place, with the same permutation), then walks through them.
# expect: test_minibatch_sgd loses points, feedback says "changed its argument X in place"
# base: correct_einsum
# %% minibatch_sgd_impl
def minibatch_sgd(X, y, learning_rate, num_epochs, batch_size, seed=0):
    n, d = X.shape
    rng = np.random.default_rng(seed)
    w, b = np.zeros(d), 0.0
    history = [mse_loss(X, y, w, b)]
    for _ in range(num_epochs):
        order = rng.permutation(n)
        X[:], y[:] = X[order], y[order]
        for start in range(0, n, batch_size):
            dw, db = mse_gradients(X[start:start + batch_size], y[start:start + batch_size], w, b)
            w = w - learning_rate * dw
            b = b - learning_rate * db
        history.append(mse_loss(X, y, w, b))
    return w, b, history
