# Clips z to [-500, 500] before np.exp: exp(500) is finite in float64 but beyond float32's range
# (about 3.4e38), so float32 inputs overflow. Everything else is correct.
# expect: test_sigmoid loses points, feedback says "✗ sigmoid-float32: no overflow"
# base: correct_np_where
# %% sigmoid_impl
def _floaty(z):
    z = np.asarray(z)
    return z if z.dtype.kind == "f" else z.astype(np.float64)


def sigmoid(z):
    z = np.clip(_floaty(z), -500, 500)
    return 1 / (1 + np.exp(-z))


def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1 - s)
