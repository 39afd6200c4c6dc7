"""Keras models built and trained in the student's kernel (the CNN, the TensorFlow assignment).

A model never crosses the bridge: the kernel sends back its configuration (JSON, read by an
allowlist in the grader), its weights (arrays) and its training history (a dict), and the grader
judges those.
"""

from __future__ import annotations

import numpy as np

from autograders.engine.bridge import CallTimeout, OutOfTime, StudentError, StudentKernel
from autograders.engine.chain import Attr, Library, Ref, Step, step


def keras_seeded(seed: int) -> list[Step]:
    """Chain steps that make Keras's initial weights and TensorFlow's ops reproducible in the kernel."""
    return [step(None, Library("keras.utils", "set_random_seed"), int(seed)),
            step(None, Library("tensorflow.config.experimental", "enable_op_determinism"))]


def model_problem(err: StudentError, build: str, train: str) -> Exception:
    """``err`` as the student should read it: a failure in a method the grader called on what ``build`` returned
    means ``build`` returned no Keras model."""
    if err.name in (build, train):
        return err
    return AssertionError(f"{build} must return a Keras model (model.{err.name}() failed: {err.message[:200]})")


def built_model(student: StudentKernel, seed: int, build: str, train: str, *args, **kwargs) -> tuple[str, list]:
    """The configuration (JSON text) and initial weights of ``build(*args, **kwargs)``'s model, seeded;
    ``train`` names the training function in messages."""
    steps = keras_seeded(seed) + [step("model", build, *args, **kwargs),
                                  step("config", Attr("model", "to_json")),
                                  step("weights", Attr("model", "get_weights"))]
    try:
        return student.chain(steps, returns=["config", "weights"])
    except StudentError as err:
        raise model_problem(err, build, train) from None


def trained_model(student: StudentKernel, seed: int, build: str, train: str, data: tuple, *, limit_s: float,
                  speed_up: str) -> tuple[str, list, dict | None]:
    """``model = build()``, ``train(model, *data)`` in the kernel, seeded: the trained model's configuration
    (JSON text), its weights and its ``History.history``, or None when ``train`` returned no History.

    Building and training together get ``limit_s`` seconds; past it the student reads ``speed_up``.
    """
    steps = keras_seeded(seed) + [
        step("model", build), step("history", train, Ref("model"), *data),
        step("config", Attr("model", "to_json")), step("weights", Attr("model", "get_weights")),
        step("losses", Library("builtins", "getattr"), Ref("history"), "history", None)]
    try:
        return student.chain(steps, returns=["config", "weights", "losses"], timeout=limit_s)
    except OutOfTime:
        raise
    except CallTimeout:
        raise AssertionError(f"building and training your model took longer than {limit_s:g} s on the grading "
                             f"machine (2 CPU cores): {speed_up}") from None
    except StudentError as err:
        raise model_problem(err, build, train) from None


def expect_training_history(history, train: str, what: str = "each epoch's loss") -> None:
    """``history`` (the ``History`` that ``train`` returned, as its dict) records finite losses going down."""
    assert isinstance(history, dict) and history.get("loss"), \
        f"{train} must return what model.fit(...) returns (a History with {what})"
    losses = history["loss"]
    assert all(isinstance(v, (int, float, np.number)) and np.isfinite(float(v)) for v in losses), \
        "the training loss must be finite numbers"
    assert len(losses) == 1 or losses[-1] < losses[0], \
        f"the training loss did not go down ({losses[0]:.3f} after the first epoch, {losses[-1]:.3f} after the last)"


def expect_accuracy(accuracy: float, needed: float, advice: str) -> None:
    """At least ``needed`` of the held-out examples classified right; below it the student reads the share that was
    and ``advice``: what the grader's view of the model suggests doing."""
    if accuracy < needed:
        raise AssertionError(f"it classified {accuracy:.1%} correctly{advice}")


def moving_every_class(rng: np.random.Generator, num_classes: int) -> np.ndarray:
    """A permutation of the classes that moves every class: only a network that learns the labels it is given
    scores, not one that brings its own."""
    while True:
        perm = rng.permutation(num_classes)
        if np.all(perm != np.arange(num_classes)):
            return perm
