"""Assertions for hidden checks, with messages a student can act on.

Every helper here fails with a message that names what was wrong and, at most,
one input where it went wrong: never the reference values in bulk.
"""

from __future__ import annotations

import numpy as np

from .engine.bridge import Attr, CallTimeout, Library, NotPlainData, OutOfTime, StudentError  # noqa: F401 (for checks)
from .engine.gating import property_of, values_of  # noqa: F401 (for checks: what each check is about)
from .engine.wire import Ref, Rng  # noqa: F401 (for checks: arguments that live in the student's kernel)


def rel_error(actual, expected):
    """Elementwise relative error as CS231n defines it."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    return np.abs(actual - expected) / np.maximum(1e-8, np.abs(actual) + np.abs(expected))


def _fmt(x):
    return np.array2string(np.asarray(x), precision=6, threshold=6, edgeitems=2)


def expect_array(value, what, *, shape=None, dtype=None):
    """``value`` must be a numpy array (or numpy scalar) of the given shape and dtype."""
    if not isinstance(value, (np.ndarray, np.generic, float, int)) or isinstance(value, bool):
        raise AssertionError(f"{what} must return a numpy array; it returned {type(value).__name__}")
    arr = np.asarray(value)
    if shape is not None and arr.shape != tuple(shape):
        raise AssertionError(f"{what} must return shape {tuple(shape)}; it returned shape {arr.shape}")
    if dtype is not None and arr.dtype != np.dtype(dtype):
        raise AssertionError(f"{what} must return dtype {np.dtype(dtype)}; it returned {arr.dtype}")
    return arr


def expect_finite(value, what):
    arr = np.asarray(value)
    bad = ~np.isfinite(arr)
    if bad.any():
        where = np.argwhere(bad)[0] if arr.ndim else ()
        raise AssertionError(f"{what} must be finite; it has {int(bad.sum())} value(s) that are "
                             f"{_fmt(arr[tuple(where)])} (first at index {tuple(int(i) for i in where)})")


def expect_close(actual, expected, what, *, inputs=None, input_name="z", tol=1e-7, atol=0.0):
    """Relative error (CS231n's) below ``tol``, or absolute error below ``atol``, everywhere.

    ``atol`` is for float32 results, where 1 - tanh(z)**2 and the like lose their
    relative precision for tiny values. The message shows the worst point.
    """
    actual = expect_array(actual, what, shape=np.shape(expected))
    expect_finite(actual, what)
    err = np.where(np.abs(np.asarray(actual, dtype=np.float64) - expected) <= atol, 0.0, rel_error(actual, expected))
    if err.size and (worst := float(err.max())) > tol:
        index = np.unravel_index(int(err.argmax()), err.shape)
        at = f" at {input_name} = {_fmt(np.asarray(inputs)[index])}" if inputs is not None else ""
        raise AssertionError(f"{what} is wrong{at}: expected {_fmt(np.asarray(expected)[index])}, "
                             f"got {_fmt(actual[index])} (relative error {worst:.1e}, allowed {tol:.0e})")


def expect_raises(exception_name, call, what):
    """``call()`` must raise ``exception_name`` (a subclass counts) in the student's code."""
    try:
        call()
    except StudentError as err:
        if not err.is_a(exception_name):
            raise AssertionError(f"{what} must raise {exception_name}; it raised {err.type_name}") from None
        return err
    raise AssertionError(f"{what} must raise {exception_name}; it returned normally")


def numerical_derivative(f_map, z, h=1e-5):
    """Centred difference of an elementwise function, from one batch ``f_map([z + h, z - h])``."""
    plus, minus = (np.asarray(v, dtype=np.float64) for v in f_map([z + h, z - h]))
    return (plus - minus) / (2 * h)


def numerical_gradient(f_map, x, dout, h=1e-5):
    """Centred-difference gradient of ``sum(f(x) * dout)`` with respect to ``x`` (CS231n's check).

    ``f_map`` evaluates ``f`` on a list of inputs at once, so every perturbation
    of ``x`` travels to the student's kernel in a single round trip.
    """
    x = np.asarray(x, dtype=np.float64)
    shifted = []
    for index in np.ndindex(*x.shape):
        for sign in (1, -1):
            moved = x.copy()
            moved[index] += sign * h
            shifted.append(moved)
    values = [np.asarray(v, dtype=np.float64) for v in f_map(shifted)]
    diffs = [np.sum((values[2 * i] - values[2 * i + 1]) * dout) / (2 * h) for i in range(x.size)]
    return np.array(diffs).reshape(x.shape)


# ---- Keras models built and trained in the student's kernel (the CNN, the TensorFlow assignment) ----

def keras_seeded(seed) -> list:
    """Chain steps that make Keras's initial weights and TensorFlow's ops reproducible in the kernel."""
    return [(Library("keras.utils", "set_random_seed"), (int(seed),)),
            (Library("tensorflow.config.experimental", "enable_op_determinism"), ())]


def model_problem(err: StudentError, build: str, train: str) -> Exception:
    """``err`` as the student should read it: a failure in a method the grader called on what ``build`` returned
    means ``build`` returned no Keras model."""
    if err.name in (build, train):
        return err
    return AssertionError(f"{build} must return a Keras model (model.{err.name}() failed: {err.message[:200]})")


def expect_training_history(history, train: str, what: str = "each epoch's loss"):
    """``history`` (the ``History`` that ``train`` returned, as its dict) records finite losses going down."""
    assert isinstance(history, dict) and history.get("loss"), \
        f"{train} must return what model.fit(...) returns (a History with {what})"
    losses = history["loss"]
    assert all(isinstance(v, (int, float, np.number)) and np.isfinite(float(v)) for v in losses), \
        "the training loss must be finite numbers"
    assert len(losses) == 1 or losses[-1] < losses[0], \
        f"the training loss did not go down ({losses[0]:.3f} after the first epoch, {losses[-1]:.3f} after the last)"


def moving_every_class(rng: np.random.Generator, num_classes: int) -> np.ndarray:
    """A permutation of the classes that moves every class: only a network that learns the labels it is given
    scores, not one that brings its own."""
    while True:
        perm = rng.permutation(num_classes)
        if np.all(perm != np.arange(num_classes)):
            return perm
