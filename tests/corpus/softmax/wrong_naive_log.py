# Takes np.log of the softmax probabilities: log(0) = -inf when a probability underflows to 0.
# expect: test_softmax_cross_entropy loses points, feedback says "log(0)"
# base: correct_class_loop_onehot
# %% cross_entropy_impl
def softmax_cross_entropy(logits, y):
    z = np.asarray(logits)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    n = len(z)
    probs = softmax(z)
    loss = -np.mean(np.log(probs[np.arange(n), y]))
    dlogits = probs.copy()
    dlogits[np.arange(n), y] -= 1
    return loss, dlogits / n
