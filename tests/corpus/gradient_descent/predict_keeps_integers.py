# predict is just X @ w + b: integer inputs give an integer prediction instead of float64.
# expect: test_predict_loss loses points, feedback says "must return dtype float64"
# base: correct_einsum
# %% predict_loss_impl
def _floaty(a):
    a = np.asarray(a)
    return a if a.dtype.kind == "f" else a.astype(np.float64)


def predict(X, w, b):
    return X @ w + b


def mse_loss(X, y, w, b):
    err = predict(X, w, b) - y
    return np.mean(err ** 2)
