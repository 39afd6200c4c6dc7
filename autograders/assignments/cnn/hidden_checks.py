"""Hidden checks for the CNN assignment.

Convolution and pooling are compared with TensorFlow's own ops (run by the assignment's
evaluator) on random shapes, strides and both paddings. The Keras model is judged from plain
data: the student's kernel builds and trains it, then sends back only its configuration (JSON)
and weights (arrays); the grader reads the configuration with an allowlist and computes its cost
(``model_config``), and its evaluator rebuilds the model from that and predicts held-out digits
whose labels never leave the grader. Training and held-out digits are shown under the student's
own secret view (``secret_view``: turned, maybe mirrored, classes renamed), so only a ``train_cnn``
that trains on the data it is given can score: public digits, with their labels, teach the wrong view.
"""

import math
from pathlib import Path
from collections import defaultdict

import numpy as np
import pytest

from autograders.assignments.cnn import model_config, reference
from autograders.assignments.cnn.secret_view import SecretView, course_key
from autograders.checklib import (built_model, expect_accuracy, expect_array, expect_close, expect_training_history,
                                  grades, rel_error, trained_model)

CONV, POOL, BUILD, TRAIN = "test_conv2d_forward", "test_max_pool_forward", "test_build_cnn", "test_train_cnn"
TOL = 1e-5  # float32 arithmetic in the student's code is fine


# ---- convolution ---------------------------------------------------------------

def conv_case(rng, kernel, stride, padding, batch=None):
    kh, kw = kernel
    low_h, low_w = (kh, kw) if padding == "valid" else (1, 1)
    x = rng.normal(size=(batch or int(rng.integers(1, 4)), int(rng.integers(max(low_h, 5), 13)),
                         int(rng.integers(max(low_w, 5), 13)), int(rng.integers(1, 4))))
    w = rng.normal(size=(kh, kw, x.shape[3], int(rng.integers(1, 5))))
    b = rng.normal(size=w.shape[3])
    return x, w, b, stride, padding


def conv_outputs(student, cases):
    """The student's output for each case; calls with the same stride and padding share a round trip."""
    groups = defaultdict(list)
    for i, (x, w, b, stride, padding) in enumerate(cases):
        groups[stride, padding].append(i)
    out = [None] * len(cases)
    for (stride, padding), indices in groups.items():
        values = student.starmap("conv2d_forward", [cases[i][:3] for i in indices], stride=stride, padding=padding)
        for i, value in zip(indices, values):
            out[i] = value
    return out


def _symmetric_same(x, w, b, stride):
    """'same' with the extra padding row/column on the top/left (a common slip), as a 'valid' case."""
    h, wd = x.shape[1:3]
    pads = []
    for size, k in ((h, w.shape[0]), (wd, w.shape[1])):
        total = max((math.ceil(size / stride) - 1) * stride + k - size, 0)
        pads.append((total - total // 2, total // 2))
    return np.pad(x, [(0, 0), pads[0], pads[1], (0, 0)]), w, b, stride, "valid"


def expect_conv_matches_tensorflow(student, evaluator, cases):
    expected_all = reference.conv2d_forward(evaluator, cases)
    for (x, w, b, stride, padding), got, expected in zip(cases, conv_outputs(student, cases), expected_all):
        what = (f"conv2d_forward(x, w, b, stride={stride}, padding={padding!r}) with x of shape {x.shape} "
                f"and w of shape {w.shape}")
        got = expect_array(got, what, shape=expected.shape)
        if np.all(rel_error(got, expected) <= TOL):
            continue
        flipped, *alternative = reference.conv2d_forward(
            evaluator, [(x, w[::-1, ::-1], b, stride, padding)] + ([_symmetric_same(x, w, b, stride)]
                                                                   if padding == "same" else []))
        if np.all(rel_error(got, flipped) <= TOL):
            raise AssertionError(f"{what} flips the kernel: that is textbook convolution, but convolution layers "
                                 "(and this contract) compute cross-correlation, with the kernel as it is")
        if alternative:
            alternative = alternative[0]
            if alternative.shape == expected.shape and np.all(rel_error(got, alternative) <= TOL):
                raise AssertionError(f"{what} pads on the wrong side: when the total padding is odd, TensorFlow's "
                                     "'same' puts the extra row/column at the bottom/right")
        expect_close(got, expected, what, tol=TOL)


@grades(CONV, values_of="conv2d_forward")
def test_conv2d_matches_tensorflow_with_valid_padding(student, evaluator, rng):
    """'valid' convolution equals tf.nn.conv2d + b for kernels 1x1 to 5x5 and strides 1 to 3"""
    kernels = [(1, 1), (2, 2), (3, 3), (5, 5), (2, 3), (4, 1)]
    cases = [conv_case(rng, k, s, "valid") for k in kernels for s in (1, 2, 3)]
    expect_conv_matches_tensorflow(student, evaluator, cases)


@grades(CONV, values_of="conv2d_forward")
def test_conv2d_same_padding_matches_tensorflow_for_odd_and_even_kernels(student, evaluator, rng):
    """'same' convolution with stride 1 keeps the size and equals tf.nn.conv2d, odd and even kernels alike"""
    kernels = [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (2, 3)]
    expect_conv_matches_tensorflow(student, evaluator, [conv_case(rng, k, 1, "same") for k in kernels])


@grades(CONV, values_of="conv2d_forward")
def test_conv2d_same_padding_with_strides_pads_like_tensorflow(student, evaluator, rng):
    """'same' convolution with strides 2 and 3 gives ceil(H / stride) rows, padded asymmetrically like TensorFlow"""
    kernels = [(2, 2), (3, 3), (4, 4), (5, 5), (3, 2)]
    expect_conv_matches_tensorflow(student, evaluator, [conv_case(rng, k, s, "same") for k in kernels for s in (2, 3)])


@grades(CONV, values_of="conv2d_forward")
def test_conv2d_is_cross_correlation_with_one_bias_per_output_channel(student, evaluator, rng):
    """an asymmetric kernel on a single bright pixel is not flipped, and each output channel gets its own bias"""
    x = np.zeros((1, 7, 7, 1))
    x[0, 3, 3, 0] = 1.0
    w = np.arange(1.0, 1.0 + 3 * 3 * 1 * 3).reshape(3, 3, 1, 3)
    b = np.array([10.0, -20.0, 30.0])
    expect_conv_matches_tensorflow(student, evaluator, [(x, w, b, 1, "valid"), (x, w, b, 2, "same")])


# ---- max pooling ---------------------------------------------------------------

def expect_pool_matches_tensorflow(student, evaluator, cases):
    values = student.starmap("max_pool_forward", cases)
    for (x, size, stride), got, expected in zip(cases, values, reference.max_pool_forward(evaluator, cases)):
        what = f"max_pool_forward(x, pool_size={size}, stride={stride}) with x of shape {x.shape}"
        expect_close(expect_array(got, what, shape=expected.shape), expected, what, tol=TOL)


def pool_input(rng, low=4, high=12):
    return rng.normal(size=(int(rng.integers(1, 4)), int(rng.integers(low, high)), int(rng.integers(low, high)),
                            int(rng.integers(1, 4))))


@grades(POOL, values_of="max_pool_forward")
def test_max_pool_matches_tensorflow_for_2x2_windows_with_stride_2(student, evaluator, rng):
    """2x2 max pooling with stride 2 equals tf.nn.max_pool2d, odd sizes included (the last row/column is dropped)"""
    expect_pool_matches_tensorflow(student, evaluator, [(pool_input(rng), 2, 2) for _ in range(6)])


@grades(POOL, values_of="max_pool_forward")
def test_max_pool_follows_pool_size_and_stride(student, evaluator, rng):
    """windows of 3x3 with stride 2, 2x2 with stride 1, 3x3 with stride 3 and 4x4 with stride 2 match TensorFlow"""
    expect_pool_matches_tensorflow(student, evaluator, [(pool_input(rng, 5), size, stride)
                                             for size, stride in ((3, 2), (2, 1), (3, 3), (4, 2), (1, 1))])


@grades(POOL, values_of="max_pool_forward")
def test_max_pool_works_on_negative_activations(student, evaluator, rng):
    """the maximum of a window of negative values is negative, not 0"""
    expect_pool_matches_tensorflow(student, evaluator, [(-np.abs(pool_input(rng)) - 0.1, 2, 2),
                                             (-np.abs(pool_input(rng, 5)) - 0.1, 3, 2)])


# ---- the Keras model -------------------------------------------------------------

def build(student, seed, *args):
    """What ``build_cnn(*args)``'s model is, read from its configuration: a ``model_config.ModelSpec`` within the
    contract's limits (a model above them is refused, whatever else it gets right)."""
    text, _ = built_model(student, seed, "build_cnn", "train_cnn", *args)
    spec = model_config.parse(text)
    reference.expect_within_limits(spec)
    return spec


@pytest.fixture(scope="module")
def built(student, grading_seed):
    return build(student, grading_seed)


@grades(BUILD)
def test_build_cnn_returns_a_compiled_model_the_grader_can_rebuild(built):
    """build_cnn returns a compiled Keras model made of built-in layers"""
    assert built.compiled, \
        "build_cnn must compile the model (model.compile(optimizer=..., loss=..., metrics=[...])) before returning it"


@grades(BUILD)
def test_model_has_convolution_pooling_and_dropout_layers(built):
    """the model has at least one Conv2D, one MaxPooling2D and one Dropout layer"""
    missing = [k for k in ("Conv2D", "MaxPooling2D", "Dropout") if k not in built.kinds]
    assert not missing, f"the model has no {' and no '.join(missing)} layer; its layers are: {', '.join(built.kinds)}"


@grades(BUILD)
def test_model_outputs_softmax_probabilities_for_ten_digits(built, evaluator, rng):
    """on 28x28x1 images the model outputs 10 probabilities per image that sum to 1"""
    assert built.input_shape == (28, 28, 1) and built.output_shape == (10,), \
        f"for 28x28x1 images the model must output 10 values per image; it takes {built.input_shape} and outputs " \
        f"{built.output_shape}"
    probs = reference.predict(evaluator, built, None, rng.random((4, 28, 28, 1)).astype(np.float32))
    assert np.all(probs >= 0) and np.allclose(probs.sum(axis=1), 1, atol=1e-4), \
        "the model's outputs must be probabilities (>= 0, summing to 1 per image): end with a softmax activation"


@grades(BUILD)
def test_model_has_at_most_100000_parameters(built):
    """the model has at most 100,000 parameters (and needs at most 20 million multiply-adds per image)"""
    # ``built`` refuses a model over the limits, saying by how much: then this check fails with that message
    assert built.parameters <= reference.MAX_PARAMETERS, "the model has more than 100,000 parameters"


@grades(BUILD)
def test_build_cnn_follows_input_shape_and_num_classes(student, grading_seed):
    """build_cnn(input_shape=(32, 32, 3), num_classes=5) takes 32x32 colour images and outputs 5 probabilities"""
    spec = build(student, grading_seed, (32, 32, 3), 5)
    assert spec.input_shape == (32, 32, 3), \
        "build_cnn(input_shape=(32, 32, 3), num_classes=5) gives a model that does not take 32x32x3 images: use " \
        "input_shape for the model's input"
    assert spec.output_shape == (5,), ("build_cnn(input_shape=(32, 32, 3), num_classes=5) must output 5 probabilities "
                                       f"per image; its model outputs shape {spec.output_shape}")


# ---- training, judged on held-out digits -------------------------------------------

@pytest.fixture(scope="module")
def trained(student, student_id, grading_seed, assignment_dir, evaluator, built):
    """Build and train in the kernel, on the digits under this grading's secret view; the evaluator predicts the
    held-out digits under the same view, and upright with their own labels (what a model trained on public digits
    reads).

    A model the grader refuses (``built`` fails) is not trained at all.
    """
    (x_train, y_train), (x_held_out, y_held_out) = reference.training_and_held_out(assignment_dir)
    view = SecretView.draw(course_key(Path(assignment_dir).parents[1]), student_id)
    text, weights, history = trained_model(student, grading_seed, "build_cnn", "train_cnn",
                                           (view.images(x_train), view.labels(y_train)),
                                           limit_s=reference.TRAINING_LIMIT_S,
                                           speed_up="train for fewer epochs or use a smaller model")
    seen, upright = np.array_split(reference.predict_classes(
        evaluator, model_config.parse(text), weights, np.concatenate([view.images(x_held_out), x_held_out])), 2)
    accuracy = float(np.mean(seen == view.labels(y_held_out)))
    if float(np.mean(upright == y_held_out)) > 0.5:
        advice = (". It reads upright digits by their public labels, not the digits and labels it was given: "
                  "train_cnn must train on the x_train and y_train it receives (the grader turns, may mirror, "
                  "and relabels the digits it sends, in a way kept secret and yours alone)")
    elif accuracy < 0.2:
        advice = ". That is about chance: does train_cnn train the model it is given, for at least a few epochs?"
    else:
        advice = ": train for more epochs, or check the learning rate and the model's architecture"
    return {"history": history, "accuracy": accuracy, "advice": advice}


@grades(TRAIN)
def test_train_cnn_returns_the_history_of_its_training(trained):
    """train_cnn returns the Keras History of at least one epoch of training"""
    expect_training_history(trained["history"], "train_cnn", "at least one epoch's loss")


@grades(TRAIN)
@pytest.mark.parametrize("needed", [0.80, 0.85, 0.90, reference.FULL_CREDIT_ACCURACY], ids=lambda a: f"{a:.0%}")
def test_trained_model_recognises_held_out_digits(trained, needed):
    """of the 1,000 held-out digits, the trained model classifies at least this share correctly"""
    expect_accuracy(trained["accuracy"], needed, trained["advice"])
