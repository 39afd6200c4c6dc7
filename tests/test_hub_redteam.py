"""The red team's attacks on the real hub (``dlcourse hub`` run as root), made after issues 14, 16 and 24.

Each test reproduces one hole, from what a hostile student controls: her notebook and the files she submits
(which the instructor later opens in formgrader), her own JupyterLab server (which serves pages on the hub's
own origin), her kernel (logins, the intake's socket). A test fails while its hole is open; the red team's
report says how severe each is and how it could be closed.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import time
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
from conftest import ROOT, dlcourse
from graded_class import quiz_answers
from hub_client import COURSE, FORMGRADER, HubUser, forget_assignment, formgrader
from test_hub_attacks import LOGIN, port_of

from autograders.hub.intake import RECORDS
from autograders.regular_files import SUBMISSION

QUIZ = "concepts_quiz"
MARK = f"redteam{secrets.token_hex(4)}"  # what the attacker's markup sets, when it runs
FOLDERS = SUBMISSION.entries + 100  # empty folders in the submission: each costs the exchange an inode and a block


@pytest.fixture(scope="module")
def alice(course_hub):
    forget_assignment("alice", QUIZ)
    yield course_hub.logged_in("alice")
    forget_assignment("alice", QUIZ)


def _armed_quiz(alice):
    """alice's quiz, answered right, with markup in a markdown cell and in an answer's output."""
    path = f"api/contents/{QUIZ}/{QUIZ}.ipynb"
    nb = alice.server_api("GET", path).json()["content"]
    answers = quiz_answers("alice")
    answers["q01_answer"] += ("\nfrom IPython.display import HTML, display\n"
                              f"display(HTML('<img src=x onerror=\"window.{MARK}_output = 1\">'))")
    for cell in nb["cells"]:
        if (gid := cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")) in answers:
            cell["source"] = answers[gid]
    nb["cells"].insert(1, {"cell_type": "markdown", "id": "redteam-markdown", "metadata": {},
                           "source": f'My notes <img src="y" onerror="window.{MARK}_markdown = 1"> and '
                                     f'[{MARK} plot](javascript:window.{MARK}_link=1)'})
    alice.server_api("PUT", path, json={"type": "notebook", "format": "json", "content": nb}).raise_for_status()


# a page alice submits beside her notebook: once opened on formgrader's origin, it acts as the instructor there
NOTES_PAGE = f"""<!doctype html><title>notes</title><script>
const xsrf = (document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1];
fetch("{FORMGRADER}formgrader/api/students", {{headers: {{"X-XSRFToken": xsrf}}}}).then(
  r => {{ document.title = "{MARK} " + r.status; }}, () => {{ document.title = "{MARK} refused"; }});
</script>"""


PLOT_SVG = f"""<svg xmlns="http://www.w3.org/2000/svg"><script>document.title = "{MARK} svg"</script></svg>"""


@pytest.fixture(scope="module")
def submitted(course_hub, alice, instructor):
    """alice's armed quiz submitted, collected and autograded in formgrader: what the instructor opens next."""
    alice.assignments("fetch", assignment_id=QUIZ, **COURSE)
    _armed_quiz(alice)
    alice.run_code(f"""
import os
folder = os.path.expanduser("~/{QUIZ}")
with open(os.path.join(folder, "notes.html"), "w") as page:
    page.write({NOTES_PAGE!r})
with open(os.path.join(folder, "plot.svg"), "w") as picture:
    picture.write({PLOT_SVG!r})
for i in range({FOLDERS}):
    os.makedirs(os.path.join(folder, "folders", str(i)))
""")
    alice.assignments("submit", assignment_id=QUIZ, **COURSE)
    formgrader(instructor, "POST", f"assignment/{QUIZ}/collect")
    formgrader(instructor, "POST", f"submission/{QUIZ}/alice/autograde")
    [notebook] = formgrader(instructor, "GET", f"student_notebook_submissions/alice/{QUIZ}")
    return {"submission": notebook["id"]}


def _browser_of(browser, hub, user: HubUser):
    """A browser context holding ``user``'s cookies (hub login, formgrader's OAuth), as their own browser would."""
    context = browser.new_context()
    host = urlsplit(hub.url).hostname
    context.add_cookies([{"name": c.name, "value": c.value, "domain": host, "path": c.path} for c in user.http.cookies])
    return context


def test_formgrader_runs_no_markup_of_a_students_notebook(course_hub, instructor, submitted, browser):
    """The instructor grading alice's quiz in formgrader: her markdown's and her output's HTML must not run there,
    where it would act as the instructor (formgrader's API, and kernels and terminals as the grader account)."""
    page = _browser_of(browser, course_hub, instructor).new_page()
    page.goto(f"{course_hub.url}{FORMGRADER}formgrader/submissions/{submitted['submission']}/")
    page.wait_for_load_state("load")  # the broken images' onerror has fired by then
    ran = page.evaluate(f"[window.{MARK}_markdown, window.{MARK}_output]")
    assert ran == [None, None], f"alice's markup ran in formgrader's page (markdown, output): {ran}"


def test_a_link_in_a_students_notebook_runs_nothing_in_formgrader(course_hub, instructor, submitted, browser):
    """A markdown link of alice's (``[my plot](javascript:...)``) that the instructor clicks while grading: nbconvert's
    markdown renderer keeps ``javascript:`` links, and formgrader's template does not clean the HTML it renders."""
    page = _browser_of(browser, course_hub, instructor).new_page()
    page.goto(f"{course_hub.url}{FORMGRADER}formgrader/submissions/{submitted['submission']}/")
    link = page.get_by_text(f"{MARK} plot")
    if link.count():
        link.first.click()
    assert page.evaluate(f"window.{MARK}_link") is None, "alice's link ran in formgrader's page"


def test_formgrader_serves_no_page_of_a_students_files(course_hub, instructor, submitted, browser):
    """A page alice submitted beside her notebook, opened from formgrader (a link in her notebook, a URL she sends),
    must not run on formgrader's origin with the instructor's session."""
    from playwright.sync_api import Error as BrowserError

    page = _browser_of(browser, course_hub, instructor).new_page()
    try:
        page.goto(f"{course_hub.url}{FORMGRADER}formgrader/submissions/{submitted['submission']}/notes.html")
        page.wait_for_function(f"document.title.startsWith('{MARK}')", timeout=5_000)
    except BrowserError:
        pass  # not shown as a page (a download), or its script did not run
    assert page.title() != f"{MARK} 200", "alice's page read formgrader's API as the instructor"
    # whatever the file, a browser runs none of it there: sandboxed, guessing no type
    for name in ("notes.html", "plot.svg", f"{QUIZ}.ipynb"):
        reply = instructor.http.get(f"{course_hub.url}{FORMGRADER}formgrader/submissions/{submitted['submission']}/{name}")
        policy = reply.headers.get("Content-Security-Policy", "")
        assert reply.status_code == 200 and "sandbox" in policy and "default-src 'none'" in policy, (name, policy)
        assert reply.headers.get("X-Content-Type-Options") == "nosniff", name


def test_a_submission_of_folders_is_bounded_like_one_of_files(course_hub, submitted):
    """The intake takes at most SUBMISSION.entries files and folders: empty folders cost inodes and blocks in the
    exchange too (the grader account's, outside any quota of alice's), at every submission again."""
    inbound = course_hub.state / "exchange" / "dl-course" / "inbound"
    [folder] = [p for p in inbound.iterdir() if p.name.startswith(f"alice+{QUIZ}+")]
    entries = sum(len(folders) + len(files) for _, folders, files in os.walk(folder))
    on_disk = sum(os.lstat(os.path.join(top, name)).st_blocks * 512 for top, folders, files in os.walk(folder)
                  for name in folders + files)
    assert entries <= SUBMISSION.entries + len(RECORDS), (
        f"alice's submission holds {entries} entries ({on_disk >> 20} MB on disk) in the exchange")


@pytest.fixture(scope="module")
def named_cell(course_hub, alice, instructor):
    """alice submits her quiz again with one more cell, a graded one of her own, named with terminal control
    sequences; collected and autograded in formgrader. What autograde answered."""
    forget_assignment("alice", QUIZ)
    alice.assignments("fetch", assignment_id=QUIZ, **COURSE)
    path = f"api/contents/{QUIZ}/{QUIZ}.ipynb"
    nb = alice.server_api("GET", path).json()["content"]
    nb["cells"].insert(1, {"cell_type": "markdown", "id": "redteam-named", "source": "my notes", "metadata": {
        "nbgrader": {"grade": False, "solution": True, "locked": False, "schema_version": 3,
                     "grade_id": f"{MARK}\x1b[2J\x1b[H\x1b]52;c;ZWNobyBvd25lZA==\x1b\\"}}})
    alice.server_api("PUT", path, json={"type": "notebook", "format": "json", "content": nb}).raise_for_status()
    alice.assignments("submit", assignment_id=QUIZ, **COURSE)
    formgrader(instructor, "POST", f"assignment/{QUIZ}/collect")
    return instructor.api("POST", FORMGRADER, f"formgrader/api/submission/{QUIZ}/alice/autograde").json()


def test_the_hubs_log_shows_a_submissions_strings_as_text(course_hub, named_cell):
    """formgrader's log goes to the terminal of `dlcourse hub` (root's): alice's cell name must reach it as text,
    not as sequences that clear root's screen or write its clipboard (nbgrader's own warning names the cell)."""
    named = [line for line in course_hub.log_text().splitlines() if MARK in line]
    assert named and not [line for line in named if "\x1b" in line], named


def test_a_notebook_with_a_graded_cell_of_its_own_is_graded_on_the_hub(named_cell):
    """`dlcourse grade` grades such a notebook (the cell loses its nbgrader metadata, with a note); on the hub
    nbgrader's autograde fails on it before the engine runs (KeyError 'grade_id'), and alice's work gets no grade."""
    assert named_cell.get("success"), (named_cell.get("error") or named_cell.get("log", ""))[-600:]


def test_failed_logins_of_another_do_not_lock_the_instructor_out(course_hub, alice):
    """Five wrong passwords typed in alice's kernel for the instructor's name, from an address of hers: the instructor,
    from their own address and with their own password, still logs in."""
    failed = alice.run_code(LOGIN + f"""
for attempt in range(5):
    print(*login({port_of(course_hub)}, "instructor", f"not-the-password-{{attempt}}", "127.0.0.9"))
""").split("\n")
    assert failed[:5] == ["403 False"] * 5, failed
    refused_at = time.monotonic()
    reply = HubUser(course_hub.url, "instructor").try_login(course_hub.password("instructor"))
    try:
        assert reply.status_code == 302, "the instructor is locked out of the hub by alice's failed logins"
    finally:
        if reply.status_code != 302:  # CourseAuthenticator.first_lock: let the tests after this one log in
            time.sleep(max(0.0, refused_at + 10.5 - time.monotonic()))


def test_the_intake_bounds_the_time_to_send_a_request(course_hub, alice):
    """IntakeLimits.request_seconds (10 s) bounds sending a request: a request trickled in over 12 s is refused,
    not served (each wait between bytes under 10 s, which is what the intake now limits)."""
    intake = course_hub.state / "intake" / "intake.sock"
    reply = alice.run_code(f"""
import json, socket, time
request = json.dumps({{"course_id": "dl-course", "assignment_id": "{QUIZ}", "folder": "/nonexistent"}}).encode()
with socket.socket(socket.AF_UNIX) as intake:
    intake.connect({str(intake)!r})
    try:
        for piece in (request[:1], request[1:2], request[2:3]):
            intake.sendall(piece)
            time.sleep(4)
        intake.sendall(request[3:])
        intake.shutdown(socket.SHUT_WR)
        print(intake.recv(65536).decode())
    except OSError as exc:
        print("closed:", exc)
""", timeout=60)
    assert "does not exist" not in reply, f"the intake served a request sent over 12 s: {reply}"


def test_the_hubs_log_shows_what_a_students_kernel_writes_there_as_text(course_hub, alice):
    """Every student's server and kernel inherit the hub's stderr: what alice's kernel writes there (the stream it
    started with, beneath ipykernel's capture) reaches root's terminal as text."""
    alice.run_code(f"""
import os, sys
os.write(sys.__stderr__.fileno() if sys.__stderr__ else 2, b"{MARK} kernel \\x1b]52;c;ZWNobyBvd25lZA==\\x07\\x1b[2J\\n")
stream = getattr(sys.stderr, "_original_stdstream_copy", None)
if stream is not None:
    os.write(stream, b"{MARK} kernel \\x1b]52;c;ZWNobyBvd25lZA==\\x07\\x1b[2J\\n")
""")
    deadline = time.monotonic() + 10
    while not (written := [line for line in course_hub.log_text().splitlines() if f"{MARK} kernel" in line]):
        assert time.monotonic() < deadline, "what alice's kernel wrote did not reach the hub's log"
        time.sleep(0.5)
    assert not [line for line in written if "\x1b" in line or "\x07" in line], written


def test_a_students_own_server_serves_no_page_that_acts_for_the_instructor(course_hub, alice, instructor, browser):
    """alice configures her own server (her ~/.jupyter) to serve a page of hers, and restarts it from the hub; the
    instructor opens its link. On the hub's own origin, the page would ask the hub for an API token of the
    instructor's. Her configuration is not read, and no page of her server is the instructor's to open at all."""
    home = Path(pwd.getpwnam("alice").pw_dir)
    page_source = f"""<!doctype html><title>help</title><script>
(async () => {{
  const page = await (await fetch("/hub/token")).text();
  const xsrf = (page.match(/xsrf_token: *"([^"]+)"/) || [])[1];
  const made = await fetch("/hub/api/users/instructor/tokens", {{method: "POST", body: JSON.stringify({{note: "{MARK}"}}),
                           headers: {{"X-XSRFToken": xsrf, "Content-Type": "application/json"}}}});
  document.title = "{MARK} " + made.status;
}})();
</script>"""
    alice.run_code(f"""
import json, os
os.makedirs(os.path.expanduser("~/.jupyter"), exist_ok=True)
os.makedirs(os.path.expanduser("~/{MARK}"))
with open(os.path.expanduser("~/{MARK}/help.html"), "w") as page:
    page.write({page_source!r})
with open(os.path.expanduser("~/.jupyter/jupyter_server_config.json"), "w") as config:
    json.dump({{"ServerApp": {{"extra_static_paths": [os.path.expanduser("~/{MARK}")]}}}}, config)
""")
    try:
        alice.hub_api("DELETE", "users/alice/server").raise_for_status()
        deadline = time.monotonic() + 60
        while alice.hub_api("GET", "users/alice").json().get("servers") and time.monotonic() < deadline:
            time.sleep(0.5)
        alice.start_server()
        page = _browser_of(browser, course_hub, instructor).new_page()
        shown = page.goto(f"{course_hub.url}/user/alice/static/help.html")
        assert shown.status == 404, "alice's server serves a page of her own configuration"
        assert page.title() != f"{MARK} 201", "alice's page made itself an API token of the instructor's"
        # her server's own pages (her notebooks, signed trusted by her own key) are not the instructor's either
        lab = page.goto(f"{course_hub.url}/user/alice/lab")
        assert lab.status == 403 and urlsplit(page.url).path.startswith("/hub/"), (lab.status, page.url)
    finally:
        for token in instructor.hub_api("GET", "users/instructor/tokens").json().get("api_tokens", []):
            if token.get("note") == MARK:
                instructor.hub_api("DELETE", f"users/instructor/tokens/{token['id']}")
        (home / ".jupyter" / "jupyter_server_config.json").unlink(missing_ok=True)
        shutil.rmtree(home / MARK, ignore_errors=True)
        # her server, started with that configuration, goes; the next test that needs it starts a plain one
        alice.hub_api("DELETE", "users/alice/server")


def test_dlcourse_grade_prints_no_terminal_control_sequence_of_a_submission(tmp_path):
    """A notebook's own strings (a cell's grade_id, its kernel's name) reach the instructor's terminal in the notes
    of `dlcourse grade`: escape sequences there clear the screen, move the cursor over the results, or write the
    terminal's clipboard (OSC 52), for the instructor to paste."""
    nb = nbformat.read(ROOT / "course" / "source" / QUIZ / f"{QUIZ}.ipynb", as_version=4)
    cell = nbformat.v4.new_markdown_cell("my notes")
    cell.metadata["nbgrader"] = {"grade": False, "solution": True, "locked": False, "schema_version": 3,
                                 "grade_id": "q\x1b[2J\x1b[H\x1b]52;c;ZWNobyBvd25lZA==\x1b\\"}
    nb.cells.insert(0, cell)
    nb.metadata["kernelspec"]["name"] = "python3\x1b[8m"
    nbformat.write(nb, tmp_path / f"{QUIZ}.ipynb")
    out = dlcourse("grade", tmp_path / f"{QUIZ}.ipynb", "--assignment", QUIZ, "--student", "mallory",
                   "--course", ROOT / "course", "--no-sandbox").stdout
    assert "is not part of this assignment" in out  # the note is printed ...
    assert "\x1b" not in out, [line for line in out.splitlines() if "\x1b" in line]  # ... as text
