# Correct, except that the leaky ReLU cell loops forever before defining its functions.
# base: correct_np_where
# %% leaky_relu_impl
while True:
    pass


def leaky_relu(z, alpha=0.01):
    return np.where(z > 0, z, alpha * z)


def leaky_relu_grad(z, alpha=0.01):
    return np.where(z > 0, 1.0, alpha)
