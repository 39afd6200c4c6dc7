# A correct solution written differently from the reference: np.where and logaddexp.
# %% sigmoid_impl
def _floaty(z):
    z = np.asarray(z)
    return z if z.dtype.kind == "f" else z.astype(np.float64)


def sigmoid(z):
    z = _floaty(z)
    return np.exp(-np.logaddexp(z.dtype.type(0), -z))


def sigmoid_grad(z):
    s = sigmoid(z)
    return s - s * s
# %% tanh_impl
def tanh(z):
    return np.tanh(_floaty(z))


def tanh_grad(z):
    t = np.tanh(_floaty(z))
    return (1 - t) * (1 + t)
# %% relu_impl
def relu(z):
    z = _floaty(z)
    return np.where(z > 0, z, z.dtype.type(0))


def relu_grad(z):
    z = _floaty(z)
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(0))
# %% leaky_relu_impl
def leaky_relu(z, alpha=0.01):
    z = _floaty(z)
    return np.where(z > 0, z, (alpha * z).astype(z.dtype))


def leaky_relu_grad(z, alpha=0.01):
    z = _floaty(z)
    return np.where(z > 0, 1, alpha).astype(z.dtype)
