"""What a copy of a student's folder takes: their regular files, with no link followed, within limits;
and the intake, the sandbox's private copy and the grading service that rely on it."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from traitlets.config import Config

from autograders.engine.sandbox import private_copy
from autograders.regular_files import TreeError, TreeLimits, copy_regular_files, open_beneath, recorded_refusals

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root: files of other accounts, reading as a student")


@pytest.fixture
def folder(tmp_path):
    """A student's folder armed with everything that is not their own regular file."""
    work = tmp_path / "work"
    (work / "sub" / "deeper").mkdir(parents=True)
    (work / "quiz.ipynb").write_text("{}")
    (work / "helper.py").write_text("x = 1\n")
    (work / "sub" / "deeper" / "data.csv").write_text("1,2\n")
    (work / "key.py").symlink_to("/etc/passwd")
    (work / "linked_folder").symlink_to("/etc")
    os.mkfifo(work / "pipe")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(work / "socket"))
    with open(work / "big.bin", "wb") as big:
        big.truncate(2 << 20)
    (work / "timestamp.txt").write_text("2020-01-01 00:00:00.000000 UTC")
    (work / "bad\nname").write_text("")
    (work / ".ipynb_checkpoints").mkdir()
    (work / ".ipynb_checkpoints" / "quiz-checkpoint.ipynb").write_text("{}")
    return work


def test_only_regular_files_are_copied_and_the_rest_is_named(folder, tmp_path):
    report = copy_regular_files(folder, tmp_path / "copy", limits=TreeLimits(megabytes=1),
                                ignore=[".ipynb_checkpoints"], reserved=("timestamp.txt",))
    assert sorted(report.files) == ["helper.py", "quiz.ipynb", "sub/deeper/data.csv"]
    assert sorted(str(r) for r in report.refused) == [
        "'bad\\nname': a name that is not printable text",
        "big.bin: 2 MB: over the 1 MB that are taken in all (1,024 KB left)",
        "key.py: a symbolic link (links are not followed)",
        "linked_folder: a symbolic link (links are not followed)",
        "pipe: a named pipe",
        "socket: a socket",
        "timestamp.txt: a name the hub writes itself; not taken from your folder"]
    copied = sorted(str(p.relative_to(tmp_path / "copy")) for p in (tmp_path / "copy").rglob("*"))
    assert copied == ["helper.py", "quiz.ipynb", "sub", "sub/deeper", "sub/deeper/data.csv"]
    assert not any(p.is_symlink() for p in (tmp_path / "copy").rglob("*"))


def test_the_limits_cost_the_notebook_last(folder, tmp_path):
    for i in range(20):
        (folder / "sub" / f"f{i:02d}").write_text("")
    report = copy_regular_files(folder, None, limits=TreeLimits(files=3, depth=1))
    assert report.files == ["quiz.ipynb", "big.bin", "helper.py"]  # the notebook, the files, then the folders
    # not taken: timestamp.txt, .ipynb_checkpoints (nothing ignored here) and sub
    assert "(the rest): 3 more entries not taken: 3 files at most are taken" in map(str, report.refused)
    deep = copy_regular_files(folder / "sub", None, limits=TreeLimits(depth=0))
    assert "deeper: folders nested deeper than 0" in map(str, deep.refused)


def test_a_folder_that_is_a_link_or_reached_through_one_is_refused(folder, tmp_path):
    with pytest.raises(TreeError, match="a symbolic link"):
        copy_regular_files(folder / "linked_folder", None)
    (tmp_path / "inside").mkdir()
    (tmp_path / "inside" / "escape").symlink_to(folder / "sub")
    with pytest.raises(TreeError, match="a symbolic link"):
        open_beneath(tmp_path, Path("inside/escape/deeper"))
    os.close(open_beneath(tmp_path, Path("work/sub/deeper")))


@as_root
def test_files_and_folders_of_another_account_are_not_the_students(folder, tmp_path):
    nobody = pwd.getpwnam("nobody")
    (folder / "hard_link").hardlink_to(folder / "helper.py")  # root's file, linked into the folder
    os.chown(folder, nobody.pw_uid, nobody.pw_gid)
    for path in (folder / "quiz.ipynb", folder / "sub"):
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    report = copy_regular_files(folder, None, owner=nobody.pw_uid, limits=TreeLimits(megabytes=5))
    assert report.files == ["quiz.ipynb"]
    refused = set(map(str, report.refused))
    assert "hard_link: a file of another account (a hard link to it is not your work)" in refused
    assert "sub/deeper: a folder of another account" in refused
    with pytest.raises(TreeError, match="not a folder of yours"):
        copy_regular_files(folder / "sub" / "deeper", None, owner=nobody.pw_uid)


@as_root
def test_the_sandboxs_private_copy_holds_regular_files_only(folder, tmp_path):
    nobody = pwd.getpwnam("nobody")
    refused = private_copy(folder, tmp_path / "home", nobody.pw_uid, nobody.pw_gid)
    home = tmp_path / "home"
    assert "key.py: a symbolic link (links are not followed)" in map(str, refused)
    assert not (home / "key.py").exists() and not (home / "pipe").exists()
    assert {p.stat().st_uid for p in [home, *home.rglob("*")]} == {nobody.pw_uid}
    assert (home / "big.bin").stat().st_size == 2 << 20


@pytest.fixture
def reachable():
    """A temporary folder other accounts can pass through (pytest's own are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="dlcourse-intake-test-"))
    folder.chmod(0o711)
    yield folder
    shutil.rmtree(folder)


@as_root
def test_the_intake_reads_as_the_student_and_records_the_servers_time(folder, reachable, course_copy):
    folder = shutil.move(folder, reachable / "work")
    from autograders.hub.grader_exchange import collect_submission
    from autograders.hub.intake import Intake, IntakeError, IntakeLimits

    student, grader = pwd.getpwnam("nobody"), pwd.getpwnam("daemon")
    exchange = reachable / "exchange"
    for sub in ("outbound/quiz", "inbound"):
        (exchange / "dl-course" / sub).mkdir(parents=True)
    os.chown(exchange / "dl-course" / "inbound", grader.pw_uid, grader.pw_gid)
    (exchange / "dl-course" / "inbound").chmod(0o700)
    for path in [folder, *folder.rglob("*")]:
        os.lchown(path, student.pw_uid, student.pw_gid)
    (folder / "sub").chmod(0o700)
    os.chown(folder / "sub" / "deeper" / "data.csv", 0, 0)  # a file the student did not make: not taken

    intake = Intake(exchange, "dl-course", grader, IntakeLimits(stored_megabytes=3))
    asked = {"course_id": "dl-course", "assignment_id": "quiz", "folder": str(folder)}
    for request, message in [({**asked, "student": "alice"}, "unknown field"),
                             ({**asked, "assignment_id": "../../etc"}, "not an assignment released"),
                             ({**asked, "folder": "/root"}, "cannot be read"),
                             ({**asked, "folder": str(folder / "key.py")}, "a symbolic link")]:
        with pytest.raises(IntakeError, match=message):
            intake.receive(request, student)
    started = datetime.now(timezone.utc)
    receipt = intake.receive(asked, student)
    stored = exchange / "dl-course" / "inbound" / receipt.folder
    assert receipt.folder.startswith("nobody+quiz+") and receipt.notebooks == ["quiz.ipynb"]
    assert sorted(p.name for p in stored.iterdir()) == ["big.bin", "helper.py", "quiz.ipynb", "refused.txt", "sub",
                                                        "submission_secret.txt", "timestamp.txt"]
    assert {p.stat().st_uid for p in [stored, *stored.rglob("*")]} == {grader.pw_uid}
    arrived = datetime.strptime((stored / "timestamp.txt").read_text(), "%Y-%m-%d %H:%M:%S.%f UTC")
    assert started <= arrived.replace(tzinfo=timezone.utc) <= datetime.now(timezone.utc)
    assert "sub/deeper/data.csv: a file of another account (a hard link to it is not your work)" in \
        recorded_refusals(stored)
    assert "timestamp.txt: a name the hub writes itself; not taken from your folder" in receipt.refused
    with pytest.raises(IntakeError, match="your submissions already hold 2 MB"):  # of the 3 MB a student may keep
        intake.receive(asked, student)
    assert not [p for p in (exchange / "dl-course" / "inbound").iterdir() if p.name.startswith(".")]

    # collected (as a service grading on arrival would), with what was refused at submission
    (reachable / "course").mkdir()
    shutil.copy(course_copy / "gradebook.db", reachable / "course")  # a new one would cost seconds of alembic
    config = Config()
    config.CourseDirectory.root, config.CourseDirectory.course_id = str(reachable / "course"), "dl-course"
    config.Exchange.root = str(exchange)
    refusals = collect_submission(config, "quiz", "nobody")
    assert "nobody/quiz: refused at submission: timestamp.txt: a name the hub writes itself; not taken from " \
           "your folder" in refusals
    collected = reachable / "course" / "submitted" / "nobody" / "quiz"
    assert (collected / "quiz.ipynb").read_text() == "{}"
    assert (collected / "timestamp.txt").read_text() == (stored / "timestamp.txt").read_text()
