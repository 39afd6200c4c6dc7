"""Hidden checks for the gradient_descent assignment (linear regression trained by gradient descent).

Generic helpers written for this file (not in checklib): ``float_scalar`` (a result that must be
one float), ``as_history`` / ``expect_history`` (a list of losses compared entry by entry, naming the
first wrong one), ``ratio_hint`` (names the usual slip when a result is off by a constant factor) and
``lstsq_loss``.
"""

import numpy as np
import pytest

from autograders.assignments.gradient_descent import reference
from autograders.checklib import expect_array, expect_close, grades, numerical_gradient, unpack

LOSS, GRADS, GD, SGD = "test_predict_loss", "test_mse_gradients", "test_gradient_descent", "test_minibatch_sgd"
# (n, d): a single row, a single feature, and ordinary shapes
SHAPES = [(1, 1), (1, 4), (9, 1), (20, 3), (50, 8)]


# ---- helpers ---------------------------------------------------------------------------------

def data(rng, n, d, noise=0.5):
    """A regression problem and a random point (w, b) to evaluate at."""
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) + rng.normal() + noise * rng.normal(size=n)
    return X, y, rng.normal(size=d), float(rng.normal())


def shape_of(X):
    return f"X of shape {tuple(np.shape(X))}"


def float_scalar(value, what):
    """``value`` must be one float (a Python float or a numpy float scalar), not an array."""
    if isinstance(value, np.ndarray) or not isinstance(value, (float, np.floating)):
        kind = f"an array of shape {value.shape}" if isinstance(value, np.ndarray) else type(value).__name__
        raise AssertionError(f"{what} must return a single float; it returned {kind} "
                             "(np.mean(...) or float(...) gives a float)")
    return float(value)


def ratio_hint(actual, expected, hints):
    """The hint whose factor equals actual / expected everywhere, else ''."""
    actual, expected = (np.asarray(v, dtype=np.float64).ravel() for v in (actual, expected))
    if actual.shape != expected.shape or not np.all(np.isfinite(actual)):
        return ""
    big = np.abs(expected) > 1e-6 * max(np.abs(expected).max(initial=0.0), 1e-300)
    if not big.any():
        return ""
    ratios = actual[big] / expected[big]
    for factor, hint in hints:
        if np.allclose(ratios, factor, rtol=1e-6):
            return " " + hint
    return ""


def close_with_hint(actual, expected, what, hints=(), **kw):
    try:
        expect_close(actual, expected, what, **kw)
    except AssertionError as err:
        raise AssertionError(str(err) + ratio_hint(actual, expected, hints)) from None


def gradient_hints(n):
    return [(0.5, "(It is half the right value: the derivative of err**2 is 2 * err.)"),
            (float(n), "(It is n times the right value: average over the n samples, do not sum.)"),
            (n / 2, "(It is n/2 times the right value: average over the n samples and keep the factor 2.)"),
            (-1.0, "(It has the wrong sign: err = predict(X, w, b) - y.)")]


def as_history(history, what):
    try:
        arr = np.asarray(history, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim != 1:
        raise AssertionError(f"{what}: history must be a list (or 1-D array) of float losses")
    return arr


def expect_history(history, expected, what, unit="step", hint="", length_hint=""):
    """Same length, then every entry within 1e-7 of the reference; names the first wrong entry."""
    arr = as_history(history, what)
    expected = np.asarray(expected, dtype=np.float64)
    if arr.shape != expected.shape:
        extra = ""
        if arr.size == expected.size - 1:
            err = lambda a, b: float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)), initial=0))
            if err(arr, expected[1:]) < 1e-7:
                extra = " You left out history[0], the loss at the start, before any update."
            elif err(arr, expected[:-1]) < 1e-7:
                extra = f" You left out the loss after the last {unit}: record the loss after each update."
        raise AssertionError(f"{what}: history must have {expected.size} entries (the loss at the start, then "
                             f"one after each {unit}); it has {arr.size}.{extra or length_hint}")
    for k, (got, exp) in enumerate(zip(arr, expected)):
        if not abs(got - exp) <= 1e-7 * max(1e-8, abs(got) + abs(exp)):  # not: NaN fails too
            after = "before any update" if k == 0 else f"after {k} {unit}{'s' if k > 1 else ''}"
            first = "" if k == 0 else " (history[0] was right)" if k == 1 else f" (history[0..{k - 1}] were right)"
            if k == 0:
                hint = " history[0] is mse_loss(X, y, w, b) at the starting point: check mse_loss and the start."
            raise AssertionError(f"{what}: history[{k}], the loss {after}, is wrong: expected {exp:.8g}, "
                                 f"got {got:.8g}{first}.{hint}")
    return arr


def lstsq_loss(X, y):
    A = np.c_[X, np.ones(len(X))]
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    return float(np.mean((A @ coef - y) ** 2))


def largest_curvature(X):
    """The largest eigenvalue of the MSE's Hessian in (w, b): steps above 2 / this diverge."""
    A = np.c_[X, np.ones(len(X))]
    return float(np.linalg.eigvalsh(2 * A.T @ A / len(X))[-1])


def expect_unchanged(before, after, names, what):
    for name, b, a in zip(names, before, after):
        if b is None:
            continue
        if not (np.shape(a) == np.shape(b) and np.array_equal(a, b)):
            raise AssertionError(f"{what} changed its argument {name} in place (e.g. with -=, shuffle or an "
                                 "assignment into it); work on a copy")


# ---- predict and mse_loss --------------------------------------------------------------------

@grades(LOSS, values_of="predict")
def test_predict_matches_the_reference_on_random_inputs(student, rng):
    """predict gives X @ w + b, shape (n,), for random inputs of several shapes (single row and d = 1 included)"""
    cases = [(X, w, b) for X, _, w, b in (data(rng, n, d) for n, d in SHAPES for _ in range(2))]
    for (X, w, b), out in zip(cases, student.starmap("predict", cases)):
        expect_close(out, reference.predict(X, w, b), f"predict(X, w, b) for {shape_of(X)}")


@grades(LOSS, values_of="mse_loss")
def test_mse_loss_matches_the_reference_on_random_inputs(student, rng):
    """mse_loss is the mean squared error, for random inputs of several shapes (single row and d = 1 included)"""
    cases = [data(rng, n, d) for n, d in SHAPES for _ in range(2)]
    for (X, y, w, b), out in zip(cases, student.starmap("mse_loss", cases)):
        what = f"mse_loss(X, y, w, b) for {shape_of(X)}"
        out = float_scalar(out, what)
        hints = [(0.5, "(It is half the right value: the loss is mean(err ** 2), not divided by 2n.)")]
        if len(y) > 1:
            hints.append((float(len(y)), "(It is n times the right value: the loss is the mean of the squared "
                                         "errors, not their sum.)"))
        close_with_hint(out, reference.mse_loss(X, y, w, b), what, hints)


@grades(LOSS, property_of="mse_loss")
def test_mse_loss_returns_a_float(student, rng):
    """mse_loss returns one float (not an array), also for a single row"""
    cases = [data(rng, 1, 1), data(rng, 6, 2)]
    for (X, y, w, b), out in zip(cases, student.starmap("mse_loss", cases)):
        float_scalar(out, f"mse_loss(X, y, w, b) for {shape_of(X)}")


@grades(LOSS, property_of=("predict", "mse_loss"))
def test_predict_and_loss_follow_the_dtype_rules(student, rng):
    """float32 input gives a float32 prediction; integer input gives float64"""
    X, y, w, b = data(rng, 8, 3)
    X32, w32 = X.astype(np.float32), w.astype(np.float32)
    out = expect_array(student.call("predict", X32, w32, b), "predict(float32 X, float32 w, b)",
                       shape=(8,), dtype=np.float32)
    expect_close(out, reference.predict(X32.astype(np.float64), w32.astype(np.float64), b),
                 "predict(float32 X, float32 w, b)", tol=1e-5, atol=1e-5)
    Xi, wi = rng.integers(-3, 4, size=(5, 2)), rng.integers(-3, 4, size=2)
    out = expect_array(student.call("predict", Xi, wi, 2), "predict(integer X, integer w, b=2)",
                       shape=(5,), dtype=np.float64)
    expect_close(out, reference.predict(Xi, wi, 2), "predict(integer X, integer w, b=2)")
    yi = rng.integers(-3, 4, size=5)
    loss = float_scalar(student.call("mse_loss", Xi, yi, wi, 2), "mse_loss(integer X, y, w, b)")
    expect_close(loss, reference.mse_loss(Xi, yi, wi, 2), "mse_loss(integer X, y, w, b)")


@grades(LOSS, property_of=("predict", "mse_loss"))
def test_predict_and_loss_do_not_modify_their_inputs(student, rng):
    """predict and mse_loss leave X, y and w unchanged"""
    X, y, w, b = data(rng, 7, 3)
    _, after = student.call_with_inputs("predict", X.copy(), w.copy(), b)
    expect_unchanged([X, w], after, ["X", "w"], "predict")
    _, after = student.call_with_inputs("mse_loss", X.copy(), y.copy(), w.copy(), b)
    expect_unchanged([X, y, w], after, ["X", "y", "w"], "mse_loss")


# ---- mse_gradients ---------------------------------------------------------------------------

def expect_gradients(result, X, y, w, b, what):
    dw, db = unpack(result, what, "dw, db")
    d = X.shape[1]
    dw = expect_array(dw, f"{what} dw", shape=(d,))
    db = float_scalar(db, f"{what} db")
    ref_dw, ref_db = reference.mse_gradients(X, y, w, b)
    close_with_hint(dw, ref_dw, f"{what} dw", gradient_hints(len(y)))
    close_with_hint(db, ref_db, f"{what} db", gradient_hints(len(y)))


@grades(GRADS, values_of="mse_gradients")
def test_mse_gradients_match_the_reference_on_random_inputs(student, rng):
    """dw and db are right for random inputs of several shapes (single row and d = 1 included)"""
    cases = [data(rng, n, d) for n, d in SHAPES for _ in range(2)]
    for (X, y, w, b), out in zip(cases, student.starmap("mse_gradients", cases)):
        expect_gradients(out, X, y, w, b, f"mse_gradients(X, y, w, b) for {shape_of(X)}")


@grades(GRADS, property_of="mse_gradients")
@pytest.mark.parametrize("n, d", [pytest.param(n, d, id=f"X of shape ({n}, {d})")
                                  for n, d in [(1, 1), (1, 4), (10, 1), (25, 5)]])
def test_mse_gradients_agree_with_the_numerical_gradient(student, rng, n, d):
    """dw and db agree with the centred numerical gradient of your mse_loss (relative error below 1e-6)"""
    X, y, w, b = data(rng, n, d)
    w = w + rng.choice([-2.0, 2.0], size=d)  # away from the minimum, so every partial derivative is sizeable
    theta = np.append(w, b)
    numeric = numerical_gradient(
        lambda thetas: student.starmap("mse_loss", [(X, y, t[:-1], float(t[-1])) for t in thetas]),
        theta, 1.0, h=1e-4)
    what = f"mse_gradients(X, y, w, b) for {shape_of(X)}"
    dw, db = unpack(student.call("mse_gradients", X, y, w, b), what, "dw, db")
    dw = expect_array(dw, f"{what} dw", shape=(d,))
    db = float_scalar(db, f"{what} db")
    hints = gradient_hints(n) + [(1 / n, "(It is 1/n times the slope of your mse_loss: is mse_loss a sum "
                                         "instead of a mean?)")]
    close_with_hint(dw, numeric[:-1], f"{what} dw, compared with the numerical gradient of your mse_loss,",
                    hints, tol=1e-6)
    close_with_hint(db, numeric[-1], f"{what} db, compared with the numerical gradient of your mse_loss,",
                    hints, tol=1e-6)


@grades(GRADS, property_of="mse_gradients")
def test_mse_gradients_return_the_right_shapes_and_dtypes(student, rng):
    """dw has shape (d,) and keeps float32 as float32; db is one float"""
    X, y, w, b = data(rng, 6, 3)
    args = (X.astype(np.float32), y.astype(np.float32), w.astype(np.float32), b)
    what = "mse_gradients(float32 X, y, w, b)"
    dw, db = unpack(student.call("mse_gradients", *args), what, "dw, db")
    expect_array(dw, f"{what} dw", shape=(3,), dtype=np.float32)
    float_scalar(db, f"{what} db")
    ref_dw, ref_db = reference.mse_gradients(*(np.asarray(a, dtype=np.float64) for a in args[:3]), b)
    close_with_hint(dw, ref_dw, f"{what} dw", gradient_hints(6), tol=1e-4, atol=1e-4)
    close_with_hint(float(db), ref_db, f"{what} db", gradient_hints(6), tol=1e-4, atol=1e-4)


@grades(GRADS, property_of="mse_gradients")
def test_mse_gradients_do_not_modify_their_inputs(student, rng):
    """mse_gradients leaves X, y and w unchanged"""
    X, y, w, b = data(rng, 7, 3)
    _, after = student.call_with_inputs("mse_gradients", X.copy(), y.copy(), w.copy(), b)
    expect_unchanged([X, y, w], after, ["X", "y", "w"], "mse_gradients")


# ---- gradient_descent ------------------------------------------------------------------------

GD_HINT = (" One step: dw, db = mse_gradients(X, y, w, b) at the current (w, b), then w - learning_rate * dw "
           "and b - learning_rate * db.")


def gd_what(X, lr, iters):
    return f"gradient_descent(lr={lr:.4g}, num_iters={iters}) on {shape_of(X)}"


def expect_gd_result(result, X, y, lr, iters, w0, b0, what=None):
    what = what or gd_what(X, lr, iters)
    w, b, history = unpack(result, what, "w, b, history")
    ref_w, ref_b, ref_history = reference.gradient_descent(X, y, lr, iters, w0, b0)
    expect_history(history, ref_history, what, "step", GD_HINT)
    expect_close(expect_array(w, f"{what} final w", shape=(X.shape[1],)), ref_w, f"{what} final w")
    expect_close(float_scalar(b, f"{what} final b"), ref_b, f"{what} final b")


@grades(GD, values_of="gradient_descent")
def test_gradient_descent_follows_the_reference_step_by_step(student, rng):
    """history (the loss after every step) and the final w, b equal the reference's, from zeros or a given w0, b0"""
    cases = []
    for (n, d), start in [((20, 3), False), ((1, 4), True), ((15, 1), True), ((40, 6), False)]:
        X, y, w0, b0 = data(rng, n, d)
        lr = float(rng.uniform(0.2, 0.9) / largest_curvature(X))
        cases.append((X, y, lr, int(rng.integers(10, 40)), w0 if start else None, b0 if start else 0.0))
    for case, out in zip(cases, student.starmap("gradient_descent", cases)):
        expect_gd_result(out, *case)


@grades(GD, property_of="gradient_descent")
def test_gradient_descent_starts_at_zeros_and_records_the_initial_loss(student, rng):
    """w0=None starts at w = 0, b = 0; num_iters=0 returns the start and a history of one loss"""
    X, y, w0, b0 = data(rng, 10, 2)
    lr = 0.5 / largest_curvature(X)
    cases = [(X, y, lr, 0), (X, y, lr, 0, w0, b0), (X, y, lr, 3)]
    whats = [f"gradient_descent(lr={lr:.4g}, num_iters=0) without w0",
             f"gradient_descent(lr={lr:.4g}, num_iters=0, w0=w0, b0={b0:.3g})",
             f"gradient_descent(lr={lr:.4g}, num_iters=3) without w0"]
    for case, what, out in zip(cases, whats, student.starmap("gradient_descent", cases)):
        full = case + (None, 0.0) if len(case) == 4 else case
        expect_gd_result(out, *full, what)


@grades(GD, property_of="gradient_descent")
def test_gradient_descent_reaches_the_least_squares_loss(student, rng):
    """with a good learning rate, the loss never goes up and reaches the least-squares minimum"""
    X, y, _, _ = data(rng, 60, 3)
    lr, iters = 1.0 / largest_curvature(X), 300
    what = gd_what(X, lr, iters)
    _, _, history = unpack(student.call("gradient_descent", X, y, lr, iters), what, "w, b, history")
    history = as_history(history, what)
    best = lstsq_loss(X, y)
    if history.size < 2 or not np.all(np.isfinite(history)):
        raise AssertionError(f"{what}: history must hold {iters + 1} finite losses")
    if np.any(np.diff(history) > 1e-9 * history[:-1]):
        k = int(np.argmax(np.diff(history) > 1e-9 * history[:-1])) + 1
        raise AssertionError(f"{what}: the loss went up at step {k} ({history[k - 1]:.6g} -> {history[k]:.6g}) "
                             "although the learning rate is small enough to go down every step")
    if not history[-1] <= best * (1 + 1e-6):
        raise AssertionError(f"{what}: the final loss {history[-1]:.8g} should reach the least-squares minimum "
                             f"{best:.8g}")


@grades(GD, property_of="gradient_descent")
def test_too_large_a_learning_rate_shows_as_growing_loss(student, rng):
    """too large a learning rate makes the loss grow step after step (inf/nan allowed): no exception, no clipping"""
    X, y, _, _ = data(rng, 20, 3)
    top = largest_curvature(X)
    moderate = float(1.5 * 2 / top)  # the loss grows about 4x per step: still finite after 25 steps
    huge = float(50 / top)           # overflows to inf, then nan
    out = student.call("gradient_descent", X, y, moderate, 25)  # strict=False: overflow warnings are allowed
    what = gd_what(X, moderate, 25) + " (too large a learning rate)"
    w, b, history = unpack(out, what, "w, b, history")
    no_clip = " Do not clip, rescale or stop early: every step is w - learning_rate * dw."
    history = expect_history(history, reference.gradient_descent(X, y, moderate, 25)[2], what, "step",
                             no_clip, no_clip)
    if not history[-1] > 1e6 * history[0]:
        raise AssertionError(f"{what}: the loss should grow to more than 1e6 times its start, it went from "
                             f"{history[0]:.4g} to {history[-1]:.4g}")
    iters = 400
    what = gd_what(X, huge, iters) + " (a far too large learning rate)"
    _, _, history = unpack(student.call("gradient_descent", X, y, huge, iters), what, "w, b, history")
    history = as_history(history, what)
    if history.size != iters + 1:
        raise AssertionError(f"{what}: history must have {iters + 1} entries even when the loss blows up "
                             f"(it has {history.size}); do not stop early")
    if not history[10] > 1e6 * history[0]:
        raise AssertionError(f"{what}: the loss should grow fast, it went from {history[0]:.4g} to "
                             f"{history[10]:.4g} in 10 steps; do not clip or rescale the step")
    if np.isfinite(history[-1]) and history[-1] < 1e100:
        raise AssertionError(f"{what}: after {iters} steps the loss should have blown up (inf or nan is fine); "
                             f"it is {history[-1]:.4g}. Do not clip or rescale the step")


@grades(GD, property_of="gradient_descent")
def test_gradient_descent_does_not_modify_its_inputs(student, rng):
    """gradient_descent leaves X, y and the starting point w0 unchanged"""
    X, y, w0, b0 = data(rng, 9, 3)
    lr = 0.5 / largest_curvature(X)
    _, after = student.call_with_inputs("gradient_descent", X.copy(), y.copy(), lr, 5, w0.copy(), b0)
    expect_unchanged([X, y, None, None, w0], after, ["X", "y", "", "", "w0"], "gradient_descent")


@grades(GD, property_of="gradient_descent")
def test_gradient_descent_accepts_integer_data(student, rng):
    """integer X and y work and give float64 weights"""
    X, y = rng.integers(-3, 4, size=(8, 2)), rng.integers(-5, 6, size=8)
    lr = 0.5 / largest_curvature(X)
    what = f"gradient_descent(integer X and y, lr={lr:.4g}, num_iters=5)"
    out = student.call("gradient_descent", X, y, lr, 5)
    expect_array(unpack(out, what, "w, b, history")[0], f"{what} final w", shape=(2,), dtype=np.float64)
    expect_gd_result(out, X, y, lr, 5, None, 0.0, what)


# ---- minibatch_sgd ---------------------------------------------------------------------------

SGD_HINT = (" Convention: rng = np.random.default_rng(seed) once; each epoch order = rng.permutation(n); "
            "batches order[i:i + batch_size] for i = 0, batch_size, ...; one step per batch.")


def sgd_what(X, lr, epochs, bs, seed):
    return f"minibatch_sgd(lr={lr:.4g}, num_epochs={epochs}, batch_size={bs}, seed={seed}) on {shape_of(X)}"


@grades(SGD, values_of="minibatch_sgd")
def test_minibatch_sgd_follows_the_reference_step_by_step(student, rng):
    """history (the full-data loss after every epoch) and the final w, b equal the reference's, batch order included"""
    cases = []
    # (n, d, batch_size, epochs): a smaller last batch, batch_size 1 with d = 1, one full batch, a single row,
    # a batch larger than the data
    for n, d, bs, epochs in [(12, 3, 5, 4), (30, 2, 7, 3), (8, 1, 1, 2), (10, 4, 10, 3), (1, 3, 1, 3), (6, 2, 16, 2)]:
        X, y, _, _ = data(rng, n, d)
        cases.append((X, y, 0.02, epochs, bs, int(rng.integers(0, 10_000))))
    for case, out in zip(cases, student.starmap("minibatch_sgd", cases)):
        X, y, lr, epochs, bs, seed = case
        what = sgd_what(X, lr, epochs, bs, seed)
        w, b, history = unpack(out, what, "w, b, history")
        ref_w, ref_b, ref_history = reference.minibatch_sgd(*case)
        expect_history(history, ref_history, what, "epoch", SGD_HINT)
        expect_close(expect_array(w, f"{what} final w", shape=(X.shape[1],)), ref_w, f"{what} final w")
        expect_close(float_scalar(b, f"{what} final b"), ref_b, f"{what} final b")


def visits(student, n, lr, epochs, bs, seed):
    """How much each sample moved w: X is the identity, so sample i is the only one that moves w[i].

    With a tiny learning rate each visit of sample i in a batch of size m adds about 2 * lr / m to w[i].
    """
    X, y = np.eye(n), np.ones(n)
    what = sgd_what(X, lr, epochs, bs, seed)
    w, _, _ = unpack(student.call("minibatch_sgd", X, y, lr, epochs, bs, seed), what, "w, b, history")
    w = expect_array(w, f"{what} final w", shape=(n,))
    if not np.all(np.isfinite(w)):
        raise AssertionError(f"{what}: w must be finite for a tiny learning rate")
    return w, what


@grades(SGD, property_of="minibatch_sgd")
def test_minibatch_sgd_uses_every_sample_once_per_epoch(student, rng):
    """every epoch uses each sample exactly once: none skipped, none twice (sampling without replacement)"""
    n, epochs, bs = 24, 3, 4
    w, what = visits(student, n, 1e-6, epochs, bs, int(rng.integers(0, 10_000)))
    scale = np.median(np.abs(w))
    if scale == 0:
        raise AssertionError(f"{what}: w did not move at all")
    counts = w / scale
    if not np.allclose(counts, 1.0, atol=0.01):
        never = int(np.sum(np.abs(counts) < 0.5))
        detail = f"{never} of the {n} samples were never used" if never else \
            "some samples were used more often than others"
        raise AssertionError(f"{what}: over {epochs} epochs every sample must be used exactly {epochs} times "
                             f"(once per epoch), but {detail}. Shuffle with a permutation, do not draw "
                             "indices with replacement.")


@grades(SGD, property_of="minibatch_sgd")
def test_minibatch_sgd_keeps_the_last_smaller_batch(student, rng):
    """when batch_size does not divide n, the last batch of the epoch is smaller and still used"""
    n, bs = 12, 5
    w, what = visits(student, n, 1e-6, 1, bs, int(rng.integers(0, 10_000)))
    scale = np.median(np.abs(w))
    if scale == 0:
        raise AssertionError(f"{what}: w did not move at all")
    never = int(np.sum(np.abs(w) < 0.5 * scale))
    if never:
        why = (f"Batches of {bs} leave {n % bs} samples over: they form the last, smaller batch, which must be "
               "used too" if never == n % bs else "Every sample must be used once per epoch")
        raise AssertionError(f"{what}: {never} of the {n} samples were never used in the epoch. {why}")


@grades(SGD, property_of="minibatch_sgd")
def test_minibatch_sgd_draws_its_order_from_the_seed(student, rng):
    """the same seed gives the same result twice; another seed gives another batch order"""
    X, y, _, _ = data(rng, 20, 2)
    seed = int(rng.integers(0, 10_000))
    cases = [(X, y, 0.05, 2, 3, seed), (X, y, 0.05, 2, 3, seed), (X, y, 0.05, 2, 3, seed + 1)]
    (w1, b1, _), (w2, b2, _), (w3, b3, _) = (unpack(out, sgd_what(X, 0.05, 2, 3, s), "w, b, history")
                                             for out, (*_, s) in zip(student.starmap("minibatch_sgd", cases), cases))
    same = lambda u, v: np.array_equal(np.asarray(u, dtype=np.float64), np.asarray(v, dtype=np.float64))
    if not (same(w1, w2) and same(b1, b2)):
        raise AssertionError(f"{sgd_what(X, 0.05, 2, 3, seed)} gave different results on two calls with the same "
                             "seed: make the generator with np.random.default_rng(seed), not without a seed or "
                             "with np.random.shuffle")
    if same(w1, w3) and same(b1, b3):
        raise AssertionError(f"minibatch_sgd gave the same result for seed={seed} and seed={seed + 1}: shuffle "
                             "each epoch, with the order drawn from np.random.default_rng(seed)")


@grades(SGD, property_of="minibatch_sgd")
def test_minibatch_sgd_reaches_the_least_squares_loss(student, rng):
    """on 200 noisy samples, 20 epochs of batches of 16 get within 1% of the least-squares loss"""
    X, y, _, _ = data(rng, 200, 5)
    seed = int(rng.integers(0, 10_000))
    what = sgd_what(X, 0.02, 20, 16, seed)
    _, _, history = unpack(student.call("minibatch_sgd", X, y, 0.02, 20, 16, seed), what, "w, b, history")
    history = as_history(history, what)
    best = lstsq_loss(X, y)
    if history.size == 0 or not history[-1] <= 1.01 * best:
        final = f"{history[-1]:.6g}" if history.size else "missing"
        raise AssertionError(f"{what}: the final loss ({final}) should be within 1% of the least-squares loss "
                             f"{best:.6g}")


@grades(SGD, property_of="minibatch_sgd")
def test_minibatch_sgd_does_not_modify_its_inputs(student, rng):
    """minibatch_sgd leaves X and y unchanged (shuffle indices, not the data)"""
    X, y, _, _ = data(rng, 10, 2)
    _, after = student.call_with_inputs("minibatch_sgd", X.copy(), y.copy(), 0.05, 2, 3, 0)
    expect_unchanged([X, y], after, ["X", "y"], "minibatch_sgd")


@grades(SGD, property_of="minibatch_sgd")
def test_minibatch_sgd_accepts_integer_data(student, rng):
    """integer X and y work and give float64 weights; num_epochs=0 returns zeros and the initial loss"""
    X, y = rng.integers(-3, 4, size=(9, 2)), rng.integers(-5, 6, size=9)
    seed = int(rng.integers(0, 10_000))
    cases = [(X, y, 0.02, 3, 4, seed), (X, y, 0.02, 0, 4, seed)]
    for case, out in zip(cases, student.starmap("minibatch_sgd", cases)):
        what = sgd_what(X, *case[2:]).replace(" on X", " on integer X")
        w, b, history = unpack(out, what, "w, b, history")
        ref_w, ref_b, ref_history = reference.minibatch_sgd(*case)
        expect_array(w, f"{what} final w", shape=(2,), dtype=np.float64)
        expect_history(history, ref_history, what, "epoch", SGD_HINT)
        expect_close(w, ref_w, f"{what} final w")
        expect_close(float_scalar(b, f"{what} final b"), ref_b, f"{what} final b")
