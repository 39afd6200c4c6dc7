# Answers every call correctly, but only after sleeping just under the call timeout (4.5 s of 5), once per
# request of the grader: each call passes, and without a deadline for the whole notebook the grading would
# hold a worker for the sum of all the call timeouts. The notebook's deadline stops it; what had not run by
# then scores 0.
# expect: test_leaky_relu loses points, feedback says "time limit of"
# base: ../activations/correct_np_where
# %% end
import functools
import time

import IPython

_last_request = [None]


def _stall(function):
    @functools.wraps(function)
    def slow(*args, **kwargs):
        request = IPython.get_ipython().kernel.get_parent()["header"]["msg_id"]
        if request != _last_request[0]:
            _last_request[0] = request
            time.sleep(4.5)
        return function(*args, **kwargs)
    return slow


for _name in ("sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad", "leaky_relu", "leaky_relu_grad"):
    globals()[_name] = _stall(globals()[_name])
