"""The CNN assignment's references: TensorFlow itself, the held-out digits, and the grader's
judgement of a student's model.

Convolution and pooling are compared with ``tf.nn.conv2d`` and ``tf.nn.max_pool2d``, which the
contract names as the definition; they run in the assignment's evaluator (``evaluator_ops.py``),
so the grader's own process never loads TensorFlow. A trained model is judged from plain data: its
configuration (JSON text) is read by ``model_config`` (an allowlist; parameters and multiply-adds
computed before anything is built), its weights are checked against that, and the evaluator
rebuilds it from the checked description to predict digits whose labels stay here.
"""

from __future__ import annotations

import functools
import importlib.util
import os

import numpy as np

from autograders.engine.evaluator import EvaluatorError, EvaluatorFailed

from .model_config import ModelProblem, ModelSpec

MAX_PARAMETERS = 100_000
# not in the contract's words, but implied by its 120 s of training on 2 CPU cores: a model that needs more
# multiply-adds per image cannot train on 4,000 digits in that time (the course's CNNs need under 3 million)
MAX_MULTIPLY_ADDS = 20_000_000
# values per image in any layer: the evaluator predicts in batches, within the sandbox's memory
MAX_ACTIVATION_VALUES = 1_000_000
FULL_CREDIT_ACCURACY, PARTIAL_CREDIT_FROM = 0.95, 0.80
TRAINING_LIMIT_S = 120.0


def conv2d_forward(evaluator, cases) -> list:
    """Computes ``tf.nn.conv2d(x, w, stride, padding) + b`` (a cross-correlation plus bias) for each case, in the
    evaluator.

    Inputs:
    - evaluator: The assignment's Evaluator (``autograders.engine.evaluator``)
    - cases: A list of tuples ``(x, w, b, stride, padding)``:
      - x: Input images, NHWC, a float numpy array of shape (N, H, W, C_in)
      - w: Filters, of shape (KH, KW, C_in, C_out)
      - b: Biases, of shape (C_out,)
      - stride: An int >= 1, the same along height and width
      - padding: "valid" or "same"

    Returns:
    - A list with one numpy array per case, of shape (N, H_out, W_out, C_out): "valid" gives
      H_out = (H - KH) // stride + 1, "same" gives H_out = ceil(H / stride) (width alike)
    """
    return evaluator.starmap("conv2d", cases)


def max_pool_forward(evaluator, cases) -> list:
    """Computes ``tf.nn.max_pool2d(x, pool_size, stride, "VALID")`` for each case, in the evaluator.

    Inputs:
    - evaluator: The assignment's Evaluator
    - cases: A list of tuples ``(x, pool_size, stride)``: x of shape (N, H, W, C) (NHWC), pool_size and
      stride ints >= 1, the same along height and width

    Returns:
    - A list with one numpy array per case, of shape (N, H_out, W_out, C), where
      H_out = (H - pool_size) // stride + 1 (width alike)
    """
    return evaluator.starmap("max_pool", cases)


# ---- data --------------------------------------------------------------------

@functools.cache
def _digits_module(assignment_dir: str):
    """Loads the course's own ``digits.py``: the split that students' notebooks use, defined in one place.

    Inputs:
    - assignment_dir: The CNN assignment's source folder, as a str (the cache's key)

    Returns:
    - The module, loaded once per folder
    """
    spec = importlib.util.spec_from_file_location("_cnn_digits", os.path.join(assignment_dir, "digits.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def training_and_held_out(assignment_dir):
    """Gives the digits the grader trains a student's model on (the notebook's training and validation
    digits together, shuffled) and those it measures accuracy on (held out: their labels stay here).

    Inputs:
    - assignment_dir: The CNN assignment's source folder (with ``digits.py``)

    Returns a tuple of:
    - (x_train, y_train): float32 images in [0, 1] of shape (4000, 28, 28, 1), int64 labels of shape (4000,)
    - (x_held_out, y_held_out): the same for the 1,000 held-out digits
    """
    digits = _digits_module(str(assignment_dir))
    train, validation, held_out = digits.split_indices()
    both = np.concatenate([train, validation])
    return digits.images_and_labels(np.random.default_rng(7).permutation(both)), digits.images_and_labels(held_out)


# ---- the student's model, judged here -----------------------------------------

def expect_within_limits(spec: ModelSpec):
    """Refuses a model above the contract's limits before anything is built: the grader builds none.

    Inputs:
    - spec: The model as ``model_config.parse`` read it

    Raises ModelProblem, saying by how much the model is over which limit and what to do, when it has more than
    MAX_PARAMETERS parameters, MAX_MULTIPLY_ADDS multiply-adds per image or MAX_ACTIVATION_VALUES values per
    image in one layer.
    """
    if spec.parameters > MAX_PARAMETERS:
        raise ModelProblem(f"the model has {spec.parameters:,} parameters, more than {MAX_PARAMETERS:,}: use fewer "
                           "filters or units, or pool before the Dense layer (the grader evaluates no model this size)")
    if spec.multiply_adds > MAX_MULTIPLY_ADDS:
        raise ModelProblem(f"the model needs {spec.multiply_adds:,} multiply-adds per image, more than "
                           f"{MAX_MULTIPLY_ADDS:,}, so it could not train within {TRAINING_LIMIT_S:g} s: use fewer "
                           "filters or pool earlier (the grader evaluates no model this costly)")
    if spec.largest_activation > MAX_ACTIVATION_VALUES:
        raise ModelProblem(f"one of the model's layers outputs {spec.largest_activation:,} values per image, more "
                           f"than {MAX_ACTIVATION_VALUES:,}: pool earlier or use fewer filters (the grader evaluates "
                           "no model this large)")


def _expect_weights_fit(spec: ModelSpec, weights):
    """Raises ModelProblem unless weights is a list of float numpy arrays of the shapes spec.weight_shapes."""
    shapes = spec.weight_shapes
    if type(weights) is not list or len(weights) != len(shapes):
        count = len(weights) if type(weights) is list else "no list of"
        raise ModelProblem(f"the trained model has {count} weight arrays; its configuration needs {len(shapes)}")
    for i, (array, shape) in enumerate(zip(weights, shapes), 1):
        if not isinstance(array, np.ndarray) or array.shape != shape or array.dtype.kind != "f":
            raise ModelProblem(f"weight array {i} of the trained model does not fit its configuration "
                               f"(floats of shape {shape})")


def predict(evaluator, spec: ModelSpec, weights, x) -> np.ndarray:
    """Computes the model's outputs for images x, in the evaluator, which rebuilds the model from spec.

    Inputs:
    - evaluator: The assignment's Evaluator
    - spec: The model as ``model_config.parse`` read it, within expect_within_limits
    - weights: The trained model's weights, a list of float numpy arrays of the shapes ``spec.weight_shapes``;
      None keeps the freshly initialised ones
    - x: A numpy array of N inputs, of shape (N, *spec.input_shape)

    Returns:
    - out: A numpy array of shape (N, *spec.output_shape) (class probabilities, for the course's models)

    Raises ModelProblem, with a message for the student, for a model over the limits, weights that do not fit
    spec, or a model the evaluator could not rebuild or run.
    """
    expect_within_limits(spec)
    if weights is not None:
        _expect_weights_fit(spec, weights)
    try:
        out = evaluator.call("predict", list(spec.input_shape), spec.rebuilt_layers(), weights, x)
    except EvaluatorError as exc:
        raise ModelProblem(f"the grader could not rebuild your model from model.to_json() ({exc})") from None
    except EvaluatorFailed as exc:
        raise ModelProblem(f"the grader could not evaluate your model: {exc}") from None
    if not isinstance(out, np.ndarray) or out.shape != (len(x), *spec.output_shape):
        raise ModelProblem("the grader could not evaluate your model (its outputs did not have the expected shape)")
    return out


def predict_classes(evaluator, spec: ModelSpec, weights, x) -> np.ndarray:
    """Computes the class with the largest output for each input, as predict does.

    Inputs:
    - evaluator, spec, weights, x: As for predict; x of shape (N, *spec.input_shape)

    Returns:
    - classes: A numpy array of integer classes, of shape (N,)
    """
    return np.argmax(predict(evaluator, spec, weights, x).reshape(len(x), -1), axis=1)
