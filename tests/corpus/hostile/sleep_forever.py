# expect: test_tanh loses points, feedback says "did not finish within"
# base: ../activations/correct_np_where
# %% tanh_impl
import time


def tanh(z):
    time.sleep(10 * 24 * 3600)


def tanh_grad(z):
    t = np.tanh(_floaty(z))
    return (1 - t) * (1 + t)
