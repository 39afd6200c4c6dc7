"""Hidden checks for the TensorFlow assignment.

Tensors never cross the bridge: the grader asks the kernel for ``.numpy()`` of what
``standardize`` returns and for the batches of a dataset as numpy arrays. The tape's
gradients are compared with the backprop assignment's reference, which students derived
by hand. The Keras network is judged as the CNN's is: built and trained in the kernel on
spirals drawn here, with renamed classes; only its configuration and weights come back,
and the grader measures it on held-out spirals whose labels never reach the kernel.
"""

import math

import numpy as np
import pytest

from autograders.assignments.tensorflow_basics import reference
from autograders.checklib import (Attr, Library, Ref, StudentError, built_model, expect_accuracy, expect_array,
                                  expect_close, expect_finite, expect_training_history, grades, step, trained_model,
                                  unpack)

STANDARDIZE, TAPE, DATASET, BUILD, TRAIN = ("test_standardize", "test_tape_gradients", "test_make_dataset",
                                            "test_build_mlp", "test_train_mlp")
FLOAT32_TOL = 1e-5
GRADIENT_TOL = 1e-6  # the backprop assignment's tolerance: the tape computes in float64
NET_SHAPES = [(1, 3, 4, 2), (6, 4, 5, 3), (9, 2, 8, 4)]


def _not_a_tensor(err: StudentError, name):
    if err.name in ("numpy", "as_numpy_iterator"):
        kind = "TensorFlow tensor (tf.Tensor)" if err.name == "numpy" else "tf.data.Dataset"
        return AssertionError(f"{name} must return a {kind}; the grader could not call .{err.name}() on what it "
                              f"returned ({err.message[:150]})")
    return err


# ---- tensors ---------------------------------------------------------------------------

def standardized(student, cases):
    """``standardize(x).numpy()`` for each x, in one round trip."""
    steps = []
    for i, x in enumerate(cases):
        steps += [step(f"tensor{i}", "standardize", x), step(f"array{i}", Attr(f"tensor{i}", "numpy"))]
    try:
        return student.chain(steps, returns=[f"array{i}" for i in range(len(cases))])
    except StudentError as err:
        raise _not_a_tensor(err, "standardize") from None


def expect_standardized(student, cases):
    for x, got in zip(cases, standardized(student, cases)):
        what = f"standardize(x) for x of shape {x.shape} and dtype {x.dtype}"
        got = expect_array(got, what, shape=x.shape, dtype=np.float32)
        expect_finite(got, what)
        expect_close(got, reference.standardize(x), what, tol=FLOAT32_TOL, atol=FLOAT32_TOL)


@grades(STANDARDIZE, values_of="standardize")
def test_standardize_gives_float32_columns_of_mean_0_and_std_1(student, rng):
    """float32 tensors whose columns have mean 0 and standard deviation 1, for random shapes and scales"""
    cases = [rng.normal(loc=rng.uniform(-10, 10), scale=rng.uniform(0.5, 20), size=(int(rng.integers(2, 30)),
                                                                                      int(rng.integers(1, 7))))
             for _ in range(6)]
    expect_standardized(student, cases)


@grades(STANDARDIZE, property_of="standardize")
def test_standardize_accepts_integers_and_float64(student, rng):
    """integer and float64 input give float32 results"""
    expect_standardized(student, [rng.integers(-100, 100, size=(7, 3)), rng.normal(size=(5, 4)).astype(np.float64)])


@grades(STANDARDIZE, property_of="standardize")
def test_standardize_turns_constant_columns_into_zeros(student, rng):
    """a column whose values are all equal, and a single row, give zeros, not NaN, in float64 and float32"""
    x = rng.normal(size=(6, 3))
    x[:, 1] = 4.0
    expect_standardized(student, [x, rng.normal(size=(1, 5)), x.astype(np.float32)])


# ---- gradients by tape ---------------------------------------------------------------------

def net_case(rng, N, D, H, C, scale=1.0):
    params = {"W1": rng.normal(scale=scale, size=(D, H)), "b1": rng.normal(scale=0.1, size=H),
              "W2": rng.normal(scale=scale, size=(H, C)), "b2": rng.normal(scale=0.1, size=C)}
    return params, rng.normal(size=(N, D)), rng.integers(0, C, size=N)


def expect_tape_matches_backprop(student, cases, reg):
    results = student.starmap("tape_loss_and_gradients", [(p, X, y, reg) for p, X, y in cases])
    for (params, X, y), result in zip(cases, results):
        context = f"for X of shape {X.shape}, {params['W1'].shape[1]} hidden units and reg={reg}"
        loss, grads = unpack(result, "tape_loss_and_gradients", "loss, grads")
        expected_loss, expected_grads = reference.two_layer_net_loss(params, X, y, reg)
        assert isinstance(loss, (float, np.floating)) and math.isfinite(loss), \
            f"the loss must be a finite Python float {context}; it is {loss!r:.60}"
        expect_close(np.float64(loss), np.float64(expected_loss), f"the loss {context}", tol=GRADIENT_TOL)
        assert isinstance(grads, dict) and set(grads) == set(reference.PARAM_KEYS), \
            f"grads must be a dict with the keys {', '.join(reference.PARAM_KEYS)}"
        for key in reference.PARAM_KEYS:
            expect_close(expect_array(grads[key], f"grads[{key!r}]", shape=params[key].shape), expected_grads[key],
                         f"grads[{key!r}] {context}", tol=GRADIENT_TOL, atol=1e-10)


@grades(TAPE, values_of="tape_loss_and_gradients")
def test_tape_gives_backprops_loss_and_gradients(student, rng):
    """loss and gradients equal the backprop assignment's on random networks, without regularisation"""
    expect_tape_matches_backprop(student, [net_case(rng, *shape) for shape in NET_SHAPES], 0.0)


@grades(TAPE, values_of="tape_loss_and_gradients")
def test_tape_gradients_include_the_l2_penalty(student, rng):
    """with reg > 0 the loss and the gradients of W1 and W2 include the L2 penalty (not the biases)"""
    expect_tape_matches_backprop(student, [net_case(rng, *shape) for shape in NET_SHAPES], 0.7)


@grades(TAPE, property_of="tape_loss_and_gradients")
def test_tape_is_stable_for_scores_in_the_thousands(student, rng):
    """scores in the thousands give a finite loss and the right gradients (cross-entropy in log space)"""
    expect_tape_matches_backprop(student, [net_case(rng, 4, 3, 6, 3, scale=40.0)], 0.0)


@grades(TAPE, property_of="tape_loss_and_gradients")
def test_tape_leaves_params_and_data_unchanged(student, rng):
    """params, X and y are the same after the call"""
    params, X, y = net_case(rng, 5, 3, 4, 2)
    _, (after_params, after_X, after_y, _) = student.call_with_inputs("tape_loss_and_gradients", params, X, y, 0.1)
    for key in reference.PARAM_KEYS:
        assert np.array_equal(np.asarray(after_params[key]), params[key]), \
            f"tape_loss_and_gradients changed params[{key!r}]: leave the caller's arrays alone"
    assert np.array_equal(np.asarray(after_X), X) and np.array_equal(np.asarray(after_y), y), \
        "tape_loss_and_gradients changed X or y"


# ---- tf.data ---------------------------------------------------------------------------------

def passes(student, X, y, batch_size, count, **kwargs):
    """The batches of ``count`` passes over ``make_dataset(X, y, batch_size, **kwargs)``, as numpy arrays."""
    steps = [step("dataset", "make_dataset", X, y, batch_size, **kwargs)]
    for i in range(count):
        steps += [step(f"iterator{i}", Attr("dataset", "as_numpy_iterator")),
                  step(f"pass{i}", Library("builtins", "list"), Ref(f"iterator{i}"))]
    try:
        return student.chain(steps, returns=[f"pass{i}" for i in range(count)])
    except StudentError as err:
        raise _not_a_tensor(err, "make_dataset") from None


def expect_batches(batches, X, y, batch_size, what):
    sizes = [min(batch_size, len(y) - start) for start in range(0, len(y), batch_size)]
    assert isinstance(batches, list) and all(isinstance(b, (tuple, list)) and len(b) == 2 for b in batches), \
        f"{what}: every element of the dataset must be a pair (x_batch, y_batch)"
    got = [len(np.asarray(b[1])) for b in batches]
    assert got == sizes, f"{what}: the batch sizes should be {sizes[:4]}{'...' if len(sizes) > 4 else ''}, got {got[:6]}"
    xs = [expect_array(b[0], f"{what}: x_batch", dtype=np.float32) for b in batches]
    ys = [expect_array(b[1], f"{what}: y_batch", dtype=np.int64) for b in batches]
    xs, ys = np.concatenate(xs), np.concatenate(ys)
    assert xs.shape == X.shape, f"{what}: the x batches must have {X.shape[1]} columns, like X"
    assert sorted(ys.tolist()) == sorted(y.tolist()) and np.array_equal(np.sort(xs[:, 0]), np.sort(X[:, 0].astype(np.float32))), \
        f"{what}: every example must come exactly once per pass"
    assert np.array_equal(xs[:, 0], X[ys, 0].astype(np.float32)), f"{what}: rows and labels got separated"
    return ys


def numbered(rng, n, d):
    """Examples whose label is their row number, so the order of a pass can be read from the labels."""
    return rng.normal(size=(n, d)), np.arange(n)


@grades(DATASET, values_of="make_dataset")
def test_dataset_without_shuffling_keeps_the_order_in_batches(student, rng):
    """shuffle=False gives the examples in order, in batches of batch_size, the last one smaller"""
    for n, batch in ((10, 4), (33, 8), (5, 5), (7, 10)):
        X, y = numbered(rng, n, int(rng.integers(1, 4)))
        (batches,) = passes(student, X, y, batch, 1, shuffle=False)
        order = expect_batches(batches, X, y, batch, f"make_dataset(X, y, {batch}, shuffle=False) with {n} examples")
        assert np.array_equal(order, y), "with shuffle=False the examples must come in the order of X"


@grades(DATASET, property_of="make_dataset")
def test_dataset_shuffles_completely_and_anew_every_pass(student, rng):
    """shuffle=True: every example once per pass, a different order in each pass, rows and labels together"""
    X, y = numbered(rng, 120, 2)
    first, second = passes(student, X, y, 16, 2, shuffle=True, seed=3)
    what = "make_dataset(X, y, 16, shuffle=True) with 120 examples"
    first, second = expect_batches(first, X, y, 16, what), expect_batches(second, X, y, 16, what)
    assert not np.array_equal(first, y), f"{what} did not shuffle"
    assert not np.array_equal(first, second), f"{what} gave the same order in two passes: reshuffle every pass"
    assert np.mean(first[:60] >= 60) > 0.25, f"{what} shuffled only a little: use a buffer as large as the data"


@grades(DATASET, property_of="make_dataset")
def test_dataset_converts_dtypes(student, rng):
    """integer features become float32 and int32 labels int64"""
    X, y = rng.integers(0, 9, size=(9, 3)), np.arange(9, dtype=np.int32)
    (batches,) = passes(student, X, y, 4, 1, shuffle=False)
    expect_batches(batches, X, y.astype(np.int64), 4, "make_dataset(X, y, 4) with integer X and int32 y")


# ---- the Keras network ------------------------------------------------------------------------

def build(student, seed, **kwargs):
    """``build_mlp(**kwargs)``'s network as the grader reads it (a ``ModelSpec``) and its initial weights."""
    text, weights = built_model(student, seed, "build_mlp", "train_mlp", **kwargs)
    return reference.network(text), weights


def the_call(kwargs) -> str:
    return "build_mlp(" + ", ".join(f"{name}={value}" for name, value in kwargs.items()) + ")"


OTHER = {"input_dim": 5, "num_classes": 4, "hidden_units": 16, "dropout_rate": 0.5}


@pytest.fixture(scope="module", params=[{}, OTHER], ids=["defaults", "other arguments"])
def built(request, student, grading_seed):
    return request.param, *build(student, grading_seed, **request.param)


@grades(BUILD)
def test_mlp_is_compiled_from_built_in_layers(built):
    """build_mlp returns a compiled model of Keras's built-in layers"""
    args, spec, _ = built
    assert spec.compiled, "build_mlp must compile the model (model.compile(...)) before returning it"


@grades(BUILD)
def test_mlp_has_the_asked_shapes_and_softmax_output(built, evaluator, rng):
    """inputs of input_dim features, num_classes probabilities out, with the defaults and with other arguments"""
    args, spec, weights = built
    dim, classes = args.get("input_dim", 2), args.get("num_classes", 3)
    call = the_call(args)
    assert spec.input_shape == (dim,), \
        f"{call} gives a model that takes inputs of shape {spec.input_shape}, not {dim} features: use input_dim"
    assert spec.output_shape == (classes,), \
        f"{call} must output {classes} probabilities per example, not {spec.output_shape}"
    probs = reference.predict(evaluator, spec, weights, rng.normal(size=(3, dim)).astype(np.float32))
    assert np.all(probs >= 0) and np.allclose(probs.sum(axis=1), 1, atol=1e-4), \
        f"{call} must output probabilities: end with a softmax activation"


@grades(BUILD)
def test_mlp_has_relu_hidden_layers_and_dropout(built):
    """hidden Dense layers of hidden_units units with ReLU, and a Dropout layer with rate dropout_rate"""
    args, spec, _ = built
    call = the_call(args)
    hidden = [layer for layer in spec.layers if layer.kind == "Dense"][:-1]
    units = args.get("hidden_units", 64)
    assert hidden, f"{call} has no hidden Dense layer"
    assert all(layer.declared["units"] == units and layer.declared["activation"] == "relu" for layer in hidden), \
        f"{call}: every hidden Dense layer must have {units} units and a ReLU activation"
    rates = [layer.declared.get("rate") for layer in spec.layers if layer.kind == "Dropout"]
    rate = args.get("dropout_rate", 0.2)
    assert any(r is not None and math.isclose(r, rate) for r in rates), \
        f"{call} must have a Dropout layer with rate {rate}; its rates: {rates}"


@pytest.fixture(scope="module")
def trained(student, grading_seed, evaluator):
    X, y = reference.spirals(grading_seed, 200, 0)
    X_held_out, y_held_out = reference.spirals(grading_seed, 200, 1)
    perm = reference.relabelling(grading_seed)
    text, weights, history = trained_model(student, grading_seed, "build_mlp", "train_mlp", (X, perm[y]),
                                           limit_s=reference.TRAINING_LIMIT_S,
                                           speed_up="train for fewer epochs or use larger batches")
    predicted = reference.predict_classes(evaluator, reference.network(text), weights, X_held_out)
    if float(np.mean(predicted == y_held_out)) > 0.6:
        advice = (": it predicts the spirals' usual labels, not the ones it was given. train_mlp must train on "
                  "the X and y it receives (the grader renames the classes to check this)")
    else:
        advice = ": train for more epochs, or check the learning rate and the network"
    return {"history": history, "accuracy": float(np.mean(predicted == perm[y_held_out])), "advice": advice}


@grades(TRAIN)
def test_train_mlp_returns_the_history_of_its_training(trained):
    """train_mlp returns the Keras History of its training, with the loss going down"""
    expect_training_history(trained["history"], "train_mlp")


@grades(TRAIN)
@pytest.mark.parametrize("needed", reference.ACCURACY_STEPS, ids=lambda a: f"{a:.0%}")
def test_trained_network_classifies_held_out_spirals(trained, needed):
    """of 600 held-out spiral points, the trained network classifies at least this share correctly"""
    expect_accuracy(trained["accuracy"], needed, trained["advice"])
