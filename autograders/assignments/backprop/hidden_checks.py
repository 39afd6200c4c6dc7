"""Hidden checks for the backprop assignment.

Layer caches are whatever the student chose: forward and backward passes are chained in the
student's kernel (``student.chain``: ``out, cache = forward(...)``, then ``backward(dout, cache)``)
and only plain arrays come back. Every numerical gradient is one round trip: all the perturbed
inputs go in one chain.
"""

import numpy as np
import pytest

from autograders.assignments.backprop import reference
from autograders.checklib import (Ref, away_from_kink, centred_differences, expect_array, expect_close, expect_finite,
                                  grades, perturbed, step, unpack)

AFFINE, RELU, NET, TRAIN = "test_affine", "test_relu", "test_two_layer_net", "test_train"
KEYS = reference.PARAM_KEYS
# (N, D, M): single rows, single features and single outputs included
AFFINE_SHAPES = [(1, 1, 1), (1, 5, 3), (4, 1, 6), (3, 3, 3), (6, 4, 2), (10, 7, 5)]
RELU_SHAPES = [(1, 1), (1, 6), (5, 1), (4, 4), (8, 13)]
# (N, D, H, C)
NET_SHAPES = [(1, 3, 4, 2), (5, 4, 6, 3), (8, 2, 10, 4)]
NUMERIC_TOL = 1e-6   # relative error allowed between an analytic and a centred numerical gradient
NUMERIC_ATOL = 1e-8  # ... unless the absolute difference is below this (round-off on entries near 0)
H = 1e-5             # step of the centred differences
TRAIN_SETTINGS = dict(hidden_size=50, learning_rate=1.0, num_iters=500, reg=1e-3)
TRAIN_TIMEOUT = 15.0
MIN_ACCURACY = 0.9
# dtype -> (the largest score, which np.exp cannot take in that dtype (float32 overflows from exp(89));
# how far below it the labels' scores may lie (their probabilities stay above the dtype's smallest number);
# relative and absolute tolerance against the float64 reference)
STABILITY = {"float64": (800.0, 300.0, 1e-7, 1e-10), "float32": (100.0, 80.0, 1e-4, 1e-4)}


# ---- plumbing -----------------------------------------------------------------------

def forward_outs(student, name, arg_tuples):
    """``out`` of each ``out, cache = name(*args)``, in one round trip; the caches stay in the kernel."""
    steps = [step(f"out{i}, cache{i}", name, *args) for i, args in enumerate(arg_tuples)]
    return student.chain(steps, returns=[f"out{i}" for i in range(len(steps))])


def backward_results(student, forward, backward, cases):
    """``backward(dout, cache)`` after ``out, cache = forward(*args)`` for each ``(args, dout)``, in one round trip."""
    steps = []
    for i, (args, dout) in enumerate(cases):
        steps += [step(f"out{i}, cache{i}", forward, *args), step(f"grads{i}", backward, dout, Ref(f"cache{i}"))]
    return student.chain(steps, returns=[f"grads{i}" for i in range(len(cases))])


def forward_backward(student, forward, backward, args, dout):
    """``out`` of ``out, cache = forward(*args)``, and ``backward(dout, cache)``."""
    return student.chain([step("out, cache", forward, *args), step("grads", backward, dout, Ref("cache"))],
                         returns=["out", "grads"])


def numerical_gradients(student, name, cases):
    """Centred-difference gradients of ``sum(value * dout)``, ``value`` the first of the two things ``name(*args)``
    returns (out or loss), for several cases, in one round trip.

    Each case is ``(make_args, arrays, dout, kwargs)``: ``arrays`` maps a label to the array to
    differentiate with respect to, ``make_args(replaced)`` builds the call's positional
    arguments with the arrays in ``replaced`` swapped in. Returns one ``{label: gradient}`` per case.
    """
    steps = []
    for make_args, arrays, _, kwargs in cases:
        for label, base in arrays.items():
            steps += [step(f"value{len(steps) + k}, rest{len(steps) + k}", name, *make_args({label: moved}), **kwargs)
                      for k, moved in enumerate(perturbed(base, H))]
    values = iter(student.chain(steps, returns=[f"value{i}" for i in range(len(steps))]))
    grads = []
    for _, arrays, dout, _ in cases:
        grads.append({})
        for label, base in arrays.items():
            shifted = [next(values) for _ in range(2 * base.size)]
            if any(np.shape(v) != np.shape(dout) for v in shifted):
                wrong = next(np.shape(v) for v in shifted if np.shape(v) != np.shape(dout))
                raise AssertionError(f"{name} returned shape {wrong} where {np.shape(dout)} was expected "
                                     "while computing its numerical gradient")
            grads[-1][label] = centred_differences(shifted, base.shape, dout, H)
    return grads


def expect_gradient(actual, numeric, name, context, **kwargs):
    """``name`` (e.g. "dx of affine_backward") agrees with the numerical gradient; ``context`` says of what."""
    expect_array(actual, name, shape=np.shape(numeric))
    expect_close(actual, numeric, f"{name} compared with the numerical gradient of {context}", tol=NUMERIC_TOL,
                 atol=NUMERIC_ATOL, **kwargs)


def affine_inputs(rng, N, D, M):
    return rng.normal(size=(N, D)), rng.normal(size=(D, M)), rng.normal(size=M), rng.normal(size=(N, M))


def net_params(rng, D, Hd, C, scale=0.5):
    return {"W1": rng.normal(scale=scale, size=(D, Hd)), "b1": rng.normal(scale=0.1, size=Hd),
            "W2": rng.normal(scale=scale, size=(Hd, C)), "b2": rng.normal(scale=0.1, size=C)}


def net_inputs(rng, N, D, Hd, C, margin=1e-3):
    """params, X, y with every hidden pre-activation at least ``margin`` away from relu's kink."""
    while True:
        params, X = net_params(rng, D, Hd, C), rng.normal(size=(N, D))
        if np.abs(X @ params["W1"] + params["b1"]).min() > margin:
            return params, X, rng.integers(0, C, size=N)


def shape_str(params):
    return ", ".join(f"{k} {np.shape(v)}" for k, v in params.items())


def expect_params(value, name, context, shapes):
    """``value`` (``name``: "grads" or "params") must be a dict with exactly the keys W1, b1, W2, b2 and these shapes."""
    if not isinstance(value, dict):
        raise AssertionError(f"{name} {context} must be a dict; it is a {type(value).__name__}")
    if sorted(value) != sorted(KEYS):
        raise AssertionError(f"{name} {context} must have exactly the keys {list(KEYS)}; it has {sorted(value)}")
    for key in KEYS:
        expect_array(value[key], f"{name}[{key!r}] {context}", shape=shapes[key])
        expect_finite(value[key], f"{name}[{key!r}] {context}")
    return value


# ---- affine layer -------------------------------------------------------------------

@grades(AFFINE, values_of="affine_forward")
def test_affine_forward_matches_the_reference(student, rng):
    """out = x @ W + b for random x, W, b of several shapes (N = 1 and D = 1 included)"""
    cases = [affine_inputs(rng, *shape)[:3] for shape in AFFINE_SHAPES for _ in range(2)]
    for (x, W, b), out in zip(cases, forward_outs(student, "affine_forward", cases)):
        expected, _ = reference.affine_forward(x, W, b)
        expect_close(out, expected, f"out of affine_forward(x, W, b) for x {x.shape}, W {W.shape}")


@grades(AFFINE, values_of="affine_backward")
def test_affine_backward_matches_the_reference(student, rng):
    """dx, dW, db have the shapes of x, W, b and the reference's values, for several shapes"""
    inputs = [affine_inputs(rng, *shape) for shape in AFFINE_SHAPES for _ in range(2)]
    results = backward_results(student, "affine_forward", "affine_backward", [((x, W, b), d) for x, W, b, d in inputs])
    for (x, W, b, dout), result in zip(inputs, results):
        expected = reference.affine_backward(dout, (x, W, b))
        got = unpack(result, "affine_backward", "dx, dW, db")
        for label, value, exp in zip(("dx", "dW", "db"), got, expected):
            expect_close(value, exp, f"{label} of affine_backward for x {x.shape}, W {W.shape}")


@grades(AFFINE, property_of="affine_backward")
def test_affine_backward_agrees_with_the_numerical_gradient(student, rng):
    """dx, dW and db agree with centred numerical gradients of your affine_forward (relative error below 1e-6)"""
    inputs = [affine_inputs(rng, *shape) for shape in [(3, 4, 5), (1, 3, 2), (5, 2, 3)]]

    def case(x, W, b, dout):
        base = {"x": x, "W": W, "b": b}
        return (lambda replaced: tuple({**base, **replaced}[k] for k in ("x", "W", "b"))), base, dout, {}

    numeric = numerical_gradients(student, "affine_forward", [case(*inp) for inp in inputs])
    results = backward_results(student, "affine_forward", "affine_backward", [((x, W, b), d) for x, W, b, d in inputs])
    for (x, W, b, _), result, num in zip(inputs, results, numeric):
        for label, value in zip(("x", "W", "b"), unpack(result, "affine_backward", "dx, dW, db")):
            expect_gradient(value, num[label], f"d{label} of affine_backward (x {x.shape}, W {W.shape})",
                            "your affine_forward")


@grades(AFFINE, property_of=("affine_forward", "affine_backward"))
def test_affine_layer_handles_a_batch_of_one_row(student, rng):
    """a batch of one example (x of shape (1, D)) gives out (1, M), dx (1, D), dW (D, M), db (M,)"""
    x, W, b, dout = affine_inputs(rng, 1, 4, 3)
    out, grads = forward_backward(student, "affine_forward", "affine_backward", (x, W, b), dout)
    expect_close(out, reference.affine_forward(x, W, b)[0], "out of affine_forward for a single row x (1, 4)")
    for label, value, exp in zip(("dx", "dW", "db"), unpack(grads, "affine_backward", "dx, dW, db"),
                                 reference.affine_backward(dout, (x, W, b))):
        expect_close(value, exp, f"{label} of affine_backward for a single row x (1, 4)")


@grades(AFFINE, property_of=("affine_forward", "affine_backward"))
def test_affine_layer_does_not_modify_its_inputs(student, rng):
    """affine_forward leaves x and W unchanged, affine_backward leaves dout unchanged"""
    N, D, M = 4, 3, 5
    x, W, b, dout = affine_inputs(rng, N, D, M)
    # x, W and dout are handed over as arrays that already live in the kernel (x @ I + 0, made twice:
    # one copy is passed on, the other stays untouched), so a change made in place shows up here
    def made_in_kernel(name, a):
        return step(f"{name}, {name}_cache", "affine_forward", a, np.eye(a.shape[1]), np.zeros(a.shape[1]))

    steps = [made_in_kernel("x", x), made_in_kernel("x_untouched", x), made_in_kernel("W", W),
             made_in_kernel("W_untouched", W), made_in_kernel("dout", dout), made_in_kernel("dout_untouched", dout),
             step("out, cache", "affine_forward", Ref("x"), Ref("W"), b),
             step("grads", "affine_backward", Ref("dout"), Ref("cache"))]
    x1, x2, W1, W2, d1, d2 = student.chain(steps, returns=["x", "x_untouched", "W", "W_untouched", "dout",
                                                           "dout_untouched"])
    for before, after, what in [(x2, x1, "affine_forward changed x"), (W2, W1, "affine_forward changed W"),
                                (d2, d1, "affine_backward changed dout")]:
        assert np.array_equal(np.asarray(before), np.asarray(after)), (
            f"{what} in place (e.g. `x -= ...`, `dout *= ...`); build new arrays instead")


@grades(AFFINE, property_of=("affine_forward", "affine_backward"))
def test_affine_layer_keeps_float32_as_float32(student, rng):
    """float32 inputs give float32 out, dx, dW and db"""
    x, W, b, dout = (a.astype(np.float32) for a in affine_inputs(rng, 5, 4, 3))
    out, grads = forward_backward(student, "affine_forward", "affine_backward", (x, W, b), dout)
    expect_array(out, "out of affine_forward(float32 x, W, b)", shape=(5, 3), dtype=np.float32)
    for label, value in zip(("dx", "dW", "db"), unpack(grads, "affine_backward", "dx, dW, db")):
        expect_array(value, f"{label} of affine_backward(float32 dout, ...)", dtype=np.float32)


# ---- relu layer ---------------------------------------------------------------------

@grades(RELU, values_of="relu_forward")
def test_relu_forward_matches_the_reference(student, rng):
    """out = max(0, x) for random x of several shapes, exact zeros included"""
    inputs = []
    for shape in RELU_SHAPES:
        x = rng.normal(size=shape)
        x[rng.random(shape) < 0.2] = 0.0
        inputs.append(x)
    for x, out in zip(inputs, forward_outs(student, "relu_forward", [(x,) for x in inputs])):
        expect_close(out, reference.relu_forward(x)[0], f"out of relu_forward(x) for x {x.shape}", inputs=x,
                     input_name="x")


@grades(RELU, values_of="relu_backward")
def test_relu_backward_is_exactly_zero_where_x_is_not_positive(student, rng):
    """relu_backward gives exactly 0 where x <= 0 (x == 0 included) and exactly dout where x > 0"""
    x = rng.normal(size=(6, 7))
    x[rng.random(x.shape) < 0.3] = 0.0
    x[0, :3] = [0.0, -0.0, 1e-300]
    dout = rng.normal(size=x.shape) + np.copysign(0.5, rng.normal(size=x.shape))  # no dout entry near 0
    (dx,) = backward_results(student, "relu_forward", "relu_backward", [((x,), dout)])
    dx = expect_array(dx, "relu_backward(dout, cache)", shape=x.shape)
    blocked = (dx != 0) & (x <= 0)
    if blocked.any():
        i = tuple(int(k) for k in np.argwhere(blocked)[0])
        raise AssertionError(f"relu_backward must give exactly 0 where x <= 0; at x = {float(x[i])!r} (index {i}) "
                             f"it gave {float(dx[i])!r} (the gradient at x == 0 is 0 here, like relu_grad(0))")
    passed = (dx != dout) & (x > 0)
    if passed.any():
        i = tuple(int(k) for k in np.argwhere(passed)[0])
        raise AssertionError(f"relu_backward must pass dout through unchanged where x > 0; at x = {x[i]:.3g} "
                             f"(index {i}) dout was {dout[i]:.6g} but dx is {dx[i]:.6g}")


@grades(RELU, values_of="relu_backward")
def test_relu_backward_matches_the_reference(student, rng):
    """dx matches the reference for random x and dout of several shapes"""
    inputs = [(rng.normal(size=shape), rng.normal(size=shape)) for shape in RELU_SHAPES]
    results = backward_results(student, "relu_forward", "relu_backward", [((x,), d) for x, d in inputs])
    for (x, dout), dx in zip(inputs, results):
        expect_close(dx, reference.relu_backward(dout, x), f"dx of relu_backward for x {x.shape}", inputs=x,
                     input_name="x")


@grades(RELU, property_of="relu_backward")
def test_relu_backward_agrees_with_the_numerical_gradient(student, rng):
    """dx agrees with the centred numerical gradient of your relu_forward (relative error below 1e-6)"""
    inputs = [(away_from_kink(rng.normal(size=shape)), rng.normal(size=shape)) for shape in [(4, 5), (1, 3)]]
    cases = [(lambda replaced: (replaced.get("x", x),), {"x": x}, dout, {}) for x, dout in inputs]
    numeric = numerical_gradients(student, "relu_forward", cases)
    results = backward_results(student, "relu_forward", "relu_backward", [((x,), d) for x, d in inputs])
    for (x, _), dx, num in zip(inputs, results, numeric):
        expect_gradient(dx, num["x"], f"dx of relu_backward (x {x.shape})", "your relu_forward", inputs=x,
                        input_name="x")


@grades(RELU, property_of=("relu_forward", "relu_backward"))
def test_relu_layer_does_not_modify_its_inputs(student, rng):
    """relu_forward leaves x unchanged and relu_backward leaves dout unchanged"""
    shape = (5, 6)
    x, dout = rng.normal(size=shape), rng.normal(size=shape)
    # x and dout are handed over as arrays that already live in the kernel: relu_backward through a cache
    # where every unit is active passes its dout through, so it makes copies (two each: one is passed on,
    # the other stays untouched), and a change made in place shows up here
    steps = [step("ones, all_active", "relu_forward", np.ones(shape)),
             step("x", "relu_backward", x, Ref("all_active")),
             step("x_untouched", "relu_backward", x, Ref("all_active")),
             step("dout", "relu_backward", dout, Ref("all_active")),
             step("dout_untouched", "relu_backward", dout, Ref("all_active")),
             step("out, cache", "relu_forward", Ref("x")),
             step("dx", "relu_backward", Ref("dout"), Ref("cache"))]
    x1, x2, d1, d2 = student.chain(steps, returns=["x", "x_untouched", "dout", "dout_untouched"])
    assert np.array_equal(np.asarray(x1), np.asarray(x2)), (
        "relu_forward changed x in place (e.g. `x[x < 0] = 0`): compute out as a new array, e.g. np.maximum(x, 0)")
    assert np.array_equal(np.asarray(d1), np.asarray(d2)), (
        "relu_backward changed dout in place (e.g. `dout[x <= 0] = 0`): build dx as a new array")


@grades(RELU, property_of=("relu_forward", "relu_backward"))
def test_relu_layer_keeps_float32_as_float32(student, rng):
    """float32 x and dout give float32 out and dx"""
    x, dout = (rng.normal(size=(4, 5)).astype(np.float32) for _ in range(2))
    out, dx = forward_backward(student, "relu_forward", "relu_backward", (x,), dout)
    expect_array(out, "out of relu_forward(float32 x)", shape=x.shape, dtype=np.float32)
    expect_array(dx, "dx of relu_backward(float32 dout, cache)", shape=x.shape, dtype=np.float32)


# ---- two-layer net ------------------------------------------------------------------

@grades(NET, values_of="two_layer_net_loss")
def test_two_layer_net_returns_the_scores_when_y_is_none(student, rng):
    """with y=None it returns the scores, shape (N, C), of affine - relu - affine"""
    cases = [net_inputs(rng, *shape)[:2] for shape in NET_SHAPES]
    for (params, X), scores in zip(cases, student.starmap("two_layer_net_loss", cases)):
        expect_close(scores, reference.two_layer_net_loss(params, X), f"two_layer_net_loss(params, X) for "
                     f"X {X.shape} and {shape_str(params)}")


@grades(NET, values_of="two_layer_net_loss")
@pytest.mark.parametrize("reg", [0.0, 0.3], ids=["reg=0", "reg=0.3"])
def test_two_layer_net_loss_and_gradients_match_the_reference(student, rng, reg):
    """loss (mean cross-entropy + 0.5 reg (sum W1**2 + sum W2**2)) and every gradient match the reference"""
    cases = [net_inputs(rng, *shape) for shape in NET_SHAPES]
    for (params, X, y), result in zip(cases, student.starmap("two_layer_net_loss", cases, reg=reg)):
        what = f"two_layer_net_loss(params, X, y, reg={reg}) for X {X.shape} and {shape_str(params)}"
        loss, grads = unpack(result, what, "loss, grads")
        exp_loss, exp_grads = reference.two_layer_net_loss(params, X, y, reg)
        expect_close(np.asarray(loss), exp_loss, f"the loss of {what}")
        expect_params(grads, "grads", f"of {what}", {k: v.shape for k, v in params.items()})
        for key in KEYS:
            expect_close(grads[key], exp_grads[key], f"grads[{key!r}] of {what}")


@grades(NET, property_of="two_layer_net_loss")
@pytest.mark.parametrize("reg", [0.0, 0.7], ids=["reg=0", "reg=0.7"])
def test_two_layer_net_gradients_agree_with_the_numerical_gradient(student, rng, reg):
    """every entry of grads agrees with the centred numerical gradient of your loss (relative error below 1e-6)"""
    inputs = [net_inputs(rng, 5, 4, 6, 3), net_inputs(rng, 1, 3, 4, 2)]

    def case(params, X, y):
        return (lambda replaced: ({**params, **replaced}, X, y)), params, 1.0, {"reg": reg}

    numeric = numerical_gradients(student, "two_layer_net_loss", [case(*inp) for inp in inputs])
    results = student.starmap("two_layer_net_loss", inputs, reg=reg)
    for (params, X, _), result, num in zip(inputs, results, numeric):
        what = f"two_layer_net_loss(params, X, y, reg={reg}) for X {X.shape}"
        _, grads = unpack(result, what, "loss, grads")
        expect_params(grads, "grads", f"of {what}", {k: v.shape for k, v in params.items()})
        for key in KEYS:
            expect_gradient(grads[key], num[key], f"grads[{key!r}] of {what}", "your loss")


@grades(NET, property_of="two_layer_net_loss")
def test_two_layer_net_grads_have_exactly_the_keys_and_shapes_of_params(student, rng):
    """grads is a dict with exactly the keys of params (W1, b1, W2, b2), each with its parameter's shape"""
    params, X, y = net_inputs(rng, 6, 3, 7, 4)
    _, grads = unpack(student.call("two_layer_net_loss", params, X, y, reg=0.1), "two_layer_net_loss", "loss, grads")
    expect_params(grads, "grads", "of two_layer_net_loss", {k: v.shape for k, v in params.items()})


@grades(NET, property_of="two_layer_net_loss")
def test_two_layer_net_handles_a_single_example(student, rng):
    """a batch of one example (X of shape (1, D)) gives the right scores, loss and gradients"""
    params, X, y = net_inputs(rng, 1, 4, 5, 3)
    scores, result = student.starmap("two_layer_net_loss", [(params, X), (params, X, y, 0.2)])
    expect_close(scores, reference.two_layer_net_loss(params, X), "the scores for a single example X (1, 4)")
    loss, grads = unpack(result, "two_layer_net_loss for a single example", "loss, grads")
    exp_loss, exp_grads = reference.two_layer_net_loss(params, X, y, 0.2)
    expect_close(np.asarray(loss), exp_loss, "the loss for a single example X (1, 4)")
    expect_params(grads, "grads", "for a single example", {k: v.shape for k, v in params.items()})
    for key in KEYS:
        expect_close(grads[key], exp_grads[key], f"grads[{key!r}] for a single example X (1, 4)")


@grades(NET, property_of="two_layer_net_loss")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_two_layer_net_loss_is_stable_for_large_scores(student, rng, dtype):
    """loss and gradients stay finite and right when the scores pass where np.exp overflows in this dtype"""
    top, spread, tol, atol = STABILITY[dtype]
    params, X, _ = net_inputs(rng, 6, 3, 5, 4)
    scores = reference.two_layer_net_loss(params, X)
    while scores.max() <= 0:
        params, X, _ = net_inputs(rng, 6, 3, 5, 4)
        scores = reference.two_layer_net_loss(params, X)
    # scaling W2 and b2 scales the scores: the largest becomes `top`, where np.exp overflows
    factor = top / scores.max()
    params = {**params, "W2": params["W2"] * factor, "b2": params["b2"] * factor}
    params, X = {k: v.astype(dtype) for k, v in params.items()}, X.astype(dtype)
    scores = reference.two_layer_net_loss(params, X)
    # labels within `spread` of the row's top score: the correct class's probability stays representable
    y = np.array([rng.choice(np.flatnonzero(row > row.max() - spread)) for row in scores])
    result = student.call("two_layer_net_loss", params, X, y, strict=True)
    loss, grads = unpack(result, "two_layer_net_loss", "loss, grads")
    exp_loss, exp_grads = reference.two_layer_net_loss({k: v.astype(np.float64) for k, v in params.items()},
                                                       X.astype(np.float64), y)
    what = f"when the {dtype} scores reach {top:g}"
    expect_close(np.asarray(loss), exp_loss, f"the loss {what} (subtract each row's max score before np.exp)",
                 tol=tol, atol=atol)
    expect_params(grads, "grads", what, {k: v.shape for k, v in params.items()})
    for key in KEYS:
        # saturated probabilities: p - 1 cancels, so entries near 0 are compared to round-off of the largest
        expect_close(grads[key], exp_grads[key], f"grads[{key!r}] {what}", tol=tol,
                     atol=atol * max(1.0, float(np.abs(exp_grads[key]).max())))


@grades(NET, property_of="two_layer_net_loss")
def test_two_layer_net_does_not_modify_params_or_X(student, rng):
    """leaves the params dict (its keys and arrays), X and y unchanged"""
    params, X, y = net_inputs(rng, 5, 3, 4, 3)
    for args in [(params, X, y, 0.5), (params, X)]:
        _, after = student.call_with_inputs("two_layer_net_loss", *args)
        p_after, X_after = after[0], after[1]
        if not isinstance(p_after, dict) or sorted(p_after) != sorted(KEYS):
            raise AssertionError("two_layer_net_loss changed the keys of the params dict it was given "
                                 "(is grads the same dict as params?)")
        for key in KEYS:
            assert np.array_equal(p_after[key], params[key]), (
                f"two_layer_net_loss changed params[{key!r}] (in place, or by storing a gradient in params: "
                "make grads a new dict)")
        assert np.array_equal(X_after, X), "two_layer_net_loss changed X in place"
        if len(args) > 2:
            assert np.array_equal(after[2], y), "two_layer_net_loss changed y in place"


# ---- training -------------------------------------------------------------------------

def make_data(name, rng):
    make = {"spirals": reference.make_spirals, "circles": reference.make_circles}[name]
    X, y = make(rng, 100)
    X_held, y_held = make(rng, 200)
    return X, y, X_held, y_held


def accuracy(params, X, y):
    return float(np.mean(reference.predict(params, X) == y))


@grades(TRAIN, values_of="train_two_layer_net")
@pytest.mark.parametrize("data", ["spirals", "circles"])
def test_train_two_layer_net_fits_data_no_linear_model_can(student, rng, data):
    """reaches accuracy 0.9 on training and held-out points (a linear model: about 0.5), in 15 s at most

    Settings: hidden_size=50, learning_rate=1.0, num_iters=500, reg=1e-3.
    """
    X, y, X_held, y_held = make_data(data, rng)
    C, Hd = int(y.max()) + 1, TRAIN_SETTINGS["hidden_size"]
    params = student.call("train_two_layer_net", X, y, **TRAIN_SETTINGS, seed=int(rng.integers(1000)),
                          timeout=TRAIN_TIMEOUT)
    expect_params(params, "params", f"returned by train_two_layer_net on {data}",
                  {"W1": (2, Hd), "b1": (Hd,), "W2": (Hd, C), "b2": (C,)})
    settings = ", ".join(f"{k}={v}" for k, v in TRAIN_SETTINGS.items())
    train_acc, held_acc = accuracy(params, X, y), accuracy(params, X_held, y_held)
    assert min(train_acc, held_acc) >= MIN_ACCURACY, (
        f"after train_two_layer_net({settings}) on {len(y)} {data} points, the training accuracy is "
        f"{train_acc:.2f} and the held-out accuracy {held_acc:.2f}; both must reach {MIN_ACCURACY} (check your "
        "gradients, that every parameter is updated with the learning rate you are given, and the initialisation)")


@grades(TRAIN, property_of="train_two_layer_net")
def test_train_two_layer_net_returns_params_with_the_right_keys_and_shapes(student, rng):
    """returns a dict with W1 (D, H), b1 (H,), W2 (H, C), b2 (C,), C being the number of classes in y"""
    X, y = reference.make_spirals(rng, 10, num_classes=4)
    X = np.c_[X, rng.normal(size=(len(y), 1))]  # D = 3
    params = student.call("train_two_layer_net", X, y, 7, 0.5, 5, seed=1, timeout=TRAIN_TIMEOUT)
    expect_params(params, "params", "returned by train_two_layer_net(X (40, 3), y with 4 classes, hidden_size=7, ...)",
                  {"W1": (3, 7), "b1": (7,), "W2": (7, 4), "b2": (4,)})


@grades(TRAIN, property_of="train_two_layer_net")
def test_train_two_layer_net_is_reproducible_with_its_seed(student, rng):
    """the same seed gives the same network, and a different seed a different one"""
    X, y = reference.make_circles(rng, 20)
    runs = student.starmap("train_two_layer_net", [(X, y, 6, 0.5, 3, 0.0, s) for s in (4, 4, 5)],
                           timeout=TRAIN_TIMEOUT)
    shapes = {"W1": (2, 6), "b1": (6,), "W2": (6, 2), "b2": (2,)}
    first, again, other = (expect_params(r, "params", "returned by train_two_layer_net", shapes) for r in runs)
    for key in KEYS:
        assert np.array_equal(first[key], again[key]), (
            f"two runs of train_two_layer_net with seed=4 gave different {key}: draw the initial weights from "
            "np.random.default_rng(seed)")
    assert any(not np.array_equal(first[k], other[k]) for k in KEYS), (
        "train_two_layer_net gave the same network for seed=4 and seed=5: draw the initial weights from "
        "np.random.default_rng(seed)")


@grades(TRAIN, property_of="train_two_layer_net")
def test_train_two_layer_net_does_not_modify_X_or_y(student, rng):
    """leaves X and y unchanged"""
    X, y = reference.make_spirals(rng, 15)
    _, (X_after, y_after, *_) = student.call_with_inputs("train_two_layer_net", X, y, 5, 0.5, 3,
                                                         timeout=TRAIN_TIMEOUT)
    assert np.array_equal(X_after, X), "train_two_layer_net changed X in place (e.g. normalising it with X -= ...)"
    assert np.array_equal(y_after, y), "train_two_layer_net changed y in place"
