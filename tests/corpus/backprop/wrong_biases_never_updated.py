# Updates only the weights W1 and W2: the biases stay at 0, so every hidden unit's line goes through
# the origin and the network cannot carve out the spirals' and circles' regions.
# expect: test_train loses points, feedback says "accuracy"
# base: correct_dict_cache_einsum
# %% train_impl
def train_two_layer_net(X, y, hidden_size, learning_rate, num_iters, reg=0.0, seed=0):
    rng = np.random.default_rng(seed)
    D, C = X.shape[1], int(y.max()) + 1
    params = {"W1": rng.normal(0, np.sqrt(2 / D), (D, hidden_size)), "b1": np.zeros(hidden_size),
              "W2": rng.normal(0, np.sqrt(2 / hidden_size), (hidden_size, C)), "b2": np.zeros(C)}
    for it in range(num_iters):
        _, grads = two_layer_net_loss(params, X, y, reg)
        for key in ("W1", "W2"):
            params[key] = params[key] - learning_rate * grads[key]
    return params
