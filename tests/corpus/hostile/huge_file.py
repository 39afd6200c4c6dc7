# expect: test_leaky_relu loses points, feedback says "File too large"
# base: ../activations/correct_np_where
# %% leaky_relu_impl
def leaky_relu(z, alpha=0.01):
    block = b"\0" * 2**24
    with open("huge.bin", "wb") as f:
        for _ in range(640):  # 10 GB
            f.write(block)
    z = _floaty(z)
    return np.where(z > 0, z, alpha * z)


def leaky_relu_grad(z, alpha=0.01):
    z = _floaty(z)
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(alpha))
