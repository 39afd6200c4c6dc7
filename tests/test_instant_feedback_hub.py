"""Grading on arrival on the real hub (root, real accounts, the real exchange and gradebook): policies, a burst
of submissions with the service killed in the middle, what instructors control, what a student may ask.
Students submit as their own accounts through the intake (tests/instant_client.py); the browser's view is
test_instant_feedback_browser.py's.

One policy for the module (below), as an instructor would write it into the hub's course."""

from __future__ import annotations

import os
import re
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hub_client import forget_assignment, formgrader
from instant_client import (STUDENT_PYTHON, as_account, as_grader, ask, check_names, instant_feedback_pid, journal,
                            overtaken, policy, prepare, status, submission, submit, wait_for, wait_for_service, wait_for_sockets)
from nbgrader.utils import notebook_hash

from autograders.hub.settings import Layout

STUDENTS = ("alice", "bob", "carol")
POLICY = """
[defaults]
instant_feedback = false

[softmax]
instant_feedback = true
shown_before_deadline = "score"
attempts = 2
attempts_per = "hour"
counts = "best"

[gradient_descent]
instant_feedback = true
shown_before_deadline = "failed_checks"
counts = "last"

[activations]
instant_feedback = true
counts = "last"

[dropout]
instant_feedback = true
counts = "last"
"""
BURST = [(student, assignment) for assignment in ("activations", "dropout") for student in STUDENTS]


def released_feedback(state: Path, receipt: dict, assignment: str) -> str:
    """The feedback released for a submission, where the student's fetch_feedback finds it (by its secret)."""
    path = state / "exchange" / "dl-course" / "feedback" / \
        f"{notebook_hash(secret=receipt['secret'], notebook_id=assignment)}.html"
    return path.read_text()


def gradebook_score(instructor, assignment: str, student: str) -> float:
    return round(formgrader(instructor, "GET", f"submission/{assignment}/{student}")["score"], 4)


def eventually(read, expected, timeout: float = 60):
    """``read()`` once it equals ``expected`` (the gradebook is put back a moment after a grade is shown)."""
    deadline = time.monotonic() + timeout
    while (value := read()) != expected and time.monotonic() < deadline:
        time.sleep(0.5)
    return value


@pytest.fixture(scope="module")
def hub(course_hub):
    for student in STUDENTS:
        for assignment in ("softmax", "gradient_descent", "activations", "dropout", "backprop"):
            forget_assignment(student, assignment)
    wait_for_sockets(course_hub.state)
    with policy(course_hub.state, POLICY):
        yield course_hub
    for student in STUDENTS:
        for assignment in ("softmax", "gradient_descent", "activations", "dropout", "backprop"):
            forget_assignment(student, assignment)


@pytest.fixture(scope="module")
def rounds(hub):
    """alice submits softmax right, then wrong, then once more; bob gradient_descent right, then wrong."""
    state, plan = hub.state, [("alice", "softmax", "correct_logaddexp", "wrong_naive_log"),
                              ("bob", "gradient_descent", "correct_einsum", "grad_missing_factor_2")]
    receipts = {}
    for turn in (0, 1):
        for student, assignment, *files in plan:
            prepare(state, student, assignment, files[turn])
            receipts[student, turn] = submit(state, student, assignment)
        for student, assignment, *_ in plan:  # a second submission waits for the first, never replaces it
            wait_for(state, student, assignment, receipts[student, turn]["timestamp"], states=("grading", "graded"))
    for student, assignment, *_ in plan:
        for turn in (0, 1):
            receipts[student, turn]["graded"] = wait_for(state, student, assignment, receipts[student, turn]["timestamp"])
    prepare(state, "alice", "softmax", "correct_logaddexp")
    receipts["alice", 2] = submit(state, "alice", "softmax")
    return receipts


def test_score_only_feedback_names_no_check(hub, rounds):
    first, second = rounds["alice", 0], rounds["alice", 1]
    assert first["feedback"]["state"] == "queued" and "queued" in first["feedback"]["message"]
    assert first["graded"]["score"] == first["graded"]["max_score"] > second["graded"]["score"]
    html = released_feedback(hub.state, second, "softmax")
    assert re.search(r"\d+(\.\d+)? of \d+ points\.", html)  # each test cell's points
    assert "✗" not in html and "Hidden checks" not in html
    assert not [name for name in check_names("softmax") if name in html]
    assert second["graded"]["feedback"] == "released"


def test_failed_checks_feedback_names_the_failed_checks_without_their_messages(hub, rounds):
    second = rounds["bob", 1]
    html = released_feedback(hub.state, second, "gradient_descent")
    named = [name for name in check_names("gradient_descent") if f"✗ {name}" in html]
    assert named, "the failed checks are named"
    assert not [name for name in named if f"✗ {name}:" in html], "their messages are not shown"
    assert "✓" not in html  # nor the checks that passed


def test_the_attempt_limit_refuses_the_next_submission_and_keeps_the_grade(hub, rounds, instructor):
    refused = rounds["alice", 2]
    assert "error" in refused, refused
    assert "you have submitted softmax 2 times in the last hour" in refused["error"]
    assert "You can submit again at" in refused["error"] and "grades stay as they are" in refused["error"]
    mine = status(hub.state, "alice")["assignments"]["softmax"]
    assert mine["attempts"] == {"allowed": 2, "per": "hour", "used": 2, "left": 0}
    assert len(mine["submissions"]) == 2  # nothing of the refused one was stored
    best = rounds["alice", 0]["graded"]["score"]
    assert eventually(lambda: gradebook_score(instructor, "softmax", "alice"), best) == best


def test_the_best_or_the_last_submission_counts_as_configured(hub, rounds, instructor):
    alice = [submission(hub.state, "alice", "softmax", rounds["alice", t]["timestamp"]) for t in (0, 1)]
    bob = [submission(hub.state, "bob", "gradient_descent", rounds["bob", t]["timestamp"]) for t in (0, 1)]
    assert [s["counts"] for s in alice] == [True, False]  # best
    assert [s["counts"] for s in bob] == [False, True]  # last
    assert bob[0]["score"] > bob[1]["score"]
    assert eventually(lambda: gradebook_score(instructor, "softmax", "alice"), alice[0]["score"]) == alice[0]["score"]
    assert gradebook_score(instructor, "gradient_descent", "bob") == bob[1]["score"]


def test_formgraders_collect_and_autograde_agree_with_the_grades_given_on_arrival(hub, rounds, instructor):
    best = rounds["alice", 0]["graded"]["score"]
    eventually(lambda: gradebook_score(instructor, "softmax", "alice"), best)
    formgrader(instructor, "POST", "assignment/softmax/collect")  # takes alice's best, not her last
    formgrader(instructor, "POST", "submission/softmax/alice/autograde")
    assert gradebook_score(instructor, "softmax", "alice") == best
    formgrader(instructor, "POST", "assignment/gradient_descent/collect")
    formgrader(instructor, "POST", "submission/gradient_descent/bob/autograde")
    assert gradebook_score(instructor, "gradient_descent", "bob") == rounds["bob", 1]["graded"]["score"]


def test_formgraders_autograde_while_the_same_submission_is_graded_on_arrival(hub, rounds, instructor):
    prepare(hub.state, "carol", "softmax", "wrong_naive_log")
    receipt = submit(hub.state, "carol", "softmax")
    formgrader(instructor, "POST", "assignment/softmax/collect")  # raises unless it worked
    formgrader(instructor, "POST", "submission/softmax/carol/autograde")
    on_arrival = wait_for(hub.state, "carol", "softmax", receipt["timestamp"])
    assert on_arrival["state"] == "graded" and on_arrival["feedback"] == "released", on_arrival
    assert gradebook_score(instructor, "softmax", "carol") == pytest.approx(on_arrival["score"])
    assert 0 < on_arrival["score"] < on_arrival["max_score"]


def test_instructors_see_the_queue_and_regrade_from_formgraders_terminal(hub, rounds):
    before = {r["id"]: r for r in journal(hub.state, ["bob"])}
    done = as_grader(hub.state, "dlcourse", "instant-feedback", "regrade", "gradient_descent", "--student", "bob")
    assert done.returncode == 0 and "1 submission(s) of gradient_descent queued" in done.stdout, done.stderr
    last = rounds["bob", 1]
    again = wait_for(hub.state, "bob", "gradient_descent", last["timestamp"])
    assert again["score"] == last["graded"]["score"] and again["feedback"] == "released"
    after = {r["id"]: r for r in journal(hub.state, ["bob"])}
    regraded = [i for i in after if after[i]["finished_at"] != before[i]["finished_at"]]
    assert len(regraded) == 1 and after[regraded[0]]["priority"] == 1
    shown = as_grader(hub.state, "dlcourse", "instant-feedback", "queue")
    assert shown.returncode == 0 and "0 queued" in shown.stdout and "last hour:" in shown.stdout, shown.stdout


def test_an_assignment_turned_off_is_not_graded_on_arrival(hub, rounds, instructor):
    before = gradebook_score(instructor, "gradient_descent", "bob")
    with policy(hub.state, POLICY.replace('[gradient_descent]\ninstant_feedback = true',
                                          '[gradient_descent]\ninstant_feedback = false')):
        prepare(hub.state, "bob", "gradient_descent", "correct_einsum")
        receipt = submit(hub.state, "bob", "gradient_descent")
    assert receipt["feedback"] == {"state": "off", "message": "not graded on arrival: your instructor grades this "
                                                                 "assignment"}
    assert submission(hub.state, "bob", "gradient_descent", receipt["timestamp"])["state"] == "off"
    assert gradebook_score(instructor, "gradient_descent", "bob") == before


def test_a_burst_is_graded_in_arrival_order_and_survives_the_service_killed_with_sigkill(hub):
    state = hub.state
    for student, assignment in BURST:
        prepare(state, student, assignment, "correct_einsum" if assignment == "gradient_descent" else
                {"activations": "correct_np_where", "dropout": "correct_binomial"}[assignment])
    with ThreadPoolExecutor(len(STUDENTS)) as pool:  # one submission at a time per account, as the intake takes them
        receipts = dict(zip(STUDENTS, pool.map(lambda student: [submit(state, student, a) for s, a in BURST
                                                                    if s == student], STUDENTS)))
    receipts = {(r["student"], r["assignment"]): r for mine in receipts.values() for r in mine}
    assert all("error" not in r for r in receipts.values()), receipts

    def states():
        return [submission(state, s, a, receipts[s, a]["timestamp"])["state"] for s, a in BURST]

    deadline = time.monotonic() + 180
    while not ("graded" in (now := states()) and now.count("queued") >= 2):
        assert time.monotonic() < deadline, now
        time.sleep(0.3)
    old = instant_feedback_pid(state)
    os.kill(old, signal.SIGKILL)
    print(f"killed at {now}; restarted by the hub in {wait_for_service(state, old):.1f} s")
    graded = {job: wait_for(state, *job, receipts[job]["timestamp"]) for job in BURST}
    assert all(g["state"] == "graded" and g["score"] == g["max_score"] and g["feedback"] == "released"
               for g in graded.values()), {job: (g["state"], g["score"], g["reason"]) for job, g in graded.items()}
    rows = [r for r in journal(state, list(STUDENTS)) if r["folder"] in {x["folder"] for x in receipts.values()}]
    assert len(rows) == len(BURST)  # none lost, none twice
    assert any(r["tries"] for r in rows), "some were being graded when the service was killed"
    assert overtaken(rows) == []  # the workers took them in arrival order
    assert ask("root", Layout(state).feedback_socket, {"op": "queue"})["queued"] == 0


def test_a_student_may_ask_for_their_own_state_only(hub, rounds):
    socket_path = Layout(hub.state).feedback_socket
    refusals = {
        "queue": {"op": "queue"}, "regrade": {"op": "regrade", "assignment": "softmax"},
        "admit": {"op": "admit", "student": "bob", "assignment": "softmax"},
        "arrived": {"op": "arrived", "folder": rounds["alice", 0]["folder"]},
        "someone else's state": {"op": "status", "student": "alice"},
        "nothing": {},
    }
    for what, request in refusals.items():
        assert "error" in ask("bob", socket_path, request), what
    assert "too long" in ask("bob", socket_path, {"op": "status", "x": "y" * 20_000})["error"]
    mine = status(hub.state, "bob")["assignments"]
    timestamps = {s["timestamp"] for a in mine.values() for s in a["submissions"]}
    assert rounds["bob", 0]["timestamp"] in timestamps and rounds["alice", 0]["timestamp"] not in timestamps
    assert "error" in ask("carol", socket_path, {"op": "arrived", "folder": "../../../etc"})
    # bob holds connections open without finishing his requests: his next is refused, carol is answered
    held = as_account("bob", [STUDENT_PYTHON, "-I", "-c", HOLDING, socket_path])
    assert held.stdout.strip().endswith("ask again in a moment"), held.stdout + held.stderr
    assert "assignments" in status(hub.state, "carol")


HOLDING = """
import json, socket, sys, time
held = [socket.socket(socket.AF_UNIX) for _ in range(4)]
for sock in held:
    sock.connect(sys.argv[1]); sock.sendall(b'{"op": ')  # and nothing more
time.sleep(0.5)
with socket.socket(socket.AF_UNIX) as sock:
    sock.connect(sys.argv[1]); sock.sendall(b'{"op": "status"}'); sock.shutdown(socket.SHUT_WR)
    print(json.loads(sock.recv(65536))["error"])
"""


def test_feedback_released_on_arrival_passes_the_audit(hub, rounds):
    done = as_grader(hub.state, "dlcourse", "audit", "--course", ".")
    assert done.returncode == 0 and "no leaks" in done.stdout, done.stdout + done.stderr
