# Centres and scales the data in place (X -= ..., X /= ...) before training: the caller's X changes.
# expect: test_train loses points, feedback says "changed X in place"
# base: correct_dict_cache_einsum
# %% train_impl
def train_two_layer_net(X, y, hidden_size, learning_rate, num_iters, reg=0.0, seed=0):
    X -= X.mean(axis=0)
    X /= X.std(axis=0) + 1e-8
    rng = np.random.default_rng(seed)
    D, C = X.shape[1], int(y.max()) + 1
    params = {"W1": rng.normal(0, np.sqrt(2 / D), (D, hidden_size)), "b1": np.zeros(hidden_size),
              "W2": rng.normal(0, np.sqrt(2 / hidden_size), (hidden_size, C)), "b2": np.zeros(C)}
    for it in range(num_iters):
        _, grads = two_layer_net_loss(params, X, y, reg)
        params = {k: v - learning_rate * grads[k] for k, v in params.items()}
    return params
