"""Submissions on the real hub that no student can forge, backdate or use to read hidden material.

Every attack is code run in the attacker's own kernel (bob's), as a student with a terminal or a
cell would run it; carol's genuine submission of the quiz is the victim. One round for the module:
carol submits, bob attacks and submits, the instructor collects, autogrades and releases feedback
in formgrader, bob fetches his feedback.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import ROOT
from graded_class import quiz_answers
from hub_client import COURSE, entries, forget_assignment, formgrader, logged_in

from autograders.audit import fingerprints
from autograders.course import Course

QUIZ = "concepts_quiz"
CAROLS_LINE = f"# carol's own reasoning, in her words: {secrets.token_hex(8)}"  # no one else may ever show it


def fill_in(user, answers: dict[str, str]):
    """Write answers into the user's fetched quiz, as JupyterLab saves a notebook."""
    path = f"api/contents/{QUIZ}/{QUIZ}.ipynb"
    nb = user.server_api("GET", path).json()["content"]
    for cell in nb["cells"]:
        if (gid := cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")) in answers:
            cell["source"] = answers[gid]
    user.server_api("PUT", path, json={"type": "notebook", "format": "json", "content": nb}).raise_for_status()


def attack_code(hub_state: Path, planted: Path) -> str:
    """Bob's cell: a submission folder armed with links, a hard link, a pipe, a sparse 1 GB file, 100,000
    files and a backdated timestamp, and a notebook that prints whatever it finds; then the exchange's doors."""
    exchange = hub_state / "exchange"
    targets = {"key.py": ROOT / "autograders" / "assignments" / QUIZ / "reference.py",
               "solutions.ipynb": hub_state / "course" / "source" / QUIZ / f"{QUIZ}.ipynb",
               "gradebook.db": hub_state / "course" / "gradebook.db",
               "carols.ipynb": Path(pwd.getpwnam("carol").pw_dir) / QUIZ / f"{QUIZ}.ipynb"}
    doors = {"make another course": exchange / "other-course", "make a future course": exchange / "dl-course-2",
             "write into the exchange root": exchange / "notes.txt",
             "forge carol's submission": exchange / "dl-course" / "inbound" / f"carol+{QUIZ}+2099-01-01 00:00:00.000000 UTC",
             "replace the release": exchange / "dl-course" / "outbound" / QUIZ / "extra.txt",
             "plant feedback": exchange / "dl-course" / "feedback" / ("0" * 32)}
    return f"""
import json, os, socket, subprocess
folder = os.path.expanduser("~/{QUIZ}")
for name, target in {({k: str(v) for k, v in targets.items()})!r}.items():
    os.symlink(target, os.path.join(folder, name))
os.link({str(planted)!r}, os.path.join(folder, "carols_notes.txt"))
os.mkfifo(os.path.join(folder, "pipe"))
with open(os.path.join(folder, "big.bin"), "wb") as big:
    big.truncate(1 << 30)
os.mkdir(os.path.join(folder, "many"))
for i in range(100_000):
    os.close(os.open(os.path.join(folder, "many", str(i)), os.O_CREAT | os.O_WRONLY, 0o644))
with open(os.path.join(folder, "timestamp.txt"), "w") as stamp:
    stamp.write("2020-01-01 00:00:00.000000 UTC")
os.utime(os.path.join(folder, "{QUIZ}.ipynb"), (1577836800, 1577836800))
for what, path in {({k: str(v) for k, v in doors.items()})!r}.items():
    try:
        os.mkdir(path) if not path.endswith((".txt", "0")) else open(path, "w").close()
        print("ALLOWED", what)
    except OSError as exc:
        print("DENIED", what, type(exc).__name__)
try:
    os.listdir({str(exchange / "dl-course" / "inbound")!r}); print("ALLOWED list inbound")
except OSError:
    print("DENIED list inbound")
with socket.socket(socket.AF_UNIX) as intake:  # the intake, asked to take this folder as carol's
    intake.connect({str(hub_state / "intake" / "intake.sock")!r})
    intake.sendall(json.dumps({{"course_id": "dl-course", "assignment_id": "{QUIZ}", "folder": folder,
                                "student": "carol"}}).encode())
    intake.shutdown(socket.SHUT_WR)
    print("INTAKE", intake.recv(65536).decode())
done = subprocess.run(["nbgrader", "submit", "{QUIZ}", "--course", "dl-course", "--student", "carol"],
                      cwd=os.path.expanduser("~"), capture_output=True, text=True)
print("NBGRADER", done.returncode, "you can only submit as yourself" in done.stderr)
"""


# bob's answer cells: one prints every file it can find beside the notebook, in case collect brought any
LOOTING_CELL = """q01 = 'B'
import os
for name in sorted(os.listdir('.')):
    if os.path.isfile(name) and not name.endswith('.ipynb'):
        print(name, open(name, errors='replace').read()[:4000])
for name in ('solutions.ipynb', 'carols.ipynb'):
    if os.path.exists(name):
        print(open(name, errors='replace').read())"""


@pytest.fixture(scope="module")
def round_(course_hub, instructor):
    """The whole round, once; what it produced, for the tests to judge."""
    for name in ("bob", "carol"):
        forget_assignment(name, QUIZ)
    carol_account = pwd.getpwnam("carol")
    plant_dir = Path(tempfile.mkdtemp(prefix="dlcourse-plant-"))
    plant_dir.chmod(0o755)
    planted = plant_dir / "carols_notes.txt"  # a file of carol's that bob can reach (and, as shared, write)
    planted.write_text("carol's private notes\n")
    os.chown(planted, carol_account.pw_uid, carol_account.pw_gid)
    planted.chmod(0o666)
    try:
        carol, bob = logged_in(course_hub, "carol"), logged_in(course_hub, "bob")
        carol.assignments("fetch", assignment_id=QUIZ, **COURSE)
        answers = quiz_answers("carol")
        answers["q01_answer"] += f"\n{CAROLS_LINE}"
        fill_in(carol, answers)
        carol.assignments("submit", assignment_id=QUIZ, **COURSE)

        bob.assignments("fetch", assignment_id=QUIZ, **COURSE)
        fill_in(bob, {"q01_answer": LOOTING_CELL})
        attack = bob.run_code(attack_code(course_hub.state, planted), timeout=300).splitlines()
        before = datetime.now(timezone.utc)
        assert entries(bob.assignments("submit", assignment_id=QUIZ, **COURSE), QUIZ, "submitted")
        after = datetime.now(timezone.utc)

        collected = formgrader(instructor, "POST", f"assignment/{QUIZ}/collect")
        for student in ("carol", "bob"):
            formgrader(instructor, "POST", f"submission/{QUIZ}/{student}/autograde")
            formgrader(instructor, "POST", f"assignment/{QUIZ}/{student}/generate_feedback")
            formgrader(instructor, "POST", f"assignment/{QUIZ}/{student}/release_feedback")
        bob.assignments("fetch_feedback", assignment_id=QUIZ, **COURSE)
        yield {"attack": attack, "collect_log": collected.get("log", ""), "submitted_between": (before, after),
               "carol": carol, "bob": bob, "instructor": instructor}
    finally:
        shutil.rmtree(plant_dir, ignore_errors=True)
        for name in ("bob", "carol"):
            forget_assignment(name, QUIZ)


def test_the_exchange_and_the_intake_refuse_every_other_door(round_):
    lines = round_["attack"]
    doors = [line for line in lines if line.startswith(("ALLOWED", "DENIED"))]
    assert len(doors) == 7 and all(line.startswith("DENIED") for line in doors), "\n".join(doors)
    intake = json.loads(next(line for line in lines if line.startswith("INTAKE "))[len("INTAKE "):])
    assert "unknown field(s) student" in intake["error"], intake
    assert "NBGRADER 1 True" in lines  # nbgrader submit --student carol: refused


def test_what_is_not_bobs_own_regular_file_is_refused_and_told_to_the_instructor(round_):
    log = round_["collect_log"]
    for refused in ("key.py: a symbolic link", "solutions.ipynb: a symbolic link", "gradebook.db: a symbolic link",
                    "carols.ipynb: a symbolic link", "carols_notes.txt: a file of another account",
                    "pipe: a named pipe", "big.bin: 1,024 MB on disk: over the 100 MB",
                    # the notebook first; the count holds the release's own files, notebook_tools.py included
                    "(the rest): 99504 more entries not taken: 500 files and folders at most are taken",
                    "timestamp.txt: a name the hub writes itself"):
        assert f"bob/{QUIZ}: refused at submission: {refused}" in log, (refused, log)


def test_carols_submission_and_grade_are_hers_alone(round_, course_hub):
    instructor = round_["instructor"]
    carol = formgrader(instructor, "GET", f"submission/{QUIZ}/carol")
    assert carol["score"] == Course(ROOT / "course").assignment(QUIZ).max_score  # her right answers, all of them
    home = Path(pwd.getpwnam("carol").pw_dir)
    submitted = course_hub.state / "course" / "submitted" / "carol" / QUIZ
    assert (submitted / f"{QUIZ}.ipynb").read_bytes() == (home / QUIZ / f"{QUIZ}.ipynb").read_bytes()
    bob = formgrader(instructor, "GET", f"submission/{QUIZ}/bob")
    assert bob["score"] is not None  # graded, on whatever he really wrote


def test_bobs_recorded_submission_time_is_the_servers(round_):
    bob = formgrader(round_["instructor"], "GET", f"submission/{QUIZ}/bob")
    recorded = datetime.fromisoformat(bob["timestamp"]).replace(tzinfo=timezone.utc)
    before, after = round_["submitted_between"]
    assert before <= recorded <= after, (bob["timestamp"], before, after)


def test_nothing_bob_or_the_course_holds_shows_hidden_material(round_, course_hub):
    course = Course(ROOT / "course")
    hidden = set()
    for name in course.assignment_names():
        hidden |= set(fingerprints(course.assignment(name)))
    gradebook = (course_hub.state / "course" / "gradebook.db").read_bytes()[:4096]
    bob_home = Path(pwd.getpwnam("bob").pw_dir)
    # this round's folders: the session's other tests leave students' own code in the course (grading on arrival),
    # whose correct lines are the reference's
    files = [p for tree in ("submitted", "autograded", "feedback")
             for p in (course_hub.state / "course" / tree).glob(f"*/{QUIZ}/**/*") if p.is_file() and not p.is_symlink()]
    files += [p for p in (bob_home / QUIZ / "feedback").rglob("*.html")]
    assert any(p.suffix == ".html" and "bob" in str(p) for p in files)  # bob's feedback, released and fetched
    for path in files:
        text = path.read_bytes()
        assert not text.startswith(b"SQLite format 3") and gradebook not in text, path
        shown = " ".join(text.decode(errors="replace").split())
        assert not [line for line in hidden if line in shown], path
        if "carol" not in path.parts:
            assert CAROLS_LINE not in shown, path


def test_the_hub_goes_on(round_):
    for user in ("carol", "bob"):
        assert round_[user].server_api("GET", "api/status").ok
    listing = round_["carol"].assignments(**COURSE)
    assert entries(listing, QUIZ, "submitted")
