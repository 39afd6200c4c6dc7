"""The TensorFlow assignment's references.

``standardize`` in numpy; the two-layer network's loss and gradients are the backprop
assignment's own reference (the point of the exercise: the tape reproduces them); the
spirals are drawn here, in the grader; a network is read from its configuration with the
CNN assignment's allowlist of Keras's built-in layers (``model_config``) and rebuilt and run by
the CNN's evaluator operations (``evaluator_ops.py`` is a link to the CNN's), in a sandboxed
process: the grader's own process never builds a student's model.
"""

from __future__ import annotations

import numpy as np

from autograders.assignments.backprop.reference import PARAM_KEYS, make_spirals, two_layer_net_loss  # noqa: F401
from autograders.assignments.cnn.model_config import ModelSpec, parse
from autograders.assignments.cnn.reference import expect_within_limits, predict, predict_classes  # noqa: F401
from autograders.checklib import moving_every_class

TRAINING_LIMIT_S = 60.0
ACCURACY_STEPS = (0.75, 0.80, 0.85, 0.90)  # held-out accuracy for each quarter of the training points
NUM_CLASSES = 3


def standardize(x) -> np.ndarray:
    values = np.array(x, dtype=float)
    spread = values.std(axis=0, keepdims=True)
    centred = values - values.mean(axis=0, keepdims=True)
    return np.where(spread > 0, centred / np.where(spread > 0, spread, 1.0), 0.0).astype(np.float32)


def spirals(seed: int, n_per_class: int, part: int):
    """Spirals drawn in the grader: ``part`` 0 to train on, 1 held out (its labels never reach the kernel)."""
    return make_spirals(np.random.default_rng([seed, 20, part]), n_per_class, NUM_CLASSES)


def relabelling(seed) -> np.ndarray:
    """A permutation of the classes that moves every class: only a train_mlp that learns the labels it is given scores."""
    return moving_every_class(np.random.default_rng([seed, 21]), NUM_CLASSES)


def network(text) -> ModelSpec:
    """The network ``model.to_json()`` describes, on vectors of features, within the CNN's limits; else
    ModelProblem saying why not."""
    spec = parse(text, input_rank=1)
    expect_within_limits(spec)
    return spec
