"""Helpers every notebook of the course imports first (one file, linked into each assignment's folder).

A freshly released notebook has a stub, ``raise NotImplementedError()``, in every function you
write. So that "Run all" goes through the whole notebook anyway, checks and demos that need a
function you have not written yet say so in one line instead of stopping with a traceback;
a check that finds a real mistake still stops, with a short message and no traceback.
``start_tensorflow_quietly`` keeps TensorFlow's start-up log (CUDA, oneDNN) out of the notebooks:
those lines are information for TensorFlow's developers and look like errors to everyone else.
The numerical gradients (``eval_numerical_gradient``, ``..._array``), ``all_layers`` and ``timed_training``
serve the checks of several assignments, and the notebooks that teach gradient checking.
"""

import contextlib
import functools
import os
import sys
import time

import numpy as np

MAX_MESSAGE = 2000  # characters of a check's message shown in the notebook


def start_tensorflow_quietly():
    """Import TensorFlow and let it find its devices with its start-up log kept out of the notebook.

    TensorFlow's C++ side writes straight to the process's stderr (file descriptor 2), which the
    notebook shows in red: "Could not find cuda drivers", "failed call to cuInit", oneDNN notices.
    They go to a temporary file instead, and are shown only if TensorFlow fails to start.
    """
    import tempfile

    os.environ["TF_CPP_MIN_LOG_LEVEL"] = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")  # and later warnings too
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+") as log:
        os.dup2(log.fileno(), 2)
        try:
            import tensorflow as tf

            tf.config.list_physical_devices()
        except BaseException:
            os.dup2(saved, 2)
            log.seek(0)
            print(log.read()[-MAX_MESSAGE:], file=sys.stderr)
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


class CheckFailed(AssertionError):
    """A public check found a mistake: shown as its message alone, without a traceback."""

    def _render_traceback_(self):
        # IPython shows what this returns in place of the traceback
        return [f"\x1b[31mCheck failed:\x1b[0m {str(self)[:MAX_MESSAGE]}"]


def missing_function(tb) -> str | None:
    """The notebook function whose stub raised NotImplementedError (the innermost notebook frame), if any."""
    name = None
    while tb is not None:
        code = tb.tb_frame.f_code
        if _is_notebook_code(code.co_filename) and code.co_name != "<module>":
            name = code.co_name
        tb = tb.tb_next
    return name


def _is_notebook_code(filename: str) -> bool:
    # IPython compiles each cell as "/tmp/ipykernel_<pid>/<hash>.py" (older: "<ipython-input-...>")
    return filename.startswith("<ipython-input") or os.path.basename(os.path.dirname(filename)).startswith("ipykernel_")


def public_check(check):
    """Decorate a public check: an unwritten function is reported in one line; a mistake as a short CheckFailed."""
    @functools.wraps(check)
    def run(*args, **kwargs):
        try:
            return check(*args, **kwargs)
        except NotImplementedError:
            name = missing_function(sys.exc_info()[2]) or check.__name__.removeprefix("check_")
            print(f"not implemented yet: {name}")
        except CheckFailed:
            raise
        except AssertionError as exc:
            raise CheckFailed(str(exc)) from None
    return run


def all_layers(model):
    """Every layer of a Keras model, those of the models inside it included (for the Keras assignments' checks)."""
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from all_layers(layer)


def timed_training(build, train, *data):
    """``model = build()`` trained by ``train(model, *data)``: the model, the History ``train`` returned and the
    seconds it took (for the Keras assignments' checks)."""
    from tensorflow import keras  # only the Keras assignments pay for TensorFlow's import

    model = build()
    start = time.perf_counter()
    history = train(model, *data)
    seconds = time.perf_counter() - start
    if not isinstance(history, keras.callbacks.History):
        raise AssertionError(f"{train.__name__} should return the History of model.fit, got {type(history).__name__}")
    return model, history, seconds


def eval_numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of a scalar function ``f`` at the array ``x``.

    ``f`` is called with a perturbed copy of ``x`` (your ``x`` is never changed):
    grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h).

    Example: the gradient of the loss with respect to W1
        eval_numerical_gradient(lambda W1: two_layer_net_loss({**params, "W1": W1}, X, y)[0], params["W1"])
    """
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        old = x[index]
        x[index] = old + h
        f_plus = float(f(x.copy()))
        x[index] = old - h
        f_minus = float(f(x.copy()))
        x[index] = old
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


def eval_numerical_gradient_array(f, x, dout, h=1e-5):
    """Centred-difference gradient of ``sum(f(x) * dout)`` at ``x``, for a function ``f`` that returns an array.

    This is what a backward pass computes: given the upstream gradient ``dout`` (same shape as
    ``f(x)``), the gradient with respect to ``x``.

    Example: dx of the affine layer
        eval_numerical_gradient_array(lambda x: affine_forward(x, W, b)[0], x, dout)
    """
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        old = x[index]
        x[index] = old + h
        out_plus = np.array(f(x.copy()), dtype=np.float64)
        x[index] = old - h
        out_minus = np.array(f(x.copy()), dtype=np.float64)
        x[index] = old
        grad[index] = np.sum((out_plus - out_minus) * dout) / (2 * h)
    return grad


@contextlib.contextmanager
def needs_your_code():
    """Run a demo or plot only once the functions it calls exist: until then, say which one to write.

    A figure the demo started is closed, so no empty axes are shown.
    """
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    try:
        yield
    except NotImplementedError:
        _close_new_figures(plt, before)
        name = missing_function(sys.exc_info()[2])
        print(f"Implement {name or 'the functions above'} to see this cell's result "
              "(it is not implemented yet), then run this cell again.")
    except NameError as exc:
        if not _raised_in_the_cell(sys.exc_info()[2]):
            raise  # a typo inside a function is a mistake to see in full
        _close_new_figures(plt, before)
        print(f"This cell needs `{exc.name}`, which a cell above makes once the functions it calls are "
              "implemented: implement them, run the cells above, then this one again.")


def _close_new_figures(plt, before):
    for number in set(plt.get_fignums()) - before:
        plt.close(number)


def _raised_in_the_cell(tb) -> bool:
    """Whether the innermost frame of a traceback is a cell's own top-level code."""
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    return code.co_name == "<module>" and _is_notebook_code(code.co_filename)
