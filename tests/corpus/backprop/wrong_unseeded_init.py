# Ignores the seed: the initial weights come from the global np.random state, so two runs with the
# same seed give different networks.
# expect: test_train loses points, feedback says "same seed"
# base: correct_dict_cache_einsum
# %% train_impl
def train_two_layer_net(X, y, hidden_size, learning_rate, num_iters, reg=0.0, seed=0):
    D, C = X.shape[1], int(y.max()) + 1
    params = {"W1": np.random.randn(D, hidden_size) * np.sqrt(2 / D), "b1": np.zeros(hidden_size),
              "W2": np.random.randn(hidden_size, C) * np.sqrt(2 / hidden_size), "b2": np.zeros(C)}
    for it in range(num_iters):
        _, grads = two_layer_net_loss(params, X, y, reg)
        params = {k: v - learning_rate * grads[k] for k, v in params.items()}
    return params
