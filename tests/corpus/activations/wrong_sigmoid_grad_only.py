# sigmoid is right; sigmoid_grad mixes up s and z: sigmoid(z) * (1 - z). Everything else is correct.
# expect: test_sigmoid loses points, feedback says "not counted: sigmoid_grad's values are wrong"
# base: correct_np_where
# %% end
def sigmoid_grad(z):
    z = _floaty(z)
    return sigmoid(z) * (1 - z)
