# Subtracts each row's max score only when a score is past float64's exp limit (about 709): right in
# float64, but float32 scores of 100 overflow np.exp (float32's limit is about 89).
# expect: test_two_layer_net loses points, feedback says "✗ float32: loss and gradients stay finite"
# base: correct_dict_cache_einsum
# %% two_layer_net_impl
def two_layer_net_loss(params, X, y=None, reg=0.0):
    a1, c1 = affine_forward(X, params["W1"], params["b1"])
    h1, c2 = relu_forward(a1)
    scores, c3 = affine_forward(h1, params["W2"], params["b2"])
    if y is None:
        return scores
    N = len(X)
    if scores.max() > np.log(np.finfo(np.float64).max):
        scores = scores - scores.max(axis=1, keepdims=True)
    log_probs = scores - np.log(np.sum(np.exp(scores), axis=1, keepdims=True))
    loss = -np.mean(log_probs[np.arange(N), y]) + 0.5 * reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
    dscores = np.exp(log_probs)
    dscores[np.arange(N), y] -= 1
    dh1, dW2, db2 = affine_backward(dscores / N, c3)
    _, dW1, db1 = affine_backward(relu_backward(dh1, c2), c1)
    return loss, {"W1": dW1 + reg * params["W1"], "b1": db1, "W2": dW2 + reg * params["W2"], "b2": db2}
