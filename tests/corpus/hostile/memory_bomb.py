# expect: test_relu loses points, feedback says "MemoryError"
# base: ../activations/correct_np_where
# %% relu_impl
def relu(z):
    hoard = np.ones(100 * 2**30 // 8)  # 100 GB
    return np.maximum(z, 0) + 0 * hoard[0]


def relu_grad(z):
    z = _floaty(z)
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(0))
