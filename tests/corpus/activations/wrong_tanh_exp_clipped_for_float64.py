# tanh from exponentials, z clipped to [-300, 300] so that exp(2z) stays finite in float64; in float32
# exp(600) overflows and inf / inf is NaN. Everything else is correct.
# expect: test_tanh loses points, feedback says "✗ tanh-float32: no overflow"
# base: correct_np_where
# %% tanh_impl
def tanh(z):
    e = np.exp(2 * np.clip(_floaty(z), -300, 300))
    return (e - 1) / (e + 1)


def tanh_grad(z):
    return 1 - tanh(z) ** 2
