# expect: full marks
# A correct solution written differently: caches are objects of the student's own class (they never
# leave the kernel), relu's backward reads the mask from the output, db as a product with a vector of
# ones, the softmax loss from np.logaddexp.reduce, Xavier initialisation from the legacy np.random API
# seeded with the seed, and a training loop that builds a new dict each step.
# %% affine_impl
class LayerCache:
    def __init__(self, **arrays):
        self.__dict__.update(arrays)


def affine_forward(x, W, b):
    return x @ W + b[np.newaxis, :], LayerCache(x=x, W=W)


def affine_backward(dout, cache):
    ones = np.ones(dout.shape[0], dtype=dout.dtype)
    return dout @ cache.W.T, cache.x.T @ dout, ones @ dout
# %% relu_impl
def relu_forward(x):
    out = x * (x > 0)
    return out, LayerCache(out=out)


def relu_backward(dout, cache):
    return dout * (cache.out > 0)
# %% two_layer_net_impl
def two_layer_net_loss(params, X, y=None, reg=0.0):
    hidden, cache_a = affine_forward(X, params["W1"], params["b1"])
    hidden, cache_r = relu_forward(hidden)
    scores, cache_b = affine_forward(hidden, params["W2"], params["b2"])
    if y is None:
        return scores
    N = X.shape[0]
    log_probs = scores - np.logaddexp.reduce(scores, axis=1, keepdims=True)
    loss = -log_probs[np.arange(N), y].sum() / N
    loss = loss + reg * 0.5 * ((params["W1"] ** 2).sum() + (params["W2"] ** 2).sum())
    dscores = np.exp(log_probs)
    dscores[np.arange(N), y] -= 1.0
    dscores = dscores / N
    dhidden, dW2, db2 = affine_backward(dscores, cache_b)
    _, dW1, db1 = affine_backward(relu_backward(dhidden, cache_r), cache_a)
    return loss, {"W1": dW1 + reg * params["W1"], "b1": db1, "W2": dW2 + reg * params["W2"], "b2": db2}
# %% train_impl
def train_two_layer_net(X, y, hidden_size, learning_rate, num_iters, reg=0.0, seed=0):
    np.random.seed(seed)
    D, C = X.shape[1], int(y.max()) + 1
    params = {"W1": np.random.randn(D, hidden_size) / np.sqrt(D), "b1": np.zeros(hidden_size),
              "W2": np.random.randn(hidden_size, C) / np.sqrt(hidden_size), "b2": np.zeros(C)}
    for it in range(num_iters):
        grads = two_layer_net_loss(params, X, y, reg=reg)[1]
        params = {name: params[name] - learning_rate * grads[name] for name in params}
    return params
