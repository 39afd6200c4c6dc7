"""The fixtures a hidden check may ask for, by name: the hidden checks' conftest.

The engine loads this module into every run of an assignment's checks (``engine/checks.py``) and
hands it what one grading has (``Grading``). A check asks for what it needs as arguments, e.g.
``def test_softmax_rows_sum_to_one(student, rng)``; a check module may build its own fixtures from
these (the CNN's trained model is one, shared by its checks with ``scope="module"``).
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest

from autograders.engine.bridge import StudentKernel
from autograders.engine.checks import GRADING


@pytest.fixture(scope="session")
def student(request) -> StudentKernel:
    """The student's kernel, after their cells ran: ``call``, ``map``, ``starmap``, ``chain``, ``call_with_inputs``
    and ``get`` (``engine/bridge.py``). Plain data in and out, with a time limit per call."""
    return request.config.stash[GRADING].student


@pytest.fixture
def rng(request, grading_seed) -> np.random.Generator:
    """A generator for the check's own inputs, seeded by ``--seed`` and the check's name (parameters included):
    adding a check does not change the inputs of the others."""
    return np.random.default_rng([grading_seed, zlib.crc32(request.node.name.encode())])


@pytest.fixture(scope="session")
def grading_seed(request) -> int:
    """The ``--seed`` of this grading, for checks that draw once per notebook (a model's initial weights)."""
    return request.config.stash[GRADING].seed


@pytest.fixture(scope="session")
def student_id(request) -> str | None:
    """Whose notebook this is: per-student variants (the quiz's numbers, the CNN's secret view) come from it."""
    return request.config.stash[GRADING].student_id


@pytest.fixture(scope="session")
def assignment_dir(request) -> Path | None:
    """The assignment's source folder (``course/source/<name>/``): its student-visible helper files and data."""
    return request.config.stash[GRADING].assignment_dir


@pytest.fixture(scope="session")
def evaluator(request):
    """The assignment's evaluator (``engine/evaluator.py``: TensorFlow's own ops in a sandboxed process of the
    grader), or None when the assignment has none."""
    return request.config.stash[GRADING].evaluator
