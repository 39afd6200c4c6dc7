"""Numerical gradients of the student's own functions, computed in the grader from their values.

A derivative the student wrote is checked against the slope of the function they wrote (CS231n's
gradient check), so a check never needs the reference for it. Every perturbed input goes to the
kernel in one round trip: a function ``f_map`` evaluates ``f`` on a list of inputs at once
(``student.map``, ``starmap`` or a ``chain``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

H = 1e-5  # the step of the centred differences


def away_from_kink(x, margin: float = 1e-2) -> np.ndarray:
    """``x`` with entries closer than ``margin`` to 0 moved to +-0.5 (their side kept): a centred difference across
    the kink of relu (or leaky relu) at 0 measures neither of its slopes."""
    return np.where(np.abs(x) < margin, np.copysign(0.5, x), x)


def numerical_derivative(f_map: Callable[[list], list], z, h: float = H) -> np.ndarray:
    """Centred difference of an elementwise function, from one batch ``f_map([z + h, z - h])``."""
    plus, minus = (np.asarray(v, dtype=np.float64) for v in f_map([z + h, z - h]))
    return (plus - minus) / (2 * h)


def perturbed(x, h: float = H) -> list[np.ndarray]:
    """``x + h`` then ``x - h`` at each index in turn (float64): the inputs ``centred_differences`` reads."""
    x = np.asarray(x, dtype=np.float64)
    shifted = []
    for index in np.ndindex(*x.shape):
        for sign in (1, -1):
            moved = x.copy()
            moved[index] += sign * h
            shifted.append(moved)
    return shifted


def centred_differences(values: list, shape: tuple, dout, h: float = H) -> np.ndarray:
    """The gradient of ``sum(f(x) * dout)`` with respect to an ``x`` of ``shape``, from ``f``'s values on
    ``perturbed(x, h)``, in that order."""
    values = [np.asarray(v, dtype=np.float64) for v in values]
    diffs = [np.sum((values[2 * i] - values[2 * i + 1]) * dout) / (2 * h) for i in range(len(values) // 2)]
    return np.array(diffs).reshape(shape)


def numerical_gradient(f_map: Callable[[list], list], x, dout, h: float = H) -> np.ndarray:
    """Centred-difference gradient of ``sum(f(x) * dout)`` with respect to ``x`` (CS231n's check), in one round trip."""
    return centred_differences(f_map(perturbed(x, h)), np.shape(x), dout, h)
