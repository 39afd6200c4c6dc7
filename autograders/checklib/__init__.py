"""Everything a hidden check uses, imported from here: ``from autograders.checklib import ...``.

A hidden check (``autograders/assignments/<name>/hidden_checks.py``) is a pytest test that runs in
the grader's process and reaches the student's code only through the kernel handle:

- **The kernel handle**, the ``student`` fixture (``StudentKernel``, ``engine/bridge.py``):
  ``call(name, *args, timeout=, strict=, **kwargs)``, ``map`` and ``starmap`` (many calls in one
  round trip), ``call_with_inputs`` (and the arguments after the call), ``get`` (a variable) and
  ``chain`` (dependent calls whose results stay in the kernel). Plain data in and out (``Plain``);
  what goes wrong in the student's code raises a ``CheckProblem`` (``StudentError``, ``CallTimeout``
  and ``OutOfTime``, ``NotPlainData``, ``KernelGone``) whose message the student reads.
- **Chains** name their results as assignments do (``engine/chain.py``)::

      out, dx = student.chain([step("out, cache", "relu_forward", x),
                               step("dx", "relu_backward", dout, Ref("cache"))], returns=["out", "dx"])

  A step's target is a student's function by name, ``Attr("model", "to_json")`` (a method of an
  earlier result) or ``Library("keras.utils", "set_random_seed")``; ``Rng(seed)`` is a fresh
  ``np.random.default_rng(seed)`` made in the kernel.
- **Fixtures** (``checklib/fixtures.py``, with their docstrings): ``student``, ``rng``,
  ``grading_seed``, ``student_id``, ``assignment_dir``, ``evaluator``.
- **What a check counts towards and is about** (``marks.py``): ``@grades("<test cell>",
  values_of="f")`` or ``property_of="f"`` (``engine/gating.py``: a property counts only when the
  function's values are right).
- **Helpers**: assertions with messages a student can act on (``expect.py``), numerical gradients
  of the student's own functions (``gradients.py``), Keras models built and trained in the kernel
  (``keras_models.py``).
"""

from autograders.engine.bridge import (CallTimeout, CheckProblem, KernelGone, NotPlainData, OutOfTime, Plain,
                                       StudentError, StudentKernel)
from autograders.engine.chain import Attr, ChainError, Library, Ref, Step, step
from autograders.engine.gating import property_of, values_of
from autograders.engine.wire import Rng

from .expect import expect_array, expect_close, expect_finite, expect_raises, fmt, rel_error, unpack
from .marks import grades
from .gradients import (away_from_kink, centred_differences, numerical_derivative, numerical_gradient,
                        perturbed)
from .keras_models import (built_model, expect_accuracy, expect_training_history, keras_seeded, model_problem,
                           moving_every_class, trained_model)

__all__ = [
    # the kernel handle and what it raises
    "StudentKernel", "Plain", "CheckProblem", "StudentError", "CallTimeout", "OutOfTime", "NotPlainData",
    "KernelGone",
    # chains
    "step", "Step", "Ref", "Attr", "Library", "Rng", "ChainError",
    # what a check counts towards and is about
    "grades", "values_of", "property_of",
    # assertions
    "expect_array", "expect_close", "expect_finite", "expect_raises", "unpack", "fmt", "rel_error",
    # numerical gradients
    "away_from_kink", "numerical_derivative", "numerical_gradient", "perturbed", "centred_differences",
    # Keras models
    "keras_seeded", "model_problem", "built_model", "trained_model", "expect_training_history", "expect_accuracy",
    "moving_every_class",
]
