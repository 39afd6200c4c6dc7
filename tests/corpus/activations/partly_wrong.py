# Realistic slips: a naive sigmoid (overflows), relu_grad(0) = 1, alpha ignored.
# %% sigmoid_impl
def sigmoid(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))


def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1 - s)
# %% tanh_impl
def tanh(z):
    return np.tanh(np.asarray(z) * 1.0)  # a Python float keeps float32 as float32, makes ints float64


def tanh_grad(z):
    return 1 - tanh(z) ** 2
# %% relu_impl
def relu(z):
    return np.maximum(np.asarray(z, dtype=float), 0)


def relu_grad(z):
    return (np.asarray(z) >= 0).astype(float)
# %% leaky_relu_impl
def leaky_relu(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, 0.01 * z)


def leaky_relu_grad(z, alpha=0.01):
    return np.where(np.asarray(z) > 0, 1.0, 0.01)
