# Adds the regularisation to the loss but forgets its gradient (reg * W) in dW1 and dW2.
# expect: test_two_layer_net loses points, feedback says "numerical gradient of your loss"
# base: correct_dict_cache_einsum
# %% two_layer_net_impl
def two_layer_net_loss(params, X, y=None, reg=0.0):
    a1, c1 = affine_forward(X, params["W1"], params["b1"])
    h1, c2 = relu_forward(a1)
    scores, c3 = affine_forward(h1, params["W2"], params["b2"])
    if y is None:
        return scores
    N = len(X)
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(N), y].mean() + 0.5 * reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
    dscores = np.exp(log_probs)
    dscores[np.arange(N), y] -= 1
    dh1, dW2, db2 = affine_backward(dscores / N, c3)
    _, dW1, db1 = affine_backward(relu_backward(dh1, c2), c1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
