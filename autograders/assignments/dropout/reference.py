"""Reference inverted dropout. Hidden: never shipped to students.

``p`` is the probability of dropping a unit (Keras's ``rate``). The mask is drawn
from ``rng``; the checks never compare masks with this file (the contract does not
say how a mask is drawn), only values that follow from the rules.
"""

import numpy as np

MODES = ("train", "test")


def check_arguments(p, mode):
    if mode not in MODES:
        raise ValueError(f"mode must be 'train' or 'test', not {mode!r}")
    if not 0.0 <= p <= 1.0:  # False for nan too
        raise ValueError(f"p must be between 0 and 1, not {p!r}")


def _as_float(x):
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)


def dropout_forward(x, p, mode, rng=None):
    check_arguments(p, mode)
    x = _as_float(x)
    if mode == "test":
        return x.copy(), (mode, None, None)
    if p == 1.0:
        keep = np.zeros(x.shape, dtype=bool)
        scale = x.dtype.type(0)
    else:
        rng = np.random.default_rng() if rng is None else rng
        keep = rng.random(x.shape) >= p
        scale = x.dtype.type(1 / (1 - p))
    return np.where(keep, x * scale, x.dtype.type(0)), (mode, keep, scale)


def dropout_backward(dout, cache):
    mode, keep, scale = cache
    dout = _as_float(dout)
    if mode == "test":
        return dout.copy()
    return np.where(keep, dout * scale, dout.dtype.type(0))
