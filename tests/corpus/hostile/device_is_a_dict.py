# The kernel answers "which device?" with a dict holding a terminal escape sequence: the result says "unknown".
# expect: full marks
# base: ../activations/correct_np_where
# %% end
import sys

_sigmoid = sigmoid


def sigmoid(z):
    sys.modules["_dlcourse_wire"].tensorflow_device = lambda: {"device": ["\x1b[2J[/]"] * 3}
    return _sigmoid(z)
