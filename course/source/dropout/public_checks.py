"""Public checks for the dropout assignment: run them before you submit.

They catch common slips quickly. Passing them does not guarantee full marks:
the grader runs stricter hidden checks (more rates, more shapes, statistics on
many units, several forward passes before a backward pass).
"""

import warnings

import numpy as np
from notebook_tools import eval_numerical_gradient_array, public_check


def _strict(f, *args):
    with np.errstate(over="raise", divide="raise", invalid="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return f(*args)
        except (FloatingPointError, RuntimeWarning, ZeroDivisionError) as exc:
            raise AssertionError(f"a warning or division by zero: {exc!r}") from None


@public_check
def check_dropout_forward(dropout_forward):
    x = np.arange(1.0, 21.0).reshape(4, 5)
    out, _ = dropout_forward(x, 0.5, "test", np.random.default_rng(0))
    if not np.array_equal(out, x):
        raise AssertionError(f"in test mode dropout_forward should return x unchanged, got\n{out}")

    ones = np.ones((100, 100))
    out, _ = dropout_forward(ones, 0.5, "train", np.random.default_rng(0))
    if np.shape(out) != ones.shape:
        raise AssertionError(f"dropout_forward should keep the shape {ones.shape}, got {np.shape(out)}")
    values = set(np.unique(out).tolist())
    if not values <= {0.0, 2.0}:
        raise AssertionError(f"with p = 0.5, dropout_forward(ones) should give only 0 (dropped) and 2 (kept, "
                             f"scaled by 1 / (1 - p)); got the values {sorted(values)[:5]}")
    dropped = float(np.mean(out == 0))
    if not 0.45 <= dropped <= 0.55:
        raise AssertionError(f"with p = 0.5 about half the units should be dropped; {dropped:.0%} were")
    out_p = dropout_forward(ones, 0.2, "train", np.random.default_rng(0))[0]
    if not 0.17 <= np.mean(out_p == 0) <= 0.23:
        raise AssertionError(f"with p = 0.2 about 20% of the units should be dropped (p is the probability of "
                             f"DROPPING); {np.mean(out_p == 0):.0%} were")
    again, _ = dropout_forward(ones, 0.5, "train", np.random.default_rng(0))
    if not np.array_equal(out, again):
        raise AssertionError("two calls with np.random.default_rng(0) gave different masks: draw the mask from rng")

    x32 = np.ones((3, 4), dtype=np.float32)
    for mode in ("train", "test"):
        dtype = np.asarray(dropout_forward(x32, 0.5, mode, np.random.default_rng(0))[0]).dtype
        if dtype != np.float32:
            raise AssertionError(f"float32 input should give float32 output in {mode} mode, got {dtype}")
    print("dropout_forward: public checks passed")


@public_check
def check_dropout_edge_cases(dropout_forward):
    x = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]])
    out, _ = dropout_forward(x, 0.0, "train", np.random.default_rng(0))
    if not np.allclose(out, x):
        raise AssertionError(f"p = 0 should drop nothing and scale nothing, got\n{out}")
    out, _ = _strict(dropout_forward, x, 1.0, "train", np.random.default_rng(0))
    if not (np.all(np.isfinite(out)) and not np.any(out)):
        raise AssertionError(f"p = 1 should drop everything (all zeros, no NaN), got\n{out}")
    for p, mode in ((1.5, "train"), (0.5, "eval")):
        try:
            dropout_forward(x, p, mode, np.random.default_rng(0))
        except ValueError:
            continue
        raise AssertionError(f"dropout_forward(x, {p}, {mode!r}) should raise ValueError")
    print("dropout edge cases: public checks passed")


@public_check
def check_dropout_backward(dropout_forward, dropout_backward):
    rng = np.random.default_rng(1)
    x = rng.uniform(0.5, 2.0, size=(3, 4))
    dout = rng.normal(size=(3, 4))
    out, cache = dropout_forward(x, 0.25, "train", np.random.default_rng(7))
    dx = dropout_backward(dout, cache)
    expected = dout * out / x
    if np.shape(dx) != x.shape or not np.allclose(dx, expected):
        raise AssertionError(f"dropout_backward should be dout times the mask and scale of the forward pass:\n"
                             f"expected\n{expected}\ngot\n{dx}")
    # numerical gradient with the mask held fixed: the same seed for every call
    numeric = eval_numerical_gradient_array(lambda v: dropout_forward(v, 0.25, "train", np.random.default_rng(7))[0],
                                            x, dout)
    if not np.allclose(dx, numeric, rtol=1e-5, atol=1e-8):
        raise AssertionError(f"dropout_backward does not match the numerical gradient:\n{dx}\nvs\n{numeric}")
    _, cache = dropout_forward(x, 0.25, "test")
    if not np.allclose(dropout_backward(dout, cache), dout):
        raise AssertionError("after a test-mode forward pass, dropout_backward should return dout unchanged")
    print("dropout_backward: public checks passed")
