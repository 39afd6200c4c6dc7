"""Grading on arrival without a hub: the policy file, the queue's journal, the feedback a policy shows.
(On the real hub: test_instant_feedback_hub.py and test_instant_feedback_browser.py.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time

import nbformat
import pytest
from conftest import ROOT
from nbformat.v4 import new_code_cell, new_notebook
from nbgrader.api import Gradebook

from autograders.cli.main import main
from autograders.course import Course
from autograders.engine.checks import CheckOutcome
from autograders.engine.verdict import write_verdicts
from autograders.nbgrader_door import gradebook_lock
from autograders.nbgrader_door.grading_service import GradingServer, wait_until_listening
from autograders.instant_feedback import folder_lock
from autograders.instant_feedback.feedback import LimitFeedback
from autograders.instant_feedback.journal import FAILED, GRADED, OFF, QUEUED, REPLACED, Journal, Outcome
from autograders.instant_feedback.worker import Work
from autograders.instant_feedback.policy import POLICY_FILE, PolicyError, PolicyFile, load, parse

ASSIGNMENTS = Course(ROOT / "course").assignment_names()


def test_the_courses_policy_file_is_valid_and_check_says_what_it_does(capsys):
    policies = load(ROOT / "course" / POLICY_FILE, ASSIGNMENTS)
    assert policies.of("activations").instant_feedback and policies.of("cnn").attempts_per == "day"
    assert not policies.of("concepts_quiz").instant_feedback
    assert main(["instant-feedback", "check", "--course", str(ROOT / "course")]) == 0
    assert "concepts_quiz: not graded on arrival" in capsys.readouterr().out


@pytest.mark.parametrize("text, said", [
    ("[defaults]\ninstant_feedback = yes\n", "not valid TOML"),
    ("[activation]\ninstant_feedback = true\n", "[activation] is not an assignment of this course"),
    ("[softmax]\nattempt = 3\n", "[softmax] attempt: unknown setting"),
    ("[softmax]\nattempts = true\n", "[softmax] attempts: must be a whole number, got True"),
    ("[softmax]\nattempts = -1\n", "[softmax] attempts: must be from 0 (no limit)"),
    ("[defaults]\nshown_before_deadline = 'everything'\n", "must be one of 'score', 'failed_checks', 'messages'"),
    ("[defaults]\ncounts = 'first'\n", "[defaults] counts: must be one of 'best', 'last'"),
    ("softmax = 3\n", "softmax must be a table"),
])
def test_a_policy_mistake_is_named_with_its_table_and_key(text, said):
    with pytest.raises(PolicyError) as caught:
        parse(text, POLICY_FILE, ASSIGNMENTS)
    assert said in str(caught.value) and str(caught.value).startswith(POLICY_FILE)


def test_a_policy_file_that_cannot_be_used_keeps_the_last_good_one(tmp_path):
    path = tmp_path / POLICY_FILE
    policies = PolicyFile(tmp_path, ASSIGNMENTS)
    assert not policies.of("softmax").instant_feedback and policies.error is None  # no file: nothing on arrival
    path.write_text("[defaults]\ninstant_feedback = true\n[softmax]\ncounts = 'best'\nattempts = 2\n")
    assert policies.of("softmax") == policies.of("softmax").__class__(True, "failed_checks", 2, "day", "best")
    path.write_text("[softmax]\ncounts = 'worst'\n# a longer file, so that the change is seen\n")
    assert policies.of("softmax").counts == "best" and "counts: must be one of" in policies.error


def _folder(student, assignment, second, suffix="AAAA"):
    return f"{student}+{assignment}+2030-01-01 10:00:{second:02d}.000000 UTC+{suffix}"


def test_the_queue_is_in_arrival_order_one_new_submission_per_student_and_assignment(tmp_path):
    journal = Journal(tmp_path / "journal.sqlite")
    first = journal.add(_folder("alice", "softmax", 1), True)
    bob = journal.add(_folder("bob", "softmax", 2), True)
    alice_other = journal.add(_folder("alice", "dropout", 3), True)
    newer = journal.add(_folder("alice", "softmax", 4), True)
    off = journal.add(_folder("carol", "concepts_quiz", 5), False)
    assert journal.add(newer.folder, True).id == newer.id  # told twice: recorded once
    assert journal.get(first.id).state == REPLACED and journal.get(first.id).replaced_by == newer.id
    assert off.state == OFF
    assert [r.id for r in journal.queued()] == [bob.id, alice_other.id, newer.id]
    assert journal.ahead_of(journal.get(newer.id)) == 2
    # a student and assignment being graded is not claimed twice: the next is taken
    claimed = journal.claim(0, busy={("bob", "softmax")})
    assert claimed.id == alice_other.id
    assert journal.claim(1, busy={("bob", "softmax"), ("alice", "dropout")}).id == newer.id


def test_a_restarted_journal_finds_its_queue_and_puts_interrupted_gradings_back_in_place(tmp_path):
    path = tmp_path / "journal.sqlite"
    journal = Journal(path)
    rows = [journal.add(_folder(name, "softmax", i), True) for i, name in enumerate(["alice", "bob", "carol"])]
    interrupted = journal.claim(0, set())
    journal.close()  # the service is killed here

    again = Journal(path)
    assert [r.id for r in again.interrupted()] == [interrupted.id]
    assert again.requeue(interrupted.id, max_tries=3, reason="interrupted")
    assert [r.id for r in again.queued()] == [r.id for r in rows]  # in arrival order, as before
    for _ in range(2):  # a submission that kills its worker every time fails after three tries
        again.claim(0, set())
        again.requeue(interrupted.id, max_tries=3, reason="interrupted too often")
    assert again.get(interrupted.id).state == FAILED and again.get(interrupted.id).reason == "interrupted too often"


def test_the_best_or_the_last_graded_counts_and_regrades_queue_behind_new_submissions(tmp_path):
    journal = Journal(tmp_path / "journal.sqlite")
    scores = [7.0, 9.0, 4.0]
    for second, score in enumerate(scores):
        row = journal.add(_folder("alice", "softmax", second), True)
        journal.claim(0, set())
        journal.finish(row.id, Outcome(score, 10.0))
    assert journal.counting("alice", "softmax", "best").score == 9.0
    assert journal.counting("alice", "softmax", "last").score == 4.0
    assert len(journal.attempts_since("alice", "softmax", 0)) == 3
    assert journal.regrade("softmax", "last") == 1 and [r.score for r in journal.queued()] == [4.0]
    assert journal.regrade("softmax", "best") == 2  # the other two; the last is queued already
    fresh = journal.add(_folder("bob", "softmax", 30), True)
    assert journal.queued()[0].id == fresh.id  # what a student just submitted comes first
    assert {r.state for r in journal.of_student("alice")} == {QUEUED}
    assert GRADED not in {r.state for r in journal.queued()}


def _graded_notebook():
    nb = new_notebook(cells=[new_code_cell("def softmax(x): ...", metadata={"nbgrader": {
        "grade": False, "solution": True, "grade_id": "softmax_answer", "locked": False, "schema_version": 3}}),
        new_code_cell("# hidden checks", metadata={"nbgrader": {
            "grade": True, "solution": False, "grade_id": "test_softmax", "points": 4, "locked": True,
            "schema_version": 3}})])
    write_verdicts(nb, [CheckOutcome("test_softmax", "rows sum to one", True),
                        CheckOutcome("test_softmax", "stable for large logits", False, "overflow at 1e4: got nan"),
                        CheckOutcome("test_softmax", "a 1-D input", False, "expected shape (3,), got (1, 3)")])
    return nb


@pytest.mark.parametrize("shown, present, absent", [
    ("score", ["1.33 of 4 points."], ["rows sum", "stable for large logits", "overflow", "1-D input", "Hidden checks"]),
    ("failed_checks", ["2 hidden check(s) failed, 1.33 of 4 points:", "✗ stable for large logits", "✗ a 1-D input"],
     ["overflow at 1e4", "expected shape", "rows sum"]),
    ("messages", ["✗ stable for large logits: overflow at 1e4: got nan", "✓ rows sum to one"], []),
])
def test_feedback_shows_what_the_policy_allows(shown, present, absent):
    nb = _graded_notebook()
    step = LimitFeedback(shown=shown, failed_checks={"test_softmax": ["stable for large logits", "a 1-D input"]})
    nb, _ = step.preprocess(nb, {})
    text = nbformat.writes(nb)
    assert all(s in text for s in present), (shown, text)
    assert not [s for s in absent if s in text], (shown, text)
    outputs = nb.cells[1].outputs
    assert outputs[-1]["data"]["text/plain"] == "1.33"  # the score nbgrader records stays


FORMGRADER = """
import sys
from traitlets.config import Config
from autograders.instant_feedback.folder_lock import use_folder_locks
config = Config()
config.CourseDirectory.root = sys.argv[1]
use_folder_locks(config)
config.Autograde.pre_convert_hook(assignment="softmax", student="*", notebooks=[sys.argv[2]])
print("converting", flush=True)
sys.stdin.readline()
if len(sys.argv) > 3:  # a gradebook: what nbgrader's autograde does first, carol's submission looked up or inserted
    from nbgrader.api import Gradebook
    with Gradebook(sys.argv[3]) as gb:
        gb.update_or_create_submission("softmax", "carol")
config.Autograde.post_convert_hook(assignment="softmax", student="*", notebooks=[sys.argv[2]])
print("converted", flush=True)
sys.stdin.readline()
"""


def test_formgraders_conversion_holds_the_lock_a_worker_waits_for_to_move_its_folders_in(tmp_path):
    notebook = tmp_path / "submitted" / "carol" / "softmax" / "softmax.ipynb"
    with subprocess.Popen([sys.executable, "-c", FORMGRADER, str(tmp_path), str(notebook)], cwd="/",
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as formgrader:
        assert formgrader.stdout.readline() == "converting\n"
        started = time.monotonic()
        with folder_lock.holding(tmp_path, "bob", "softmax", wait=5):  # another student's folders: free
            assert time.monotonic() - started < 1
        with folder_lock.holding(tmp_path, "carol", "softmax", wait=0.5):  # carol's: given up after waiting
            assert time.monotonic() - started >= 0.5
        formgrader.stdin.write("\n")
        formgrader.stdin.flush()
        assert formgrader.stdout.readline() == "converted\n"
        started = time.monotonic()
        with folder_lock.holding(tmp_path, "carol", "softmax", wait=5):
            assert time.monotonic() - started < 1
        formgrader.communicate("\n")
    assert formgrader.returncode == 0


def test_a_worker_enters_a_submission_in_the_gradebook_after_formgraders_conversion_that_may_insert_it(
        course_copy, tmp_path):
    # formgrader's autograde inserts a submission missing from the gradebook holding only its folder lock: a worker
    # inserting the same one then would fail on the gradebook's unique key, or make formgrader's fail
    course = tmp_path / "course"
    shutil.copytree(course_copy, course, ignore=shutil.ignore_patterns("release"))
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.update_or_create_student("carol")
    work = Work(course, {"id": 7, "folder": "", "student": "carol", "assignment": "softmax"})
    work.path("submitted").mkdir(parents=True)
    (work.path("submitted") / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
    notebook = course / "submitted" / "carol" / "softmax" / "softmax.ipynb"
    entered = []
    # a class grading of the course may hold the gradebook lock meanwhile, its own hook waiting for a folder lock
    formgrader_args = [sys.executable, "-c", FORMGRADER, str(course), str(notebook), f"sqlite:///{course / 'gradebook.db'}"]
    with gradebook_lock.holding(course), subprocess.Popen(formgrader_args, cwd="/", stdin=subprocess.PIPE,
                                                          stdout=subprocess.PIPE, text=True) as formgrader:
        assert formgrader.stdout.readline() == "converting\n"
        worker = threading.Thread(target=lambda: entered.append(work.enter_in_gradebook()))
        worker.start()
        worker.join(1.0)
        assert worker.is_alive()  # waiting for formgrader's conversion to end
        formgrader.stdin.write("\n")
        formgrader.stdin.flush()
        assert formgrader.stdout.readline() == "converted\n"
        worker.join(30)
        formgrader.communicate("\n")
    assert formgrader.returncode == 0 and entered == [None]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert [s.student_id for s in gb.assignment_submissions("softmax")] == ["carol"]


def test_a_worker_waits_for_the_grading_service_the_hub_starts_beside_it(tmp_path):
    socket_path = tmp_path / "grading.sock"
    assert not wait_until_listening(str(socket_path), 0.6)  # never started: given up, with a reason (worker.py)
    servers = []

    def start_late():
        time.sleep(1.0)
        servers.append(GradingServer(socket_path, ROOT / "course", allowed_uids={os.getuid()}, workers=1))
        servers[0].serve_forever(poll_interval=0.1)

    threading.Thread(target=start_late, daemon=True).start()
    started = time.monotonic()
    try:
        assert wait_until_listening(str(socket_path), 30)
        assert time.monotonic() - started >= 1.0
    finally:
        while not servers:
            time.sleep(0.1)
        servers[0].shutdown()
        servers[0].server_close()
