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
    """Computes each column minus its mean, divided by its standard deviation (divided by N, as
    ``tf.math.reduce_std``); a column whose values are all equal becomes zeros, no NaN or inf.

    Inputs:
    - x: A numpy array (or nested list) of N examples with D features each, of shape (N, D), any real dtype

    Returns:
    - A float32 numpy array of shape (N, D) (the student returns a tf.Tensor; the grader compares its .numpy())
    """
    values = np.array(x, dtype=float)
    spread = values.std(axis=0, keepdims=True)
    centred = values - values.mean(axis=0, keepdims=True)
    return np.where(spread > 0, centred / np.where(spread > 0, spread, 1.0), 0.0).astype(np.float32)


def spirals(seed: int, n_per_class: int, part: int):
    """Draws spirals in the grader, as backprop's make_spirals, NUM_CLASSES arms, from ``[seed, 20, part]``.

    Inputs:
    - seed: The seed of this grading
    - n_per_class: The number of points in each arm
    - part: 0 for the points to train on, 1 for those held out (their labels never reach the kernel)

    Returns a tuple of:
    - X: A numpy array of points, of shape (NUM_CLASSES * n_per_class, 2)
    - y: A numpy array of integer labels in [0, NUM_CLASSES), of shape (NUM_CLASSES * n_per_class,)
    """
    return make_spirals(np.random.default_rng([seed, 20, part]), n_per_class, NUM_CLASSES)


def relabelling(seed) -> np.ndarray:
    """Draws a permutation of the classes that moves every class: only a train_mlp that learns the labels it
    is given scores.

    Inputs:
    - seed: The seed of this grading

    Returns:
    - A numpy array of shape (NUM_CLASSES,): class k is relabelled as relabelling(seed)[k]
    """
    return moving_every_class(np.random.default_rng([seed, 21]), NUM_CLASSES)


def network(text) -> ModelSpec:
    """Reads the network a student's ``model.to_json()`` describes, on vectors of features, within the CNN's
    limits.

    Inputs:
    - text: The configuration, JSON text from the student's kernel (untrusted: read by an allowlist)

    Returns:
    - The network as a ModelSpec, its input_shape (D,)

    Raises ModelProblem, saying why, for a configuration that is not a chain of built-in layers or is over the
    limits.
    """
    spec = parse(text, input_rank=1)
    expect_within_limits(spec)
    return spec
