# Once relu is called, every reply of the kernel claims an array of 2**62 x 2**62 values: the grader
# refuses it as data it cannot read, before allocating anything, and the checks still to come fail.
# expect: test_relu loses points, feedback says "returned data the grader cannot read"
# base: ../activations/correct_np_where
# %% end
import sys

_relu = relu


def relu(z):
    wire = sys.modules["_dlcourse_wire"]
    wire._plain_reply = lambda value, inputs: {"status": "ok", "value": {
        "t": "nd", "dtype": "<f8", "shape": [2**62, 2**62], "b64": ""}}
    return _relu(z)
