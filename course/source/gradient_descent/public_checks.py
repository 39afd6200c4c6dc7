"""Public checks for the gradient_descent assignment: run them before you submit.

They catch common slips quickly on small hand-made examples. Passing them does not
guarantee full marks: the grader runs stricter hidden checks on random inputs.
"""

import numpy as np
from notebook_tools import public_check


def _fail(message):
    raise AssertionError(message)


def _is_float(value):
    return isinstance(value, (float, np.floating)) and not isinstance(value, np.ndarray)


def _history(history, expected_len, name):
    try:
        h = np.asarray(history, dtype=float)
    except (TypeError, ValueError):
        _fail(f"{name}: history should be a list of float losses")
    if h.ndim != 1 or h.size != expected_len:
        _fail(f"{name}: history should hold {expected_len} losses (the start, then one per update); "
              f"got {h.size if h.ndim == 1 else 'shape ' + str(h.shape)}")
    return h


@public_check
def check_predict_loss(predict, mse_loss):
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    w, b = np.array([0.5, -1.0]), 2.0
    y = np.array([1.0, 0.0, -1.0])
    pred = predict(X, w, b)
    if np.shape(pred) != (3,):
        _fail(f"predict should return shape (n,) = (3,), got {np.shape(pred)}")
    if not np.allclose(pred, [0.5, -0.5, -1.5]):
        _fail(f"predict(X, w, b) should be [0.5, -0.5, -1.5], got {pred}")
    loss = mse_loss(X, y, w, b)
    if not _is_float(loss):
        _fail(f"mse_loss should return a single float, got {type(loss).__name__} {np.shape(loss)}")
    if not np.isclose(loss, 0.25):
        _fail(f"mse_loss should be 0.25 here (every error is -0.5), got {loss}")
    print("predict, mse_loss: public checks passed")


@public_check
def check_mse_gradients(mse_gradients, mse_loss):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(6, 3)), rng.normal(size=6)
    w, b = rng.normal(size=3), 0.7
    dw, db = mse_gradients(X, y, w, b)
    if np.shape(dw) != (3,):
        _fail(f"dw should have the shape of w, (3,), got {np.shape(dw)}")
    if not _is_float(db):
        _fail(f"db should be a single float, got {type(db).__name__} {np.shape(db)}")
    h = 1e-5
    num_dw = np.array([(mse_loss(X, y, w + h * e, b) - mse_loss(X, y, w - h * e, b)) / (2 * h) for e in np.eye(3)])
    num_db = (mse_loss(X, y, w, b + h) - mse_loss(X, y, w, b - h)) / (2 * h)
    if not np.allclose(dw, num_dw, rtol=1e-5, atol=1e-8):
        _fail(f"dw does not match the numerical gradient of your mse_loss: {dw} vs {num_dw}")
    if not np.isclose(db, num_db, rtol=1e-5, atol=1e-8):
        _fail(f"db does not match the numerical gradient of your mse_loss: {db} vs {num_db}")
    print("mse_gradients: public checks passed")


@public_check
def check_gradient_descent(gradient_descent, mse_loss):
    X, y = np.array([[1.0], [2.0], [3.0]]), np.array([2.0, 4.0, 6.0])
    w, b, history = gradient_descent(X, y, 0.1, 1)
    h = _history(history, 2, "gradient_descent(X, y, 0.1, 1)")
    if not np.isclose(h[0], mse_loss(X, y, np.zeros(1), 0.0)):
        _fail("history[0] should be the loss at the start, w = 0 and b = 0")
    if not (np.allclose(w, [28 / 15]) and np.isclose(b, 0.8)):
        _fail(f"one step from zeros with learning rate 0.1 should give w = [1.8667], b = 0.8; got {w}, {b}")
    w0 = np.array([1.0])
    _, _, history = gradient_descent(X, y, 0.05, 30, w0=w0, b0=0.5)
    h = _history(history, 31, "gradient_descent(X, y, 0.05, 30, w0, b0)")
    if not np.all(np.diff(h) <= 0):
        _fail("with a small learning rate the loss should go down at every step")
    if not np.array_equal(w0, [1.0]):
        _fail("gradient_descent changed w0 in place: start from a copy")
    print("gradient_descent: public checks passed")


@public_check
def check_minibatch_sgd(minibatch_sgd, mse_loss):
    X = np.array([[0.5], [1.5], [-1.0], [2.0], [0.0]])
    y = np.array([1.0, 3.5, -1.0, 5.0, 1.0])
    w, b, history = minibatch_sgd(X, y, 0.1, 2, 2, seed=0)
    h = _history(history, 3, "minibatch_sgd(X, y, 0.1, num_epochs=2, batch_size=2, seed=0)")
    if not np.isclose(h[0], np.mean(y ** 2)):
        _fail("history[0] should be the loss at the start, w = 0 and b = 0")
    if not (np.allclose(w, [1.9950567]) and np.isclose(b, 1.00988659)):
        _fail(f"minibatch_sgd(X, y, 0.1, num_epochs=2, batch_size=2, seed=0) should give w = [1.9950567], "
              f"b = 1.0098866 with the batch order described above; got {w}, {b}")
    w1, b1, _ = minibatch_sgd(X, y, 0.1, 2, 2, seed=0)
    if not (np.array_equal(w, w1) and b == b1):
        _fail("the same seed should give the same result")
    print("minibatch_sgd: public checks passed")
