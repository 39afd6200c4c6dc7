# expect: test_relu loses points, feedback says "did not finish within"
# base: ../activations/correct_np_where
# %% relu_impl
def relu(z):
    while True:
        pass


def relu_grad(z):
    z = _floaty(z)
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(0))
