"""A score is reported only when every hidden check of its cell ran; results hold only the release's graded cells.

One class in the course's gradebook tree, graded by `dlcourse grade` one notebook after the other: alice is
correct, anna invented graded cells of her own (one named with terminal control sequences), bob's relu waits
once the hidden checks call it (it tells the test so by creating a file), carol comes after him. The test
presses Ctrl-C (SIGINT to the process group) at that moment. The kernels run unsandboxed so that bob's can
reach the test's file: what is tested here is the grader's bookkeeping, not the sandbox.
"""

import json
import os
import shutil
import signal
import subprocess
import time

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell
from nbgrader.api import Gradebook, MissingEntry

from conftest import BIN, released, venv_env
from notebooks import CORPUS, corpus_cells, student_notebook

WAITS_IN_RELU = '''
import os, sys, time
_relu = relu
def relu(z):
    if "_dlcourse_wire" in sys.modules:  # called by the grader's hidden checks, not by the notebook's own cells
        open(os.environ["DLCOURSE_TEST_MARK"], "w").close()
        time.sleep(300)
    return _relu(z)
'''


CONTROL_SEQUENCES = "\x1b[2J\x1b[H\x1b]52;c;ZWNobyBvd25lZA==\x1b\\\r\x07"  # clear, home, write the clipboard


def invented_cells():
    """A 50-point test cell and a 20-point manually graded answer that the assignment does not have, and an
    answer cell whose name would clear the grader's terminal and write its clipboard."""
    test = new_code_cell("assert True", metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "points": 50, "grade_id": "my_bonus", "schema_version": 3}})
    answer = new_markdown_cell("I deserve 20 more points.", metadata={"nbgrader": {
        "grade": True, "solution": True, "locked": False, "points": 20, "grade_id": "my_essay", "schema_version": 3}})
    notes = new_markdown_cell("my notes", metadata={"nbgrader": {
        "grade": False, "solution": True, "locked": False, "grade_id": f"notes{CONTROL_SEQUENCES}", "schema_version": 3}})
    return [test, answer, notes]


@pytest.fixture(scope="module")
def interrupted(course_copy, tmp_path_factory):
    root = tmp_path_factory.mktemp("interrupted")
    course = root / "course"
    shutil.copytree(course_copy, course)
    release = released(course, "activations")
    correct = student_notebook(release, corpus_cells(CORPUS / "activations" / "correct_np_where.py"))
    notebooks = {"alice": correct, "anna": correct.copy(), "bob": correct.copy(), "carol": correct}
    notebooks["anna"]["cells"] = correct.cells + invented_cells()
    notebooks["bob"]["cells"] = correct.cells + [new_code_cell(WAITS_IN_RELU)]
    for student, nb in notebooks.items():
        (course / "submitted" / student / "activations").mkdir(parents=True)
        nbformat.write(nb, course / "submitted" / student / "activations" / "activations.ipynb")
    mark, out = root / "checks-are-running", root / "results.json"
    process = subprocess.Popen(
        [BIN / "dlcourse", "grade", course / "submitted", "--course", course, "--workers", "1", "--no-sandbox",
         "--json", out], env={**venv_env(), "DLCOURSE_TEST_MARK": str(mark)}, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 300
        while not mark.exists():
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()[0]
            time.sleep(0.2)
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in the terminal that runs it
        pressed = time.monotonic()
        output = process.communicate(timeout=120)[0]
        stopped_after = time.monotonic() - pressed
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    results = {r["student"]: r for r in json.loads(out.read_text())["results"]}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {}
        for student in notebooks:
            try:
                grades = gb.find_submission_notebook("activations", "activations", student).grades
            except MissingEntry:
                grades = []
            scores[student] = {g.name: g.auto_score for g in grades}
    return {"returncode": process.returncode, "stopped_after": stopped_after, "output": output,
            "results": results, "gradebook": scores}


def test_ctrl_c_stops_the_batch_within_seconds_and_exits_non_zero(interrupted):
    assert interrupted["returncode"] == 130, interrupted["output"]
    assert interrupted["stopped_after"] < 30
    assert "grading was interrupted" in interrupted["output"]


def test_the_notebook_interrupted_in_its_hidden_checks_has_no_score_in_json_or_gradebook(interrupted):
    bob = interrupted["results"]["bob"]
    assert bob["score"] is None and "interrupted" in bob["error"]
    assert bob["cells"] and all(c["score"] is None for c in bob["cells"])
    assert all(score is None for score in interrupted["gradebook"]["bob"].values())


def test_the_notebooks_graded_before_keep_their_scores_and_those_after_are_marked_not_graded(interrupted):
    alice, carol = interrupted["results"]["alice"], interrupted["results"]["carol"]
    assert alice["score"] == 10 and alice["error"] is None
    assert sum(interrupted["gradebook"]["alice"].values()) == 10
    assert carol["score"] is None and "not graded" in carol["error"]
    assert all(score is None for score in interrupted["gradebook"]["carol"].values())


def test_graded_cells_a_submission_invents_are_ignored_and_named(interrupted):
    anna, alice = interrupted["results"]["anna"], interrupted["results"]["alice"]
    assert [c["grade_id"] for c in anna["cells"]] == [c["grade_id"] for c in alice["cells"]]
    assert sum(c["max_score"] for c in anna["cells"]) == anna["max_score"] == 10
    assert anna["score"] == 10
    notes = " ".join(anna["notes"])
    assert "'my_bonus' is not part of this assignment" in notes and "'my_essay' is not part of this assignment" in notes
    assert f"'notes{CONTROL_SEQUENCES}' is not part of this assignment" in notes  # in JSON, as it was
    assert set(interrupted["gradebook"]["anna"]) == set(interrupted["gradebook"]["alice"])


def test_a_submissions_strings_reach_the_terminal_as_text(interrupted):
    # nbgrader's step logs anna's notes in the grading worker, on the terminal of `dlcourse grade`
    assert "notes\ufffd[2J\ufffd[H\ufffd]52;c;ZWNobyBvd25lZA==\ufffd\\\ufffd\ufffd' is not part" in interrupted["output"]
    assert not [c for c in interrupted["output"] if not c.isprintable() and c != "\n"]


def test_hidden_checks_that_do_not_import_are_the_graders_error_not_an_interrupt(tmp_path):
    # pytest reports a collection error as an interrupted session: it must not pass for Ctrl-C
    from autograders.engine.checks import ChecksBroken, run_checks

    checks = tmp_path / "hidden_checks.py"
    checks.write_text("from autograders.checklib import no_such_helper\n")
    with pytest.raises(ChecksBroken, match="(?s)could not be collected.*no_such_helper"):
        run_checks(checks, student=None)
