"""Hidden checks for the softmax assignment: softmax, softmax_cross_entropy, the softmax classifier.

Three test cells: ``test_softmax``, ``test_softmax_cross_entropy``, ``test_classifier``.
Every check compares with ``reference.py`` or with the student's own function (numerical
gradients); nothing else from the kernel is trusted. The blobs that the classifier is
trained and tested on are drawn here, in the grader: the held-out labels never reach the kernel.
"""

import numpy as np
import pytest

from autograders.assignments.softmax import reference
from autograders.checklib import (StudentError, expect_array, expect_close, expect_finite, fmt, grades,
                                  numerical_gradient, unpack)

SOFTMAX, CE = "test_softmax", "test_softmax_cross_entropy"
CLASSIFIER = "test_classifier"
SHAPES = [(1, 3), (4, 5), (16, 10), (7, 2), (3, 3)]
CE_SHAPES = [(1, 3), (5, 4), (20, 10), (8, 2)]
# the classifier runs in the grader: small data, few iterations (a few milliseconds in numpy)
ACCURACY_RUN = dict(learning_rate=0.5, num_iters=200, reg=0.01)
MIN_ACCURACY = 0.9  # the reference gets ~0.99 on these blobs, never below 0.97 in 1000 draws
# float32 results of large logits against float64 reference values: float32's spacing at 1e4 (1e-3)
# bounds how exactly z - logsumexp(z) can be known, so a right answer is within 2e-3, not exactly equal
LARGE_LOGITS_TOLERANCE = {"float64": {}, "float32": dict(tol=2e-3, atol=1e-6)}
STATIONARY_RUN = dict(learning_rate=1.0, num_iters=300, reg=0.1)
MAX_GRADIENT = 1e-3  # the reference gets below 3e-6 here (1000 blob draws, starting weights of scale 0 to 1)


# -- helpers -----------------------------------------------------------------

def labels(rng, n, c):
    return rng.integers(0, c, size=n)


def blobs(rng, per_class, centres, std=1.0):
    y = np.repeat(np.arange(len(centres)), per_class)
    return centres[y] + std * rng.standard_normal((len(y), centres.shape[1])), y


def blob_centres(rng, num_classes=3, radius=3.0):
    """Centres evenly spread on a circle of the given radius, at a random angle and offset."""
    angles = rng.uniform(0, 2 * np.pi) + 2 * np.pi * np.arange(num_classes) / num_classes
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1) + rng.uniform(-1, 1, size=2)


def stable_call(student, name, *args, hint, **kwargs):
    """``student.call(..., strict=True)`` with a hint when numpy overflowed or divided by zero."""
    try:
        return student.call(name, *args, strict=True, **kwargs)
    except StudentError as err:
        if err.is_a("FloatingPointError") or err.is_a("RuntimeWarning"):
            raise AssertionError(f"{err} ({hint})") from None
        raise


def ce_loss_and_grad(student, logits, y, what, **kwargs):
    loss, dlogits = unpack(student.call("softmax_cross_entropy", logits, y, **kwargs), what, "loss, dlogits")
    return loss, dlogits


def train(student, X, y, num_classes, **run):
    W, b = unpack(student.call("train_softmax_classifier", X, y, num_classes, **run), "train_softmax_classifier",
                  "W, b")
    W = expect_array(W, "train_softmax_classifier's W", shape=(X.shape[1], num_classes))
    b = expect_array(b, "train_softmax_classifier's b", shape=(num_classes,))
    expect_finite(W, f"W trained with {describe_run(run)}")
    expect_finite(b, f"b trained with {describe_run(run)}")
    return W, b


def describe_run(run):
    return ", ".join(f"{k}={v}" for k, v in run.items())


# -- softmax -----------------------------------------------------------------

@grades(SOFTMAX, values_of="softmax")
def test_softmax_matches_the_reference_on_random_logits(student, rng):
    """gives the right probabilities for random float64 logits of several shapes and scales"""
    inputs = [rng.normal(scale=scale, size=shape) for scale in (1.0, 5.0, 30.0) for shape in SHAPES]
    for z, out in zip(inputs, student.map("softmax", inputs)):
        expect_close(out, reference.softmax(z), f"softmax(logits) for logits of shape {z.shape}",
                     inputs=z, input_name="logits")


@grades(SOFTMAX, property_of="softmax")
def test_softmax_of_a_vector_is_a_vector(student, rng):
    """a 1-D input of shape (C,) gives a 1-D output of shape (C,)"""
    inputs = [rng.normal(scale=3.0, size=c) for c in (6, 2)]
    for z, out in zip(inputs, student.map("softmax", inputs)):
        out = expect_array(out, f"softmax of a vector of shape {z.shape}", shape=z.shape)
        expect_close(out, reference.softmax(z), f"softmax of a vector of shape {z.shape}", inputs=z,
                     input_name="logits")


@grades(SOFTMAX, property_of="softmax")
def test_softmax_keeps_a_single_row_batch_as_one_row(student, rng):
    """a single-row batch of shape (1, C) gives shape (1, C)"""
    z = rng.normal(scale=3.0, size=(1, 7))
    out = expect_array(student.call("softmax", z), "softmax of a batch of shape (1, 7)", shape=(1, 7))
    expect_close(out, reference.softmax(z), "softmax of a batch of shape (1, 7)", inputs=z, input_name="logits")


@grades(SOFTMAX, property_of="softmax")
def test_softmax_rows_sum_to_one(student, rng):
    """every row holds probabilities in [0, 1] that sum to 1"""
    inputs = [rng.normal(scale=4.0, size=(6, 5)), rng.normal(scale=4.0, size=(5, 6)),
              rng.normal(scale=50.0, size=(4, 4)), rng.normal(size=(1, 3))]
    for z, out in zip(inputs, student.map("softmax", inputs)):
        out = expect_array(out, f"softmax(logits) for logits of shape {z.shape}", shape=z.shape)
        expect_finite(out, f"softmax(logits) for logits of shape {z.shape}")
        sums = out.sum(axis=1)
        worst = int(np.argmax(np.abs(sums - 1)))
        assert abs(sums[worst] - 1) < 1e-10, (
            f"the rows of softmax(logits) must sum to 1: for logits of shape {z.shape}, row {worst} sums to "
            f"{sums[worst]:.6g} (normalise each row: sum over axis=1 with keepdims=True)")
        assert out.min() >= 0 and out.max() <= 1, (
            f"softmax(logits) must give probabilities in [0, 1]; it gave values from {out.min():.6g} to {out.max():.6g}")


@grades(SOFTMAX, property_of="softmax")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_softmax_is_stable_for_large_logits(student, dtype):
    """no overflow, NaN or warning for logits up to abs 1e4, in a batch and in a vector, in this dtype"""
    batch = np.array([[1e4, 0.0, -1e4], [1e3, 1e3 + 1, 1e3 - 1], [-1e4, 1e4, 5e3], [710.0, 700.0, -5.0],
                      [-5.0, 0.0, 5.0]], dtype=dtype)
    vector = np.array([1e4, 1e4 - 2.0, -1e4], dtype=dtype)
    # logits that float64's exp takes without a shift, float32's not (it overflows from exp(89) and
    # underflows to 0 below exp(-103)): a shift kept for float64's limits only fails here
    moderate = np.array([[100.0, 95.0, 90.0], [-120.0, -110.0, -100.0]], dtype=dtype)
    hint = ("np.exp of a big logit overflows, and a row whose exps all underflow to 0 gives 0 / 0: "
            "subtract each row's own max before np.exp, whatever the dtype")
    for z in (batch, vector, moderate):
        out = stable_call(student, "softmax", z, hint=hint)
        expect_close(out, reference.softmax(z.astype(np.float64)), f"softmax({dtype} logits) for logits up to abs 1e4",
                     inputs=z, input_name="logits", **LARGE_LOGITS_TOLERANCE[dtype])


@grades(SOFTMAX, property_of="softmax")
def test_softmax_shifts_each_row_by_its_own_max(student):
    """rows whose logits are all far below (or above) the other rows' still get the right probabilities"""
    z = np.array([[1e4, 1e4 - 1, 1e4 - 2], [-1e4, -1e4 + 1, -1e4 + 2], [0.0, 1.0, 2.0], [-2e3, -2e3, -2e3 - 3]])
    out = expect_array(student.call("softmax", z), "softmax(logits)", shape=z.shape)
    expected = reference.softmax(z)
    for row in range(len(z)):
        ok = np.all(np.isfinite(out[row])) and np.allclose(out[row], expected[row], rtol=1e-7, atol=0)
        assert ok, (
            f"softmax of the row {fmt(z[row])} in a batch whose largest logit is 1e4 should be "
            f"{fmt(expected[row])}, got {fmt(out[row])}: subtract each row's own max "
            "(max over axis=1 with keepdims=True), not one max for the whole batch, or its exps all underflow to 0")


@grades(SOFTMAX, property_of="softmax")
def test_softmax_keeps_float32_as_float32(student, rng):
    """float32 logits give float32 probabilities"""
    z = rng.normal(scale=3.0, size=(4, 5)).astype(np.float32)
    out = expect_array(student.call("softmax", z), "softmax(float32 logits)", shape=z.shape, dtype=np.float32)
    expect_close(out, reference.softmax(z.astype(np.float64)), "softmax(float32 logits)", inputs=z,
                 input_name="logits", tol=1e-5, atol=1e-6)


@grades(SOFTMAX, property_of="softmax")
def test_softmax_turns_integer_logits_into_float64(student):
    """integer logits give float64 probabilities"""
    z = np.array([[1, 2, 3], [-4, 0, 4]])
    out = expect_array(student.call("softmax", z), "softmax(integer logits)", shape=z.shape, dtype=np.float64)
    expect_close(out, reference.softmax(z), "softmax(integer logits)", inputs=z, input_name="logits")


@grades(SOFTMAX, property_of="softmax")
def test_softmax_does_not_modify_its_input(student, rng):
    """leaves the logits it is given unchanged"""
    z = rng.normal(scale=3.0, size=(5, 4))
    _, (after,) = student.call_with_inputs("softmax", z.copy())
    assert np.array_equal(after, z), (
        "softmax changed the logits it was given (an in-place operation such as logits -= ...); "
        "compute a new array instead, e.g. shifted = logits - ...")


# -- softmax_cross_entropy ---------------------------------------------------

def _ce_inputs(rng):
    return [(rng.normal(scale=scale, size=(n, c)), labels(rng, n, c)) for scale in (1.0, 6.0) for n, c in CE_SHAPES]


def expect_cross_entropy_part(student, rng, part):
    """``part`` ("loss" or "dlogits") of softmax_cross_entropy is right for random logits and labels."""
    inputs = _ce_inputs(rng)
    for (z, y), result in zip(inputs, student.starmap("softmax_cross_entropy", inputs)):
        got = dict(zip(("loss", "dlogits"), unpack(result, "softmax_cross_entropy", "loss, dlogits")))[part]
        expected = dict(zip(("loss", "dlogits"), reference.softmax_cross_entropy(z, y)))[part]
        where = dict(inputs=z, input_name="logits") if part == "dlogits" else {}
        expect_close(got, expected, f"{'the loss' if part == 'loss' else part} of softmax_cross_entropy(logits, y) "
                     f"for logits of shape {z.shape}", **where)


@grades(CE, values_of="softmax_cross_entropy")
def test_cross_entropy_loss_matches_the_reference(student, rng):
    """the loss is right for random logits and labels, batches of one row included"""
    expect_cross_entropy_part(student, rng, "loss")


@grades(CE, values_of="softmax_cross_entropy")
def test_cross_entropy_dlogits_match_the_reference(student, rng):
    """dlogits is right for random logits and labels, batches of one row included"""
    expect_cross_entropy_part(student, rng, "dlogits")


@grades(CE, property_of="softmax_cross_entropy")
def test_cross_entropy_dlogits_agree_with_the_numerical_gradient(student, rng):
    """dlogits agrees with the centred numerical gradient of your loss (relative error below 1e-6)"""
    for n, c in [(3, 4), (1, 5), (6, 2)]:
        z, y = rng.normal(size=(n, c)), labels(rng, n, c)

        def losses(zs, y=y):
            return [unpack(r, "softmax_cross_entropy", "loss, dlogits")[0]
                    for r in student.starmap("softmax_cross_entropy", [(zz, y) for zz in zs])]

        numeric = numerical_gradient(losses, z, 1.0)
        _, dlogits = ce_loss_and_grad(student, z, y, "softmax_cross_entropy")
        expect_close(dlogits, numeric, f"dlogits compared with the numerical gradient of your loss, "
                     f"for logits of shape {z.shape}", inputs=z, input_name="logits", tol=1e-6)


@grades(CE, property_of="softmax_cross_entropy")
def test_cross_entropy_is_the_mean_over_the_rows(student, rng):
    """the loss is the mean over the N rows: the same batch given twice has the same loss"""
    z, y = rng.normal(size=(5, 3)), labels(rng, 5, 3)
    (once, _), (twice, _) = (unpack(r, "softmax_cross_entropy", "loss, dlogits") for r in student.starmap(
        "softmax_cross_entropy", [(z, y), (np.vstack([z, z]), np.concatenate([y, y]))]))
    once, twice = float(np.asarray(once)), float(np.asarray(twice))
    assert np.isclose(once, twice, rtol=1e-9, atol=0), (
        f"the loss must be the mean over the N rows, not the sum: a batch of 5 rows gave {once:.6g}, "
        f"the same 5 rows given twice gave {twice:.6g} (divide by N)")


@grades(CE, property_of="softmax_cross_entropy")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_cross_entropy_is_finite_for_probabilities_of_0_and_1(student, dtype):
    """finite loss and dlogits when softmax gives probabilities of exactly 0 and 1 (no log(0)), in this dtype"""
    hint = "a probability of exactly 0 gives log(0) = -inf: compute log softmax as (logits - max) - log(sum(exp(logits - max)))"
    cases = [
        ("logits [[1e4, -1e4]] and the wrong label y = [1] (loss 2e4)", [[1e4, -1e4]], [1]),
        ("logits [[1e4, -1e4]] and the right label y = [0] (loss 0)", [[1e4, -1e4]], [0]),
        ("a batch of 4 rows with logits up to abs 1e4",
         [[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0], [3.0, 1.0, -2.0], [-800.0, 0.0, 800.0]], [1, 0, 2, 0]),
        # float32's exp underflows to 0 from exp(-104): a probability of 0 where float64 still has 1e-44
        ("logits [[0, 120, -120]] and the label y = [2] (loss 240)", [[0.0, 120.0, -120.0]], [2]),
    ]
    tolerance = {"float64": dict(atol=1e-12), "float32": LARGE_LOGITS_TOLERANCE["float32"]}[dtype]
    for what, z, y in cases:
        z, y = np.array(z, dtype=dtype), np.array(y)
        loss, dlogits = unpack(stable_call(student, "softmax_cross_entropy", z, y, hint=hint), "softmax_cross_entropy",
                               "loss, dlogits")
        expected_loss, expected_dlogits = reference.softmax_cross_entropy(z.astype(np.float64), y)
        what = f"{what}, {dtype}"
        expect_finite(np.asarray(loss, dtype=np.float64), f"the loss for {what}")
        expect_close(loss, expected_loss, f"the loss for {what}", **tolerance)
        expect_close(dlogits, expected_dlogits, f"dlogits for {what}", inputs=z, input_name="logits", **tolerance)


@grades(CE, property_of="softmax_cross_entropy")
def test_cross_entropy_keeps_float32_dlogits_as_float32(student, rng):
    """float32 logits give float32 dlogits"""
    z, y = rng.normal(scale=2.0, size=(6, 4)).astype(np.float32), labels(rng, 6, 4)
    loss, dlogits = ce_loss_and_grad(student, z, y, "softmax_cross_entropy(float32 logits, y)")
    expected_loss, expected_dlogits = reference.softmax_cross_entropy(z.astype(np.float64), y)
    dlogits = expect_array(dlogits, "dlogits for float32 logits", shape=z.shape, dtype=np.float32)
    expect_close(loss, expected_loss, "the loss for float32 logits", tol=1e-5)
    expect_close(dlogits, expected_dlogits, "dlogits for float32 logits", inputs=z, input_name="logits",
                 tol=1e-5, atol=1e-7)


@grades(CE, property_of="softmax_cross_entropy")
def test_cross_entropy_does_not_modify_its_inputs(student, rng):
    """leaves the logits and the labels it is given unchanged"""
    z, y = rng.normal(scale=3.0, size=(5, 4)), labels(rng, 5, 4)
    _, (z_after, y_after) = student.call_with_inputs("softmax_cross_entropy", z.copy(), y.copy())
    assert np.array_equal(z_after, z), (
        "softmax_cross_entropy changed the logits it was given (an in-place operation such as logits -= ... "
        "or logits[rows, y] -= 1); work on a new array")
    assert np.array_equal(y_after, y), "softmax_cross_entropy changed the labels y it was given"


# -- classifier ----------------------------------------------------------------

@grades(CLASSIFIER, property_of="train_softmax_classifier")
def test_classifier_returns_W_of_shape_D_by_C_and_b_of_shape_C(student, rng):
    """train_softmax_classifier returns (W, b) with W of shape (D, C) and b of shape (C,)"""
    X, y = rng.normal(size=(40, 3)), labels(rng, 40, 4)
    train(student, X, y, 4, learning_rate=0.1, num_iters=5)


@grades(CLASSIFIER, property_of=("train_softmax_classifier", "predict_classes"))
def test_trained_classifier_labels_held_out_blobs(student, rng):
    """trained on 2-D blobs, predict_classes labels at least 90% of new points from the same blobs correctly"""
    centres = blob_centres(rng)
    X, y = blobs(rng, 100, centres)
    X_test, y_test = blobs(rng, 200, centres)  # the labels stay here
    W, b = train(student, X, y, len(centres), **ACCURACY_RUN)
    predicted = expect_array(student.call("predict_classes", X_test, W, b), "predict_classes(X, W, b)",
                             shape=y_test.shape)
    accuracy = float(np.mean(predicted == y_test))
    assert accuracy >= MIN_ACCURACY, (
        f"trained with {describe_run(ACCURACY_RUN)} on {len(y)} points of 3 well separated blobs, your "
        f"classifier labels {accuracy:.0%} of {len(y_test)} new points correctly; at least {MIN_ACCURACY:.0%} expected")


@grades(CLASSIFIER, values_of="train_softmax_classifier")
def test_training_minimises_the_regularised_loss(student, rng):
    """after enough gradient descent steps, the gradient of mean cross-entropy + 0.5 * reg * sum(W**2) is ~0"""
    X, y = blobs(rng, 100, blob_centres(rng))
    W, b = train(student, X, y, 3, **STATIONARY_RUN)
    _, dW, db = reference.objective(W, b, X, y, STATIONARY_RUN["reg"])
    worst = max(float(np.abs(dW).max()), float(np.abs(db).max()))
    assert worst <= MAX_GRADIENT, (
        f"after training with {describe_run(STATIONARY_RUN)}, the gradient of the objective mean cross-entropy "
        f"+ 0.5 * reg * sum(W**2) at your (W, b) is {worst:.3g} (largest entry), not ~0: your steps do not follow "
        "its gradient (the gradient of W is X.T @ dlogits + reg * W, of b dlogits summed over the rows; "
        "b is not regularised; each step moves by learning_rate times the gradient)")


@grades(CLASSIFIER, property_of="train_softmax_classifier")
def test_larger_reg_gives_smaller_weights(student, rng):
    """reg regularises: training with reg=1.0 gives a clearly smaller ||W|| than reg=0.0"""
    X, y = blobs(rng, 100, blob_centres(rng))
    run = dict(learning_rate=0.5, num_iters=300, seed=0)
    W0, _ = train(student, X, y, 3, reg=0.0, **run)
    W1, _ = train(student, X, y, 3, reg=1.0, **run)
    n0, n1 = float(np.linalg.norm(W0)), float(np.linalg.norm(W1))
    assert n1 < 0.8 * n0, (
        f"reg does not regularise: with reg=1.0 ||W|| is {n1:.4g}, with reg=0.0 it is {n0:.4g} "
        "(add the gradient of 0.5 * reg * sum(W**2), reg * W, to the gradient of W)")


@grades(CLASSIFIER, property_of="train_softmax_classifier")
def test_the_same_seed_gives_the_same_weights(student, rng):
    """training twice with the same seed gives exactly the same W and b"""
    X, y = blobs(rng, 30, blob_centres(rng))
    run = dict(learning_rate=0.5, num_iters=20, reg=0.01, seed=7)
    (Wa, ba), (Wb, bb) = (train(student, X, y, 3, **run) for _ in range(2))
    assert np.array_equal(Wa, Wb) and np.array_equal(ba, bb), (
        "training twice with the same seed (seed=7) gave different weights: draw the initial W from "
        "np.random.default_rng(seed), not from the global np.random")


@grades(CLASSIFIER, property_of="train_softmax_classifier")
def test_training_does_not_modify_X_or_y(student, rng):
    """train_softmax_classifier leaves X and y unchanged"""
    X, y = blobs(rng, 20, blob_centres(rng))
    _, (X_after, y_after, *_) = student.call_with_inputs("train_softmax_classifier", X.copy(), y.copy(), 3, 0.5, 10)
    assert np.array_equal(X_after, X) and np.array_equal(y_after, y), (
        "train_softmax_classifier changed the X or y it was given (an in-place operation); work on new arrays")


@grades(CLASSIFIER, values_of="predict_classes")
def test_predict_classes_returns_the_class_with_the_largest_score(student, rng):
    """predict_classes returns integer labels of shape (N,): the class with the largest score X @ W + b"""
    inputs = [(rng.normal(size=(n, d)), rng.normal(size=(d, c)), rng.normal(size=c))
              for n, d, c in [(12, 2, 3), (1, 4, 5), (30, 3, 2)]]
    for (X, W, b), out in zip(inputs, student.starmap("predict_classes", inputs)):
        n, c = X.shape[0], W.shape[1]
        what = f"predict_classes(X, W, b) for {n} rows and {c} classes"
        out = expect_array(out, what)
        assert out.shape == (n,), (
            f"{what} must return one class label per row, shape ({n},); it returned shape {out.shape}"
            + (" (one probability or score per class? return the index of the largest: np.argmax(..., axis=1))"
               if out.shape == (n, c) else ""))
        assert np.issubdtype(out.dtype, np.integer), (
            f"{what} must return integer class labels; it returned dtype {out.dtype} "
            "(np.argmax gives integers)")
        expected = reference.predict_classes(X, W, b)
        wrong = np.flatnonzero(out != expected)
        assert wrong.size == 0, (
            f"{what} is wrong for {wrong.size} rows: e.g. row {wrong[0]} with scores X @ W + b = "
            f"{fmt((X @ W + b)[wrong[0]])} should be class {expected[wrong[0]]}, got {out[wrong[0]]}")
