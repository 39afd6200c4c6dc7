# Another correct solution: boolean masks on copies, float32 kept throughout.
# %% sigmoid_impl
def sigmoid(z):
    z = np.asarray(z)
    z = np.array(z, dtype=z.dtype if z.dtype.kind == "f" else np.float64)
    out = np.empty_like(z)
    neg = z < 0
    e = np.exp(z[neg])
    out[neg] = e / (1 + e)
    out[~neg] = 1 / (1 + np.exp(-z[~neg]))
    return out


def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1 - s)
# %% tanh_impl
def tanh(z):
    z = np.asarray(z)
    return np.tanh(z) if z.dtype.kind == "f" else np.tanh(z.astype(np.float64))


def tanh_grad(z):
    return 1 - tanh(z) ** 2
# %% relu_impl
def relu(z):
    out = np.array(z, dtype=np.float64 if np.asarray(z).dtype.kind != "f" else np.asarray(z).dtype)
    out[out < 0] = 0
    return out


def relu_grad(z):
    z = np.asarray(z)
    return (z > 0).astype(z.dtype if z.dtype.kind == "f" else np.float64)
# %% leaky_relu_impl
def leaky_relu(z, alpha=0.01):
    out = np.array(z, dtype=np.float64 if np.asarray(z).dtype.kind != "f" else np.asarray(z).dtype)
    out[out <= 0] *= alpha
    return out


def leaky_relu_grad(z, alpha=0.01):
    g = np.array(relu_grad(z))  # a 0-d result would be a numpy scalar, which cannot be assigned into
    g[g == 0] = alpha
    return g
