"""Public checks for the softmax assignment: run them before you submit.

They catch common slips quickly. Passing them does not guarantee full marks:
the grader runs stricter hidden checks on random inputs.
"""

import warnings

import numpy as np
from notebook_tools import eval_numerical_gradient, public_check


def _strictly(f, *args):
    """Call f with numpy overflow / divide-by-zero / invalid-value warnings turned into errors."""
    with np.errstate(over="raise", divide="raise", invalid="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        return f(*args)


def _close(got, expected, what, tol=1e-7):
    got = np.asarray(got)
    if got.shape != np.shape(expected):
        raise AssertionError(f"{what} should have shape {np.shape(expected)}, got {got.shape}")
    if not np.allclose(got, expected, rtol=tol, atol=1e-10):
        raise AssertionError(f"{what} should be {np.asarray(expected)}, got {got}")


@public_check
def check_softmax(softmax):
    _close(softmax(np.array([1.0, 2.0, 3.0])), [0.09003057317, 0.24472847105, 0.66524095578],
           "softmax([1, 2, 3])")
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    _close(softmax(z), [[0.09003057317, 0.24472847105, 0.66524095578], [1 / 3, 1 / 3, 1 / 3]],
           "softmax([[1, 2, 3], [0, 0, 0]])")
    try:
        out = _strictly(softmax, np.array([[1000.0, 0.0, -1000.0]]))
    except (FloatingPointError, RuntimeWarning) as exc:
        raise AssertionError(f"softmax is not stable for large logits: {exc}") from None
    _close(out, [[1.0, 0.0, 0.0]], "softmax([[1000, 0, -1000]])")
    # rows on very different scales: one maximum for the whole batch leaves the low row at 0 / 0
    rows = np.array([[1000.0, 999.0], [-1000.0, -999.0]])
    per_row = ("subtract each row's own maximum (np.max(logits, axis=-1, keepdims=True)), not one maximum of "
               "the whole batch")
    try:
        out = _strictly(softmax, rows)
    except (FloatingPointError, RuntimeWarning, ZeroDivisionError):
        raise AssertionError(f"softmax([[1000, 999], [-1000, -999]]) overflows or divides by 0: {per_row}") from None
    _close(out, [[0.73105857863, 0.26894142137], [0.26894142137, 0.73105857863]],
           f"softmax([[1000, 999], [-1000, -999]]) ({per_row})")
    if softmax(np.ones((2, 3), dtype=np.float32)).dtype != np.float32:
        raise AssertionError("softmax should keep float32 logits as float32")
    print("softmax: public checks passed")


@public_check
def check_softmax_cross_entropy(softmax_cross_entropy):
    result = softmax_cross_entropy(np.array([[1.0, 2.0, 3.0]]), np.array([2]))
    if not isinstance(result, tuple) or len(result) != 2:
        raise AssertionError("softmax_cross_entropy should return a pair: loss, dlogits")
    loss, dlogits = result
    _close(loss, -np.log(0.66524095578), "the loss for logits [[1, 2, 3]] and y = [2]")
    _close(dlogits, [[0.09003057317, 0.24472847105, 0.66524095578 - 1]], "dlogits for logits [[1, 2, 3]], y = [2]")
    loss, _ = softmax_cross_entropy(np.zeros((4, 3)), np.array([0, 1, 2, 0]))
    _close(loss, np.log(3), "the loss for 4 rows of zeros (every class equally likely)")
    try:
        loss, _ = _strictly(softmax_cross_entropy, np.array([[1000.0, -1000.0]]), np.array([1]))
    except (FloatingPointError, RuntimeWarning) as exc:
        raise AssertionError(f"softmax_cross_entropy is not stable for large logits: {exc}") from None
    _close(loss, 2000.0, "the loss for logits [[1000, -1000]] and y = [1]")
    # numerical gradient on a small example
    rng = np.random.default_rng(1)
    z, y = rng.normal(size=(2, 3)), np.array([2, 0])
    numeric = eval_numerical_gradient(lambda v: softmax_cross_entropy(v, y)[0], z)
    _close(softmax_cross_entropy(z, y)[1], numeric, "dlogits (compared with the numerical gradient)", tol=1e-5)
    print("softmax_cross_entropy: public checks passed")


@public_check
def check_classifier(train_softmax_classifier, predict_classes):
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 4.0], [4.0, -2.0], [-4.0, -2.0]])
    y = np.repeat(np.arange(3), 30)
    X = centres[y] + rng.normal(size=(90, 2))
    result = train_softmax_classifier(X, y, 3, learning_rate=0.5, num_iters=100)
    if not isinstance(result, tuple) or len(result) != 2:
        raise AssertionError("train_softmax_classifier should return a pair: W, b")
    W, b = result
    if np.shape(W) != (2, 3) or np.shape(b) != (3,):
        raise AssertionError(f"W should have shape (2, 3) and b shape (3,), got {np.shape(W)} and {np.shape(b)}")
    predicted = np.asarray(predict_classes(X, W, b))
    if predicted.shape != (90,) or not np.issubdtype(predicted.dtype, np.integer):
        raise AssertionError(f"predict_classes should return integer labels of shape (90,), got "
                             f"{predicted.dtype} of shape {predicted.shape}")
    accuracy = np.mean(predicted == y)
    if accuracy < 0.9:
        raise AssertionError(f"the classifier labels only {accuracy:.0%} of these easy training points correctly")
    print(f"classifier: public checks passed (training accuracy {accuracy:.0%})")
