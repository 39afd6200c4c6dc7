# sigmoid is right; sigmoid_grad mixes up s and z: sigmoid(z) * (1 - z). Everything else is correct.
# expect: test_sigmoid loses points, feedback says "not counted: sigmoid_grad's values are wrong"
# base: correct_np_where
# %% sigmoid_impl
def _floaty(z):
    z = np.asarray(z)
    return z if z.dtype.kind == "f" else z.astype(np.float64)


def sigmoid(z):
    z = _floaty(z)
    return np.exp(-np.logaddexp(z.dtype.type(0), -z))


def sigmoid_grad(z):
    z = _floaty(z)
    return sigmoid(z) * (1 - z)
