"""The numpy assignments: every corpus submission scores what its header says, source and release behave.

A corpus file (tests/corpus/<assignment>/<case>.py) states what it must score in its header
(see ``notebooks.expectations``).
"""

import nbformat
import pytest

from conftest import ROOT, dlcourse, grade, grade_all, released
from notebooks import (CORPUS, assert_scores_as_expected, autograded_cells_full, expectations, raised_cells,
                       write_submission)

ASSIGNMENTS = ["gradient_descent", "softmax", "backprop", "dropout"]
CASES = [(a, p.stem) for a in ASSIGNMENTS for p in sorted((CORPUS / a).glob("*.py"))]


@pytest.fixture(scope="module")
def graded(course_copy, tmp_path_factory):
    """``graded(assignment)``: the corpus and the released notebook of one assignment, graded in one batch."""
    cache = {}

    def results(assignment):
        if assignment not in cache:
            folder = tmp_path_factory.mktemp(assignment)
            release = released(course_copy, assignment)
            for _, case in (c for c in CASES if c[0] == assignment):
                write_submission(folder, release, case, assignment)
            (folder / "released").mkdir()
            nbformat.write(release, folder / "released" / f"{assignment}.ipynb")
            cache[assignment] = grade([folder], folder, course=course_copy)
        return cache[assignment]
    return results


@pytest.mark.parametrize("assignment, case", CASES)
def test_corpus_submission_scores_what_it_says(graded, assignment, case):
    assert_scores_as_expected(graded(assignment)[case], CORPUS / assignment / f"{case}.py")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_released_notebook_scores_zero(graded, assignment):
    result = graded(assignment)["released"]
    assert result["score"] == 0 and result["max_score"] > 0
    # dropout's written answer is graded by hand in formgrader: its points are apart from the engine's
    assert result["manual_max"] == (3.0 if assignment == "dropout" else 0.0)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_assignment_has_a_realistic_corpus(assignment):
    cases = [case for a, case in CASES if a == assignment]
    wrong = [c for c in cases if expectations(CORPUS / assignment / f"{c}.py")]
    assert len(wrong) >= 6 and len(cases) - len(wrong) >= 2, cases


def test_source_notebooks_score_full_marks_in_under_30_seconds(tmp_path):
    sources = [ROOT / "course" / "source" / a / f"{a}.ipynb" for a in ASSIGNMENTS]
    results = grade_all(sources, tmp_path, "--workers", "1")
    assert sorted(r["assignment"] for r in results) == sorted(ASSIGNMENTS)
    for r in results:
        assert autograded_cells_full(r), (r["assignment"], [(c["grade_id"], c["feedback"])
                                                            for c in r["cells"] if c["score"] != c["max_score"]])
        assert raised_cells(r) == [], r["assignment"]  # every cell of the instructor's notebook runs
        assert r["seconds"] < 30, (r["assignment"], r["seconds"])


def test_hidden_checks_pass_the_source_notebooks_whatever_the_seed():
    """The hidden checks on the instructor's notebooks for seeds 0..3: one kernel per notebook, four check runs
    (instructors run `dlcourse selftest --seeds 10` or more after changing a check)."""
    proc = dlcourse("selftest", *ASSIGNMENTS, "--seeds", "4", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for assignment in ASSIGNMENTS:
        assert f"{assignment}: " in proc.stdout and "x 4 seeds" in proc.stdout
