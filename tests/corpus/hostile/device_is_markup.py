# Once the grader calls it, the kernel's answer to "which device did you compute on?" becomes rich markup:
# the class's table prints it as plain text, and the reports are written.
# expect: full marks
# base: ../activations/correct_np_where
# %% end
import sys

_sigmoid = sigmoid


def sigmoid(z):
    sys.modules["_dlcourse_wire"].tensorflow_device = lambda: "[/][bold red]GPU[/]"
    return _sigmoid(z)
