"""Grading on arrival on the real hub, as students and instructors reach it, for the tests and the benchmark.

A student submits as their own unix account: a process of theirs asks the hub's intake to take their
assignment folder, as nbgrader's submit does from their server or terminal (without nbgrader's start-up, so
that a class can submit within seconds), and asks the instant-feedback service for the state of their
submissions, as their server does for the assignment list.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

import nbformat
from conftest import BIN, ROOT, venv_env
from notebooks import CORPUS, corpus_cells, student_notebook
from quiz_client import grader_account, service_pid

from autograders.instant_feedback.policy import POLICY_FILE
from autograders.hub.settings import Layout

STUDENT_PYTHON = ROOT / ".venv-student" / "bin" / "python"
SERVICE = ("instant-feedback", "serve")
_ASK = """
import json, socket, sys
with socket.socket(socket.AF_UNIX) as sock:
    sock.settimeout(60)
    sock.connect(sys.argv[1])
    sock.sendall(sys.argv[2].encode())
    sock.shutdown(socket.SHUT_WR)
    print(b"".join(iter(lambda: sock.recv(65536), b"")).decode())
"""


def as_account(name: str, args: list, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    account = pwd.getpwnam(name)
    return subprocess.run([str(a) for a in args], user=account.pw_uid, group=account.pw_gid, extra_groups=[],
                          cwd=account.pw_dir, capture_output=True, text=True, timeout=timeout,
                          env=env or {"HOME": account.pw_dir, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})


def check_names(assignment: str) -> list[str]:
    """How the feedback names the assignment's hidden checks: each check's docstring, first line."""
    tree = ast.parse((ROOT / "autograders" / "assignments" / assignment / "hidden_checks.py").read_text())
    return [ast.get_docstring(f).splitlines()[0].rstrip(".") for f in ast.walk(tree)
            if isinstance(f, ast.FunctionDef) and f.name.startswith("test_") and ast.get_docstring(f)]


def ask(name: str, socket_path: Path, request: dict) -> dict:
    """``request`` sent by a process of ``name``'s to the hub service on ``socket_path``; its answer."""
    done = as_account(name, [STUDENT_PYTHON, "-I", "-c", _ASK, socket_path, json.dumps(request)])
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def submit(state: Path, student: str, assignment: str) -> dict:
    """``student``'s folder ``~/<assignment>`` submitted through the hub's intake: its receipt, or its error."""
    folder = Path(pwd.getpwnam(student).pw_dir) / assignment
    return ask(student, Layout(state).intake_socket,
               {"course_id": "dl-course", "assignment_id": assignment, "folder": str(folder)})


def status(state: Path, student: str) -> dict:
    return ask(student, Layout(state).feedback_socket, {"op": "status"})


def prepare(state: Path, student: str, assignment: str, corpus_file: str) -> Path:
    """``~<student>/<assignment>/``: the released notebook with the cells of ``tests/corpus/<assignment>/
    <corpus_file>.py``, the student's own files (as a fetch and their edits would leave them)."""
    account = pwd.getpwnam(student)
    folder = Path(account.pw_dir) / assignment
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(state / "exchange" / "dl-course" / "outbound" / assignment, folder)
    released = nbformat.read(folder / f"{assignment}.ipynb", as_version=4)
    nbformat.write(student_notebook(released, corpus_cells(CORPUS / assignment / f"{corpus_file}.py")),
                   folder / f"{assignment}.ipynb")
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, account.pw_uid, account.pw_gid)
    return folder


def submission(state: Path, student: str, assignment: str, timestamp: str) -> dict:
    rows = status(state, student)["assignments"][assignment]["submissions"]
    return next(row for row in rows if row["timestamp"] == timestamp)


def wait_for(state: Path, student: str, assignment: str, timestamp: str, states=("graded", "failed"),
             timeout: float = 300) -> dict:
    """The submission once it is in one of ``states``."""
    deadline = time.monotonic() + timeout
    while True:
        row = submission(state, student, assignment, timestamp)
        if row["state"] in states:
            return row
        assert time.monotonic() < deadline, f"{student}'s {assignment} still {row['state']} after {timeout:g} s"
        time.sleep(0.5)


def graded_on_arrival(user, assignment: str, timeout: float = 300) -> dict:
    """The state of ``user``'s last submission of ``assignment`` once graded, as their server tells the assignment
    list (``user``: a HubUser with a running server)."""
    deadline = time.monotonic() + timeout
    while True:
        reply = user.server_api("GET", "dlcourse/instant-feedback")
        reply.raise_for_status()
        last = reply.json()["assignments"][assignment]["submissions"][-1]
        if last["state"] in ("graded", "failed"):
            return last
        assert time.monotonic() < deadline, f"{user.name}'s {assignment} still {last['state']} after {timeout:g} s"
        time.sleep(0.5)


@contextlib.contextmanager
def policy(state: Path, text: str):
    """The hub's policy file replaced by ``text`` (as an instructor edits it in formgrader), and put back."""
    path = state / "course" / POLICY_FILE
    before = path.read_bytes() if path.exists() else None
    grader = grader_account(state)
    path.write_text(text)
    os.chown(path, grader.pw_uid, grader.pw_gid)
    try:
        yield
    finally:
        if before is None:
            path.unlink()
        else:
            path.write_bytes(before)
            os.chown(path, grader.pw_uid, grader.pw_gid)


def as_grader(state: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """A command of the grader's environment (``dlcourse``, ``nbgrader``) run as the course's grader account in
    the hub's course folder, as an instructor runs it in formgrader's terminal."""
    grader = grader_account(state)
    return subprocess.run([str(BIN / args[0]), *args[1:]], cwd=state / "course", user=grader.pw_uid,
                          group=grader.pw_gid, extra_groups=[], capture_output=True, text=True, timeout=timeout,
                          env={**venv_env(), "HOME": grader.pw_dir})


def journal(state: Path, students: list[str]) -> list[dict]:
    """The students' rows of the service's journal, read by the grader account (whose file it is)."""
    code = ("import json, dataclasses, sys; from pathlib import Path; "
            "from autograders.instant_feedback.journal import Journal, JOURNAL_FILE; "
            "j = Journal(Path(sys.argv[1]) / JOURNAL_FILE); "
            "print(json.dumps([dataclasses.asdict(r) for s in sys.argv[2:] for r in j.of_student(s)]))")
    done = as_grader(state, "python", "-c", code, str(state / "course"), *students)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def overtaken(rows: list[dict]) -> list[tuple[str, str]]:
    """(earlier, later) for each submission a worker started before an earlier one the service already knew of
    (its journal row is older): the queue is in arrival order, so there should be none. A submission whose
    grading was interrupted starts again, in its place, after later ones began: only first starts are compared,
    and one that arrived a moment earlier but was reported later may rightly come after."""
    first = sorted((r for r in rows if r["started_at"] and not r["tries"]), key=lambda r: r["started_at"])
    return [(a["folder"], b["folder"]) for i, b in enumerate(first) for a in first[i + 1:]
            if a["arrived"] < b["arrived"] and a["id"] < b["id"]]


def wait_for_sockets(state: Path, timeout: float = 120):
    """The hub's intake and instant-feedback services listen (they start beside the hub, in their own time)."""
    layout = Layout(state)
    deadline = time.monotonic() + timeout
    while not (layout.intake_socket.exists() and layout.feedback_socket.exists()):
        assert time.monotonic() < deadline, "the hub's intake and instant-feedback services did not start"
        time.sleep(0.5)


def instant_feedback_pid(state: Path) -> int | None:
    return service_pid(state, SERVICE)


def wait_for_service(state: Path, old_pid: int | None, timeout: float = 120) -> float:
    """Seconds until the hub has started the service again and it answers."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        pid = instant_feedback_pid(state)
        if pid and pid != old_pid and Layout(state).feedback_socket.exists():
            with contextlib.suppress(AssertionError, json.JSONDecodeError):
                if "queued" in ask("root", Layout(state).feedback_socket, {"op": "queue"}):
                    return time.monotonic() - started
        time.sleep(0.5)
    raise AssertionError(f"the hub did not restart the instant-feedback service within {timeout:g} s")
