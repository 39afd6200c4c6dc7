# Correct, except that relu loops forever whenever it is called.
# base: correct_np_where
# %% relu_impl
def relu(z):
    while True:
        z = z + 0


def relu_grad(z):
    z = _floaty(z)
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(0))
