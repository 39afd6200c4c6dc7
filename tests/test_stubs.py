"""A student who wrote nothing gets nothing: stubs score 0 on every assignment with code to write.

The stubs (``stubs.py``) are built from the instructor's notebooks: zeros, ones or random values of
the shapes, dtypes and structure of the right answer, or the first argument handed back. Raising
NotImplementedError is the released notebook itself, which each assignment's own test grades
(``test_released_notebook_scores_zero``). Each stub notebook stubs its functions by the four
kinds in turn; four notebooks per assignment stub every function in every way, the CNN's two (its
numpy functions are checked against TensorFlow only, each of its four functions gets two kinds, and
each kind is used: half the cost of its TensorFlow start-up). All of them are graded in one batch on
two workers. The concepts quiz has no functions to stub.
"""

import pytest

from conftest import ROOT, grade, released
from stubs import KINDS, write_stubs

ASSIGNMENTS = ["activations", "gradient_descent", "softmax", "backprop", "dropout", "cnn", "tensorflow_basics"]
# where a stub passes checks of properties (shapes, dtypes, inputs left alone) that gating must not count
NUMPY = ["activations", "gradient_descent", "softmax", "backprop", "dropout"]
TURNS = {a: range(0, len(KINDS), 2) if a == "cnn" else range(len(KINDS)) for a in ASSIGNMENTS}


@pytest.fixture(scope="module")
def graded(course_copy, tmp_path_factory):
    folder = tmp_path_factory.mktemp("stubs")
    for assignment in ASSIGNMENTS:
        write_stubs(folder, ROOT / "course" / "source" / assignment / f"{assignment}.ipynb",
                    released(course_copy, assignment), assignment, TURNS[assignment])
    return grade([folder], folder, "--workers", "2", "--cell-timeout", "20", "--call-timeout", "10",
                 course=course_copy)


@pytest.mark.parametrize("assignment, turn", [(a, t) for a in ASSIGNMENTS for t in TURNS[a]])
def test_a_stub_scores_nothing(graded, assignment, turn):
    result = graded[f"stubs{turn}_{assignment}"]
    assert result["error"] is None, result["error"]
    counted = [(c["grade_id"], c["name"]) for c in result["checks"] if c["passed"]]
    assert result["score"] == 0 and result["max_score"] > 0 and not counted, counted


@pytest.mark.parametrize("assignment", NUMPY)
def test_stubs_pass_checks_that_are_not_counted(graded, assignment):
    """The stubs are strong ones: zeros and ones of the right shape pass property checks on their own (the
    points they earned before gating), and the feedback says why those do not count."""
    checks = [c for turn in TURNS[assignment] for c in graded[f"stubs{turn}_{assignment}"]["checks"]]
    not_counted = [c["message"] for c in checks if "not counted: " in (c["message"] or "")]
    assert not_counted and all("'s values are wrong" in m for m in not_counted), checks
