"""The course on the real JupyterHub (``dlcourse hub`` run as root): the whole loop over HTTP as a
browser drives it, and who may reach what."""

from __future__ import annotations

import json
import os
import pwd
import re
import stat
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import ROOT
from hub_client import COURSE, FORMGRADER, entries, forget_assignment, formgrader, logged_in
from instant_client import graded_on_arrival
from notebooks import CORPUS, corpus_cells

from autograders.assignments.cnn.secret_view import KEY_FILE
from autograders.hub import memory_cgroup
from autograders.hub.prepare import prepare
from autograders.course import Course

SUBMISSION = CORPUS / "activations" / "partly_wrong.py"


@pytest.fixture(scope="module")
def alice(course_hub):
    forget_assignment("alice", "activations")  # from an earlier run of this test: fetch would refuse
    yield logged_in(course_hub, "alice")
    forget_assignment("alice", "activations")


def test_the_course_loop_from_fetch_to_feedback(course_hub, alice, instructor):
    # alice fetches the released assignment, fills in her (partly wrong) solution and submits
    assert entries(alice.assignments(**COURSE), "activations", "released")
    alice.assignments("fetch", assignment_id="activations", **COURSE)
    path = "api/contents/activations/activations.ipynb"
    nb = alice.server_api("GET", path).json()["content"]
    solution = corpus_cells(SUBMISSION)
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in solution:
            cell["source"] = solution[gid]
    alice.server_api("PUT", path, json={"type": "notebook", "format": "json", "content": nb}).raise_for_status()
    assert entries(alice.assignments("submit", assignment_id="activations", **COURSE), "activations", "submitted")
    # the course grades activations on arrival (course/instant_feedback.toml): alice's score comes in seconds
    on_arrival = graded_on_arrival(alice, "activations")

    # the instructor collects and autogrades in formgrader; the grading engine's scores land in the gradebook,
    # the same as given on arrival
    formgrader(instructor, "POST", "assignment/activations/collect")
    formgrader(instructor, "POST", "submission/activations/alice/autograde")
    submission = formgrader(instructor, "GET", "submission/activations/alice")
    max_score = Course(ROOT / "course").assignment("activations").max_score
    assert submission["max_score"] == max_score
    assert 0 < submission["score"] < max_score, submission
    assert submission["score"] == pytest.approx(on_arrival["score"])
    notebook = next(n for n in formgrader(instructor, "GET", "submitted_notebooks/activations/activations")
                    if n["student"] == "alice")
    grades = {g["name"]: g for g in formgrader(instructor, "GET", f"grades?submission_id={notebook['id']}")}
    # partly_wrong's slips (tests/test_activations.py): tanh is right, the other three lose points
    auto = {name: g["auto_score"] / g["max_score"] for name, g in grades.items() if name.startswith("test_")}
    assert auto["test_tanh"] == 1 and all(0 < auto[c] < 1 for c in ("test_sigmoid", "test_relu", "test_leaky_relu"))
    formgrader(instructor, "POST", "assignment/activations/alice/generate_feedback")
    formgrader(instructor, "POST", "assignment/activations/alice/release_feedback")

    # alice fetches her feedback and sees her score
    listing = alice.assignments("fetch_feedback", assignment_id="activations", **COURSE)
    fetched = [s for e in entries(listing, "activations", "submitted") for s in e["submissions"]
               if s["has_local_feedback"]]
    assert len(fetched) == 1, listing
    html = alice.server_api("GET", f"api/contents/{fetched[-1]['local_feedback_path']}/activations.html",
                            params={"content": 1, "format": "text", "type": "file"}).json()["content"]
    assert f"(Score: {round(submission['score'], 2)} / {round(max_score, 2)})" in html
    assert "Hidden checks:" in html  # the engine's feedback travels with the score

    # starting the hub again (its preparation) keeps submissions and grades, and releases nothing anew
    said = []
    prepare(Course(ROOT / "course"), ROOT / "course" / "roster.csv", course_hub.state, ip="127.0.0.1",
            port=8000, log=said.append)
    assert not [line for line in said if re.match(r"(generated|released) ", line)], said
    assert formgrader(instructor, "GET", "submission/activations/alice")["score"] == submission["score"]
    assert list((course_hub.state / "exchange" / "dl-course" / "inbound").iterdir())


def test_the_class_report_is_a_page_of_formgrader_for_instructors_only(course_hub, alice, instructor):
    from autograders.formgrader_report import URL
    from autograders.hub.settings import HubSettings, Layout
    from autograders.report_page import CSP
    from test_class_report import Page

    reply = instructor.open_page(FORMGRADER, URL)
    assert reply.headers["Content-Type"].startswith("text/html") and reply.headers["Content-Security-Policy"] == CSP
    page = Page(reply.text)
    students = HubSettings.load(Layout(course_hub.state.resolve()).settings_file).students
    assert [row[0] for row in page.section("Students")[1][1:]] == sorted(students)  # every student of the gradebook
    # the loop above graded alice's activations: its checks and messages are there, the example opens formgrader
    links = [a["href"] for tag, a in page.tags if tag == "a" and "formgrader/submissions/" in a.get("href", "")]
    if "activations" in {text.strip().splitlines()[0] for text in page.text.values()}:
        assert "failed by " in page.section("activations")[0] and links
    for link in links[:1]:
        assert link.startswith("../formgrader/submissions/")
        assert instructor.open_page(FORMGRADER, link.removeprefix("../")).ok
    assert alice.http.get(f"{course_hub.url}{FORMGRADER}{URL}").status_code in (403, 404)


def test_a_student_is_refused_formgrader_other_servers_and_the_admin_api(course_hub, alice):
    bob = course_hub.logged_in("bob")  # a running server of someone else's
    assert alice.http.get(f"{course_hub.url}{FORMGRADER}formgrader").status_code in (403, 404)
    assert alice.http.post(f"{course_hub.url}{FORMGRADER}formgrader/api/assignment/activations/collect"
                           ).status_code in (403, 404)
    assert alice.http.get(alice.server_url("api/contents", user="bob")).status_code in (403, 404)
    assert alice.http.get(alice.server_url("lab", user="bob")).status_code in (403, 404)
    for path in ("users", "users/bob", "groups"):
        assert alice.hub_api("GET", path).status_code in (403, 404), path
    assert alice.hub_api("DELETE", "users/bob/server").status_code in (403, 404)
    assert bob.server_api("GET", "api/status").ok  # bob's own server answers him


def test_code_in_a_students_kernel_cannot_read_the_course_material(course_hub, alice):
    state = course_hub.state
    bob_home = Path(pwd.getpwnam("bob").pw_dir)
    secrets = [ROOT / "course" / "source" / "activations" / "activations.ipynb",
               ROOT / "autograders" / "assignments" / "activations" / "hidden_checks.py",
               ROOT / "autograders" / "assignments" / "cnn" / "reference.py",
               ROOT / "course" / KEY_FILE,  # the CNN's view key, where the hub's grading makes it
               # a git worktree's .git is a file
               ROOT / ".git" / "config" if (ROOT / ".git").is_dir() else ROOT / ".git", ROOT / "tests" / "corpus" / "activations" / "correct_np_where.py",
               state / "course" / "gradebook.db", state / "course" / "source" / "activations" / "activations.ipynb",
               state / "hub" / "passwords.dbm", state / "hub" / "initial-passwords.csv", bob_home / ".bashrc"]
    folders = [bob_home, state / "exchange" / "dl-course" / "inbound", state / "course", ROOT]
    code = f"""
import os
for path in {[str(p) for p in secrets]!r}:
    try:
        open(path, "rb").read(1); print("READ", path)
    except PermissionError: print("DENIED", path)
    except OSError as exc: print(type(exc).__name__, path)
for path in {[str(p) for p in folders]!r}:
    try:
        os.listdir(path); print("LISTED", path)
    except PermissionError: print("DENIED", path)
"""
    lines = alice.run_code(code).splitlines()
    assert len(lines) == len(secrets) + len(folders)
    assert all(line.startswith("DENIED") for line in lines), "\n".join(lines)


def test_servers_run_as_their_users_with_the_memory_limit_gpu_growth_and_a_lower_priority(course_hub, alice):
    account = pwd.getpwnam("alice")
    out = alice.run_code("import os; print(os.getuid(), os.getppid(), os.environ['TF_FORCE_GPU_ALLOW_GROWTH'], "
                         "os.environ['HOME'], os.getpriority(os.PRIO_PROCESS, 0))").split()
    assert out[0] == str(account.pw_uid) and out[2] == "true" and out[3] == account.pw_dir
    assert out[4] == "10"  # below the hub's priority: logins and pages answer while a class's servers start
    assert stat.S_IMODE(os.stat(account.pw_dir).st_mode) == 0o700
    if reason := memory_cgroup.unavailable_reason():
        pytest.skip(f"per-user memory limits cannot be enforced here: {reason}")
    assert memory_cgroup.limit_of(int(out[1])) == 3 * 1024 ** 3  # the server process, parent of the kernel


def test_the_instructor_administers_the_hub(course_hub, instructor):
    users = {u["name"]: u for u in instructor.hub_api("GET", "users").json()}
    assert {"alice", "bob", "carol", "instructor"} <= set(users)
    assert "instructors" in users["instructor"]["roles"] and "instructors" not in users["alice"]["roles"]
    assert not users["instructor"]["admin"]  # JupyterHub's admins open every server: see the role's comment
    services = {s["name"] for s in instructor.hub_api("GET", "services").json().values()}
    assert {"dl-course", "grading", "idle-culler"} <= services


def _lab_page_config(user) -> dict:
    html = user.http.get(user.server_url("lab")).text
    found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found[1])


def test_the_instructors_nbgrader_menu_opens_formgrader_and_students_have_none(course_hub, instructor, alice):
    instructor.start_server()
    disabled = {user.name: _lab_page_config(user)["disabledExtensions"] for user in (instructor, alice)}
    assert "@jupyter/nbgrader:formgrader" not in disabled["instructor"]  # the menu's Formgrader item
    assert "@jupyter/nbgrader:formgrader" in disabled["alice"]
    # what the item opens, <server>/formgrader, is the course's formgrader service
    page = instructor.http.get(instructor.server_url("formgrader/manage_students"))
    assert page.ok and urlsplit(page.url).path == f"{FORMGRADER}formgrader/manage_students", page.url
    assert alice.http.get(alice.server_url("formgrader")).status_code == 404
    # nothing but a path below formgrader travels through the link
    page = instructor.http.get(instructor.server_url("formgrader//example.org/x"), allow_redirects=False)
    assert page.headers["Location"] == f"{FORMGRADER}formgrader/example.org/x"
