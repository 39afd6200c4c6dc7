"""Servers ready at the door: the class schedule (course/classes.toml) and the hub's warm-up service."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import ROOT, keep_assignments, running_hub
from hub_client import HubUser

from autograders.hub.classes import ScheduleError, load
from autograders.hub.warmup import WarmUp

STUDENTS = ("warmup-1", "warmup-2")
INSTRUCTOR = "warmup-teacher"


def schedule(tmp_path, text):
    (tmp_path / "classes.toml").write_text(text)
    return load(tmp_path)


def test_no_schedule_no_classes(tmp_path):
    assert load(tmp_path).starts_near(datetime.now()) == []


def test_a_class_is_warm_from_before_its_start_until_after_it(tmp_path):
    plan = schedule(tmp_path, "warm_minutes_before = 10\nkeep_warm_minutes_after = 20\n"
                              "[[class]]\nat = 2026-01-15T14:00:00\n[[class]]\nweekly = \"Wed 09:30\"\n")
    at = datetime(2026, 1, 15, 14, 0)
    assert plan.starts_near(at - timedelta(minutes=11)) == []
    assert plan.starts_near(at - timedelta(minutes=10)) == [at]
    assert plan.starts_near(at + timedelta(minutes=19)) == [at]
    assert plan.starts_near(at + timedelta(minutes=20)) == []
    wednesday = datetime(2026, 1, 14, 9, 30)  # a Wednesday; and every week after
    for week in range(3):
        start = wednesday + timedelta(weeks=week)
        assert plan.starts_near(start - timedelta(minutes=5)) == [start]
        assert plan.starts_near(start + timedelta(hours=1)) == []


def test_dlcourse_hub_warm_is_a_class_starting_now(tmp_path):
    warm = WarmUp(None, [], tmp_path, now=True, batch=1, start_timeout=1)
    warm.read_schedule()
    now = datetime.now()
    assert warm.windows(now) == [warm.asked_at]
    assert warm.windows(now + warm.schedule.keep_warm_after) == []
    assert WarmUp(None, [], tmp_path, now=False, batch=1, start_timeout=1).windows(now) == []


@pytest.mark.parametrize("text, message", [
    ("[[class]]\nat = \"tomorrow\"\n", "class 1: at must be a local date-time"),
    ("[[class]]\nat = 2026-01-15T14:00:00Z\n", "class 1: at must be a local date-time"),
    ("[[class]]\nweekly = \"Someday 9:00\"\n", "class 1: weekly must be a day and a time"),
    ("[[class]]\nweekly = \"Mon 25:00\"\n", "class 1: weekly must be a day and a time"),
    ("[[class]]\nat = 2026-01-15T14:00:00\nweekly = \"Mon 09:00\"\n", "class 1: give exactly one of"),
    ("warm_minutes_before = -5\n", "warm_minutes_before must be whole minutes"),
    ("warm_minutes_before = true\n", "warm_minutes_before must be whole minutes"),
    ("warm_before = 5\n", "unknown setting"),
    ("class = 5\n", "'class' must be a list"),
    ("[[class]\n", "not valid TOML"),
])
def test_a_bad_schedule_is_named(tmp_path, text, message):
    with pytest.raises(ScheduleError, match=message):
        schedule(tmp_path, text)


def servers_of(account: str) -> list[int]:
    uid = pwd.getpwnam(account).pw_uid
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid and b"jupyterhub-singleuser" in Path(
                        f"/proc/{entry.name}/cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture(scope="module")
def warm_hub():
    """A hub of its own (two students, one instructor, one assignment) whose course has a class starting in
    two minutes, and an idle culler that stops servers idle for 5 s."""
    if os.geteuid() != 0:
        pytest.skip("the multi-user hub needs root (real unix accounts per student)")
    folder = Path(tempfile.mkdtemp(prefix="dlcourse-warmup-test-"))
    folder.chmod(0o755)
    course = folder / "course"
    shutil.copytree(ROOT / "course", course, ignore=shutil.ignore_patterns("__pycache__"))
    start = (datetime.now() + timedelta(minutes=2)).replace(microsecond=0)
    (course / "classes.toml").write_text(f"warm_minutes_before = 5\n[[class]]\nat = {start.isoformat()}\n")
    keep_assignments(course, ("activations",))
    roster = folder / "roster.csv"
    roster.write_text("id,first_name,last_name,email,role\n" + "".join(f"{s},,,,student\n" for s in STUDENTS)
                      + f"{INSTRUCTOR},,,,instructor\n")
    try:
        with running_hub(folder / "state", "--course", str(course), "--roster", str(roster),
                         "--idle-timeout", "5") as hub:
            yield hub
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        for account in (*STUDENTS, INSTRUCTOR):
            subprocess.run(["userdel", "--remove", account], capture_output=True)


def test_the_roster_is_warm_before_class_as_its_own_users_and_the_culler_leaves_them(warm_hub):
    admin = HubUser(warm_hub.url, INSTRUCTOR)
    admin.login(warm_hub.password(INSTRUCTOR))

    def servers():
        return {u["name"]: u["server"] for u in admin.hub_api("GET", "users").json() if not u.get("pending")}

    deadline = time.monotonic() + 120
    while not all(servers().get(s) for s in STUDENTS):
        assert time.monotonic() < deadline, f"not warm within 120 s:\n{warm_hub.log_text()[-3000:]}"
        time.sleep(1)
    pids = {s: servers_of(s) for s in STUDENTS}
    assert all(len(p) == 1 for p in pids.values()), pids  # each student's server runs as that student
    assert not servers().get(INSTRUCTOR)  # instructors are not warmed
    time.sleep(12)  # more than twice the culler's 5 s
    assert all(servers().get(s) for s in STUDENTS), warm_hub.log_text()[-3000:]
    assert {s: servers_of(s) for s in STUDENTS} == pids  # the same servers, never stopped and started again
    # a student at the door finds their server running
    student = HubUser(warm_hub.url, STUDENTS[0])
    student.login(warm_hub.password(STUDENTS[0]))
    assert student.start_server() < 5
