"""Assertions for hidden checks, with messages a student can act on.

Every helper here fails with a message that names what was wrong and, at most,
one input where it went wrong: never the reference values in bulk.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograders.engine.bridge import Plain, StudentError


def rel_error(actual, expected) -> np.ndarray:
    """Elementwise relative error as CS231n defines it."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    return np.abs(actual - expected) / np.maximum(1e-8, np.abs(actual) + np.abs(expected))


def fmt(x) -> str:
    """A few values of ``x`` for a message: six significant digits, long arrays cut to their ends."""
    return np.array2string(np.asarray(x), precision=6, threshold=6, edgeitems=2)


def expect_array(value: Plain, what: str, *, shape=None, dtype=None) -> np.ndarray:
    """``value`` must be a numpy array (or numpy scalar) of the given shape and dtype."""
    if not isinstance(value, (np.ndarray, np.generic, float, int)) or isinstance(value, bool):
        raise AssertionError(f"{what} must return a numpy array; it returned {type(value).__name__}")
    arr = np.asarray(value)
    if shape is not None and arr.shape != tuple(shape):
        raise AssertionError(f"{what} must return shape {tuple(shape)}; it returned shape {arr.shape}")
    if dtype is not None and arr.dtype != np.dtype(dtype):
        raise AssertionError(f"{what} must return dtype {np.dtype(dtype)}; it returned {arr.dtype}")
    return arr


def expect_finite(value, what: str) -> None:
    """No NaN or infinity in ``value``; the message shows the first bad entry and where it is."""
    arr = np.asarray(value)
    bad = ~np.isfinite(arr)
    if bad.any():
        where = np.argwhere(bad)[0] if arr.ndim else ()
        raise AssertionError(f"{what} must be finite; it has {int(bad.sum())} value(s) that are "
                             f"{fmt(arr[tuple(where)])} (first at index {tuple(int(i) for i in where)})")


def expect_close(actual: Plain, expected, what: str, *, inputs=None, input_name: str = "z", tol: float = 1e-7,
                 atol: float = 0.0) -> None:
    """Relative error (CS231n's) below ``tol``, or absolute error below ``atol``, everywhere.

    ``atol`` is for float32 results, where 1 - tanh(z)**2 and the like lose their
    relative precision for tiny values. The message shows the worst point, and the input
    there when ``inputs`` (called ``input_name``) is given.
    """
    actual = expect_array(actual, what, shape=np.shape(expected))
    expect_finite(actual, what)
    err = np.where(np.abs(np.asarray(actual, dtype=np.float64) - expected) <= atol, 0.0, rel_error(actual, expected))
    if err.size and (worst := float(err.max())) > tol:
        index = np.unravel_index(int(err.argmax()), err.shape)
        at = f" at {input_name} = {fmt(np.asarray(inputs)[index])}" if inputs is not None else ""
        raise AssertionError(f"{what} is wrong{at}: expected {fmt(np.asarray(expected)[index])}, "
                             f"got {fmt(actual[index])} (relative error {worst:.1e}, allowed {tol:.0e})")


def unpack(value: Plain, what: str, names: str) -> tuple | list:
    """``value`` must hold exactly the items ``names`` lists (e.g. "loss, grads"), as ``return loss, grads`` gives."""
    count = len(names.split(","))
    if not isinstance(value, (tuple, list)) or len(value) != count:
        got = f"a {type(value).__name__} of length {len(value)}" if isinstance(value, (tuple, list)) \
            else f"a {type(value).__name__}"
        raise AssertionError(f"{what} must return a tuple of {count} items (`return {names}`); it returned {got}")
    return value


def expect_raises(exception_name: str, call: Callable[[], object], what: str) -> StudentError:
    """``call()`` must raise ``exception_name`` (a subclass counts) in the student's code."""
    try:
        call()
    except StudentError as err:
        if not err.is_a(exception_name):
            raise AssertionError(f"{what} must raise {exception_name}; it raised {err.type_name}") from None
        return err
    raise AssertionError(f"{what} must raise {exception_name}; it returned normally")
