"""The numpy assignments: every corpus submission scores what its header says, source and release behave.

A corpus file (tests/corpus/<assignment>/<case>.py) states what it must score in its header:
``# expect: full marks`` or one ``# expect: <grade_id> loses points, feedback says "<phrase>"``
line per cell that must lose points.
"""

import re

import nbformat
import pytest

from conftest import ROOT, dlcourse, grade, grade_all, released
from notebooks import CORPUS, write_submission

ASSIGNMENTS = ["gradient_descent", "softmax", "backprop", "dropout"]
_LOSS = re.compile(r'^# expect: (\S+) loses points, feedback says "(.+)"$', re.MULTILINE)


def expectations(path):
    text = path.read_text()
    losses = _LOSS.findall(text)
    full = re.search(r"^# expect: full marks$", text, re.MULTILINE) is not None
    assert full != bool(losses), f"{path} must say either 'full marks' or which cells lose points"
    return losses


CASES = [(a, p.stem) for a in ASSIGNMENTS for p in sorted((CORPUS / a).glob("*.py"))]


def autograded_cells_full(result):
    auto = [c for c in result["cells"] if c["score"] is not None]
    return bool(auto) and all(c["score"] == c["max_score"] for c in auto)


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
    result = graded(assignment)[case]
    assert result["error"] is None, result["error"]
    losses = expectations(CORPUS / assignment / f"{case}.py")
    cells = {c["grade_id"]: c for c in result["cells"]}
    if not losses:
        assert autograded_cells_full(result), [(c["grade_id"], c["score"], c["feedback"]) for c in result["cells"]]
    for grade_id, phrase in losses:
        cell = cells[grade_id]
        assert cell["score"] < cell["max_score"], f"{case} should lose points in {grade_id}"
        assert phrase in cell["feedback"], f"{grade_id} feedback should say {phrase!r}:\n{cell['feedback']}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_released_notebook_scores_zero(graded, assignment):
    result = graded(assignment)["released"]
    assert result["score"] == 0 and result["max_score"] > 0


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
        assert r["seconds"] < 30, (r["assignment"], r["seconds"])


def test_hidden_checks_pass_the_source_notebooks_whatever_the_seed():
    """The hidden checks on the instructor's notebooks for seeds 0..9: one kernel per notebook, ten check runs."""
    proc = dlcourse("selftest", *ASSIGNMENTS, "--seeds", "10", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for assignment in ASSIGNMENTS:
        assert f"{assignment}: " in proc.stdout and "x 10 seeds" in proc.stdout
