"""Public checks for the activations assignment: run them before you submit.

They catch common slips quickly. Passing them does not guarantee full marks:
the grader runs stricter hidden checks on random inputs.
"""

import warnings

import numpy as np
from notebook_tools import public_check


def _check(name, f, known, *, slope_of=None):
    # known values
    for z, expected in known:
        got = f(np.array(z))
        if np.shape(got) != np.shape(z):
            raise AssertionError(f"{name} should keep the shape {np.shape(z)}, got {np.shape(got)}")
        if not np.allclose(got, expected, atol=1e-7):
            raise AssertionError(f"{name}({z}) should be {expected}, got {got}")
    # no warnings, NaN or inf for large inputs
    big = np.array([-1000.0, -20.0, 20.0, 1000.0])
    with np.errstate(over="raise", divide="raise", invalid="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            out = f(big)
        except (FloatingPointError, RuntimeWarning) as exc:
            raise AssertionError(f"{name} is not stable for large |z|: {exc}") from None
    if not np.all(np.isfinite(out)):
        raise AssertionError(f"{name} returned NaN or inf for large |z|: {out}")
    # dtypes
    if f(np.ones(2, dtype=np.float32)).dtype != np.float32:
        raise AssertionError(f"{name} should keep float32 input as float32")
    # derivative against a numerical slope
    if slope_of is not None:
        z = np.array([-2.0, -0.5, 0.3, 1.7])
        h = 1e-5
        numeric = (slope_of(z + h) - slope_of(z - h)) / (2 * h)
        if not np.allclose(f(z), numeric, rtol=1e-5, atol=1e-8):
            raise AssertionError(f"{name} does not match the numerical slope: {f(z)} vs {numeric}")
    print(f"{name}: public checks passed")


@public_check
def check_sigmoid(sigmoid, sigmoid_grad):
    _check("sigmoid", sigmoid, [(0.0, 0.5), ([-1.0, 1.0], [0.26894142, 0.73105858])])
    _check("sigmoid_grad", sigmoid_grad, [(0.0, 0.25)], slope_of=sigmoid)


@public_check
def check_tanh(tanh, tanh_grad):
    _check("tanh", tanh, [(0.0, 0.0), ([-1.0, 1.0], [-0.76159416, 0.76159416])])
    _check("tanh_grad", tanh_grad, [(0.0, 1.0)], slope_of=tanh)


@public_check
def check_relu(relu, relu_grad):
    _check("relu", relu, [([-2.0, 0.0, 3.0], [0.0, 0.0, 3.0])])
    _check("relu_grad", relu_grad, [([-2.0, 0.0, 3.0], [0.0, 0.0, 1.0])], slope_of=relu)


@public_check
def check_leaky_relu(leaky_relu, leaky_relu_grad):
    _check("leaky_relu", leaky_relu, [([-2.0, 0.0, 3.0], [-0.02, 0.0, 3.0])])
    _check("leaky_relu_grad", leaky_relu_grad, [([-2.0, 3.0], [0.01, 1.0])], slope_of=leaky_relu)
