"""Gradient-checking tools and public checks for the backprop assignment.

Use ``rel_error``, ``eval_numerical_gradient`` and ``eval_numerical_gradient_array`` to check
your own gradients. The ``check_*`` functions catch common slips quickly. Passing them does not
guarantee full marks: the grader runs stricter hidden checks (random shapes, single-row batches,
numerical gradients of your own functions, training on data you have not seen).
"""

import time

import numpy as np
from notebook_tools import eval_numerical_gradient, eval_numerical_gradient_array, public_check  # noqa: F401 (the notebook imports them from here)


GRADIENT_TOLERANCE = 1e-6  # the largest relative error of a correct gradient, here and in the hidden checks

# ---- tools for checking gradients -------------------------------------------------------

def rel_error(x, y):
    """The largest relative error |x - y| / (|x| + |y|) between two arrays (CS231n's definition).

    For float64: below GRADIENT_TOLERANCE (1e-6) your gradient is right (a correct one is usually far
    below), around 1e-4 something is off (or you sit on a kink such as relu's at 0), above 1e-2 it is wrong.
    The public and the hidden checks use this same limit.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


# ---- public checks ----------------------------------------------------------------------

def _pair(result, name):
    if not isinstance(result, tuple) or len(result) != 2:
        raise AssertionError(f"{name} should return a pair (out, cache), got {type(result).__name__}")
    return result


def _shape(value, shape, what):
    if np.shape(value) != shape:
        raise AssertionError(f"{what} should have shape {shape}, got {np.shape(value)}")


def _gradient(value, numeric, what, tol=GRADIENT_TOLERANCE):
    err = rel_error(value, numeric)
    if err > tol:
        raise AssertionError(f"{what} does not match the numerical gradient: relative error {err:.1e} "
                             f"(should be below {tol:.0e})")


@public_check
def check_affine(affine_forward, affine_backward):
    x = np.linspace(-0.1, 0.5, 8).reshape(2, 4)
    W = np.linspace(-0.2, 0.3, 12).reshape(4, 3)
    b = np.linspace(-0.3, 0.1, 3)
    out, _ = _pair(affine_forward(x, W, b), "affine_forward")
    expected = np.array([[-0.241038961, -0.0358441558, 0.1693506494],
                         [-0.2348051948, 0.0327272727, 0.3002597403]])
    _shape(out, (2, 3), "out of affine_forward for x (2, 4) and W (4, 3)")
    if rel_error(out, expected) > 1e-8:
        raise AssertionError(f"affine_forward: out should be\n{expected}\ngot\n{out}")

    rng = np.random.default_rng(231)
    x, W, b, dout = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(5, 3))
    _, cache = affine_forward(x, W, b)
    result = affine_backward(dout, cache)
    if not isinstance(result, tuple) or len(result) != 3:
        raise AssertionError("affine_backward should return three arrays (dx, dW, db)")
    dx, dW, db = result
    for value, shape, name in [(dx, x.shape, "dx"), (dW, W.shape, "dW"), (db, b.shape, "db")]:
        _shape(value, shape, name)
    _gradient(dx, eval_numerical_gradient_array(lambda v: affine_forward(v, W, b)[0], x, dout), "dx")
    _gradient(dW, eval_numerical_gradient_array(lambda v: affine_forward(x, v, b)[0], W, dout), "dW")
    _gradient(db, eval_numerical_gradient_array(lambda v: affine_forward(x, W, v)[0], b, dout), "db")
    print("affine layer: public checks passed")


@public_check
def check_relu(relu_forward, relu_backward):
    x = np.array([[-2.0, 0.0, 3.0], [0.5, -0.1, 1.0]])
    out, cache = _pair(relu_forward(x), "relu_forward")
    expected = np.array([[0.0, 0.0, 3.0], [0.5, 0.0, 1.0]])
    if not np.array_equal(out, expected):
        raise AssertionError(f"relu_forward({x.tolist()}) should give {expected.tolist()}, got {np.asarray(out).tolist()}")
    dout = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    dx = relu_backward(dout, cache)
    expected = np.array([[0.0, 0.0, 3.0], [4.0, 0.0, 6.0]])
    if not np.array_equal(dx, expected):
        raise AssertionError(f"relu_backward should give {expected.tolist()} for x = {x.tolist()} and "
                             f"dout = {dout.tolist()}, got {np.asarray(dx).tolist()}")

    rng = np.random.default_rng(231)
    x = rng.normal(size=(4, 5))
    x[np.abs(x) < 0.01] = 0.5  # stay away from the kink at 0
    dout = rng.normal(size=(4, 5))
    _, cache = relu_forward(x)
    _gradient(relu_backward(dout, cache),
              eval_numerical_gradient_array(lambda v: relu_forward(v)[0], x, dout), "dx of relu_backward")
    print("relu layer: public checks passed")


def _small_net():
    N, D, H, C = 3, 4, 5, 3
    X = np.linspace(-2, 3, N * D).reshape(N, D)
    params = {"W1": np.linspace(-0.7, 0.3, D * H).reshape(D, H), "b1": np.linspace(-0.1, 0.5, H),
              "W2": np.linspace(-0.3, 0.4, H * C).reshape(H, C), "b2": np.linspace(-0.1, 0.2, C)}
    return params, X, np.array([0, 1, 2])


@public_check
def check_two_layer_net(two_layer_net_loss):
    params, X, y = _small_net()
    scores = two_layer_net_loss(params, X)
    _shape(scores, (3, 3), "two_layer_net_loss(params, X) (no y: the scores)")
    expected = np.array([[-0.2912679426, 0.3218899522, 0.9350478469],
                         [0.2491626794, 0.5043062201, 0.7594497608],
                         [-0.0341148325, 0.1268660287, 0.28784689]])
    if rel_error(scores, expected) > 1e-8:
        raise AssertionError(f"the scores should be\n{expected}\ngot\n{scores}")
    for reg, expected in [(0.0, 1.2999371537406323), (0.1, 1.468917416898527)]:
        result = two_layer_net_loss(params, X, y, reg=reg)
        if not isinstance(result, tuple) or len(result) != 2:
            raise AssertionError("with labels y, two_layer_net_loss should return a pair (loss, grads)")
        loss, grads = result
        if abs(float(loss) - expected) > 1e-8:
            raise AssertionError(f"with reg={reg} the loss should be {expected:.10f}, got {float(loss):.10f}")
        if not isinstance(grads, dict) or sorted(grads) != sorted(params):
            raise AssertionError(f"grads should be a dict with the keys {sorted(params)}")
        for key in params:
            _shape(grads[key], params[key].shape, f"grads[{key!r}]")
            numeric = eval_numerical_gradient(
                lambda v: two_layer_net_loss({**params, key: v}, X, y, reg=reg)[0], params[key])
            _gradient(grads[key], numeric, f"with reg={reg}, grads[{key!r}]")
    print("two-layer net: public checks passed")


@public_check
def check_train(train_two_layer_net):
    rng = np.random.default_rng(7)
    angle = rng.uniform(0, 2 * np.pi, 120)
    radius = np.r_[rng.uniform(0, 0.5, 60), rng.uniform(0.9, 1.3, 60)]
    X = np.c_[radius * np.cos(angle), radius * np.sin(angle)]
    y = np.repeat([0, 1], 60)
    start = time.perf_counter()
    params = train_two_layer_net(X, y, hidden_size=20, learning_rate=1.0, num_iters=300, reg=1e-3, seed=0)
    seconds = time.perf_counter() - start
    if not isinstance(params, dict) or sorted(params) != ["W1", "W2", "b1", "b2"]:
        raise AssertionError("train_two_layer_net should return a dict with the keys W1, b1, W2, b2")
    for key, shape in [("W1", (2, 20)), ("b1", (20,)), ("W2", (20, 2)), ("b2", (2,))]:
        _shape(params[key], shape, f"params[{key!r}]")
    hidden = np.maximum(X @ params["W1"] + params["b1"], 0)
    accuracy = np.mean((hidden @ params["W2"] + params["b2"]).argmax(axis=1) == y)
    if accuracy < 0.9:
        raise AssertionError(f"after 300 iterations on two circles the training accuracy is {accuracy:.2f}; "
                             "it should be at least 0.9")
    print(f"train_two_layer_net: public checks passed (training accuracy {accuracy:.2f} in {seconds:.1f} s)")
