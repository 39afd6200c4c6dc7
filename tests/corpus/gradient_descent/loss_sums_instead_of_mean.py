# The loss is the sum of the squared errors, not their mean.
# expect: test_predict_loss loses points, feedback says "not their sum"
# base: correct_einsum
# %% predict_loss_impl
def _floaty(a):
    a = np.asarray(a)
    return a if a.dtype.kind == "f" else a.astype(np.float64)


def predict(X, w, b):
    X, w = _floaty(X), _floaty(w)
    return np.einsum("nd,d->n", X, w) + X.dtype.type(b)


def mse_loss(X, y, w, b):
    return np.sum((predict(X, w, b) - y) ** 2)
