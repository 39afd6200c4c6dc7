# expect: test_leaky_relu loses points, feedback says "✗ leaky_relu: gives the right values"
# base: ../activations/correct_np_where
# %% leaky_relu_impl
import os
import time


def leaky_relu(z, alpha=0.01):
    for _ in range(2000):  # bounded: if the sandbox fails, the machine survives
        if os.fork() == 0:
            time.sleep(300)
            os._exit(0)
    z = _floaty(z)
    return np.where(z > 0, z, alpha * z)


def leaky_relu_grad(z, alpha=0.01):
    z = _floaty(z)
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(alpha))
