"""Reference inverted dropout. Hidden: never shipped to students.

``p`` is the probability of dropping a unit (Keras's ``rate``). The mask is drawn
from ``rng``; the checks never compare masks with this file (the contract does not
say how a mask is drawn), only values that follow from the rules.
"""

import numpy as np

MODES = ("train", "test")


def check_arguments(p, mode):
    """Raises ValueError, saying what was wrong, unless mode is "train" or "test" and 0 <= p <= 1 (nan is not)."""
    if mode not in MODES:
        raise ValueError(f"mode must be 'train' or 'test', not {mode!r}")
    if not 0.0 <= p <= 1.0:  # False for nan too
        raise ValueError(f"p must be between 0 and 1, not {p!r}")


def _as_float(x):
    """``x`` as a numpy array whose dtype is a float: a float dtype is kept, any other becomes float64."""
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)


def dropout_forward(x, p, mode, rng=None):
    """Computes the forward pass of inverted dropout.

    In "train" mode each unit is kept with probability 1 - p (the mask drawn from rng) and kept units are
    scaled by 1 / (1 - p), so that the expected output is x; p = 1 drops every unit (all zeros, no NaN, no
    warning). In "test" mode the layer is the identity and draws nothing.

    Inputs:
    - x: A numpy array of any shape, any real dtype (not modified)
    - p: The probability of dropping a unit, in [0, 1] (Keras's ``rate``)
    - mode: "train" or "test"
    - rng: The np.random.Generator to draw the mask from; None means np.random.default_rng()

    Returns a tuple of:
    - out: A numpy array of the shape of x; float x keeps its dtype, other x gives float64
    - cache: (mode, keep, scale) for dropout_backward: keep a boolean array of the shape of x and scale the
      factor of kept units (both None in test mode)

    Raises ValueError for p outside [0, 1] or another mode.
    """
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
    """Computes the backward pass of inverted dropout, with the forward pass's mask and scale.

    Inputs:
    - dout: Upstream derivative d loss / d out, of the shape of the forward pass's x
    - cache: (mode, keep, scale) from dropout_forward

    Returns:
    - dx: Gradient with respect to x, of the shape of dout: dout * scale where a unit was kept, else 0
      (dout itself in test mode)
    """
    mode, keep, scale = cache
    dout = _as_float(dout)
    if mode == "test":
        return dout.copy()
    return np.where(keep, dout * scale, dout.dtype.type(0))
