"""The CNN assignment's references: TensorFlow itself, the held-out digits, and
the grader's own copy of a student's model.

Convolution and pooling are compared with ``tf.nn.conv2d`` and ``tf.nn.max_pool2d``,
which the contract names as the definition. A trained model is judged here, in the
grader's process: its configuration and weights come from the student's kernel as
plain data (JSON text and arrays), the model is rebuilt from Keras's own built-in
layers, and it predicts digits whose labels never reach the student's kernel.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os

import numpy as np

from autograders.quiet import start_up_lines_dropped

with start_up_lines_dropped():
    import keras
    import tensorflow as tf

MAX_PARAMETERS = 100_000
FULL_CREDIT_ACCURACY, PARTIAL_CREDIT_FROM = 0.95, 0.80
TRAINING_LIMIT_S = 120.0


def conv2d_forward(x, w, b, stride=1, padding="valid"):
    return tf.nn.conv2d(x, w, strides=stride, padding=padding.upper()).numpy() + b


def max_pool_forward(x, pool_size=2, stride=2):
    return tf.nn.max_pool2d(x, pool_size, stride, "VALID").numpy()


# ---- data --------------------------------------------------------------------

@functools.cache
def _digits_module(assignment_dir: str):
    """The course's own ``digits.py``: the split that students' notebooks use, defined in one place."""
    spec = importlib.util.spec_from_file_location("_cnn_digits", os.path.join(assignment_dir, "digits.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def training_and_held_out(assignment_dir):
    """``(x_train, y_train), (x_held_out, y_held_out)``: the grader trains on training + validation, shuffled."""
    digits = _digits_module(str(assignment_dir))
    train, validation, held_out = digits.split_indices()
    both = np.concatenate([train, validation])
    return digits.images_and_labels(np.random.default_rng(7).permutation(both)), digits.images_and_labels(held_out)


def relabelling(seed) -> np.ndarray:
    """A permutation of the 10 digit classes that moves every class.

    The grader trains on relabelled digits: a ``train_cnn`` that trains on the data it
    is given learns the new labels as easily as the old ones, while one that loads the
    digits (and their true labels) itself predicts the wrong class for every image.
    """
    rng = np.random.default_rng([seed, 6])
    while True:
        perm = rng.permutation(10)
        if np.all(perm != np.arange(10)):
            return perm


# ---- the student's model, rebuilt here -----------------------------------------

class ModelProblem(AssertionError):
    """The model's configuration or weights cannot be used: the message says why."""


def _keras_objects(config):
    """(module, class_name, registered_name) of every serialized object in a Keras config."""
    stack, found = [config], []
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "class_name" in node and "module" in node:
                found.append((node.get("module"), node.get("class_name"), node.get("registered_name")))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def parse_model_config(text: str) -> dict:
    """The model's JSON configuration, refusing anything but Keras's built-in objects."""
    try:
        config = json.loads(text)
    except (TypeError, ValueError):
        raise ModelProblem("model.to_json() did not return a model configuration") from None
    if not isinstance(config, dict) or "config" not in config:
        raise ModelProblem("model.to_json() did not return a model configuration")
    for module, class_name, registered in _keras_objects(config):
        builtin = isinstance(module, str) and (module == "keras" or module.startswith("keras."))
        if not builtin or class_name in ("Lambda", "TFSMLayer") or registered not in (None, class_name):
            raise ModelProblem(
                f"the model uses {class_name!s:.60}, which is not one of Keras's built-in layers; the grader "
                "rebuilds your model from its configuration, so use built-in layers (Conv2D, MaxPooling2D, "
                "Dropout, Dense, ...) in a Sequential or functional model")
    return config


def rebuild(config: dict, weights=None):
    """The student's model, rebuilt in the grader from its configuration (and trained weights)."""
    try:
        model = keras.models.model_from_json(json.dumps(config))
    except Exception as exc:  # Keras's refusal, in its own words
        raise ModelProblem(f"the grader could not rebuild your model from model.to_json(): "
                           f"{type(exc).__name__}: {str(exc)[:200]}") from None
    if weights is not None:
        try:
            model.set_weights([np.asarray(w) for w in weights])
        except Exception as exc:
            raise ModelProblem(f"the trained weights do not fit the model's configuration ({str(exc)[:200]})") from None
    return model


def layer_kinds(model) -> list[str]:
    """Class names of every layer, nested models included."""
    kinds = []
    for layer in model.layers:
        kinds.append(type(layer).__name__)
        if hasattr(layer, "layers"):
            kinds += layer_kinds(layer)
    return kinds


def predict_classes(model, x) -> np.ndarray:
    return np.argmax(model.predict(x, batch_size=500, verbose=0), axis=1)
