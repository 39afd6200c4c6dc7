"""Feedback and formgrader pages render on an offline server: headless Chromium with every outside request blocked.

A student's graded notebook gets its feedback from the real ``nbgrader generate_feedback``; a Jupyter
server of the course (the grader's environment, with formgrader, as the hub's formgrader service runs it)
serves the feedback where a student's fetched copy sits, and formgrader's own pages. Screenshots are kept
in test-artifacts/feedback/.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time

import nbformat
import pytest
import requests
from bs4 import BeautifulSoup
from nbgrader.api import Gradebook

from autograders.course import COURSE_PAGE, Course
from autograders.feedback import FORMGRADER_JUPYTER_PATH
from autograders.hub.prepare import free_port
from autograders.hub.release import record_due_dates
from autograders.hub.settings import COURSE_ID
from autograders.process_env import with_own_bin
from autograders.schedule import read_schedule
from browser import offline_page, screenshot
from conftest import BIN, ROOT, run

FETCHED = "activations/feedback/2027-01-18 09:00:00.000000 UTC"  # where fetch_feedback puts a student's copy
MATHJAX_DONE = """() => window.MathJax && MathJax.Hub && MathJax.Hub.queue && MathJax.Hub.queue.pending === 0
                  && MathJax.Hub.queue.running === 0 && document.querySelectorAll('.MathJax, .MathJax_Display').length > 0"""


@pytest.fixture(scope="module")
def course(course_copy, tmp_path_factory):
    """A course in which alice's activations notebook was autograded and her feedback generated."""
    course = tmp_path_factory.mktemp("feedback") / "course"
    shutil.copytree(course_copy, course)
    submission = course / "submitted" / "alice" / "activations"
    shutil.copytree(course / "release" / "activations", submission)
    nb = nbformat.read(ROOT / "course" / "source" / "activations" / "activations.ipynb", as_version=4)
    # what a student writes is theirs to show, never to run in the page
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(
        'My notes <script>window.PWNED = 1</script><img src="x" onerror="window.PWNED = 2"> $$x^2$$'))
    nbformat.write(nb, submission / "activations.ipynb")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gradebook:
        gradebook.update_or_create_student("alice")
        record_due_dates(gradebook, Course(course))
    run([BIN / "nbgrader", "autograde", "activations"], cwd=course)  # as formgrader's button does
    run([BIN / "nbgrader", "generate_feedback", "activations", "--student", "alice"], cwd=course)
    fetched = course / FETCHED
    fetched.mkdir(parents=True)
    shutil.copy(course / "feedback" / "alice" / "activations" / "activations.html", fetched)
    return course


@pytest.fixture(scope="module")
def server(course):
    """A Jupyter server of the grader's environment on the course folder (formgrader included): its URL and token."""
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "PATH": with_own_bin(os.environ["PATH"]), "JUPYTER_PATH": str(FORMGRADER_JUPYTER_PATH)}
    log = open(course.parent / "server.log", "w")
    process = subprocess.Popen([BIN / "jupyter", "server", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
                                f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={course}",
                                *(["--allow-root"] if os.geteuid() == 0 else [])],
                               cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if requests.get(f"{url}/api/status", params={"token": token}, timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, (course.parent / "server.log").read_text()
            time.sleep(0.5)
        yield url, token
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def visit(browser, server, path, blocked):
    url, token = server
    page = offline_page(browser, url.removeprefix("http://"), blocked, viewport={"width": 1280, "height": 900})
    page.goto(f"{url}/{path}{'&' if '?' in path else '?'}token={token}")
    return page


def test_feedback_renders_its_maths_offline_and_fits_the_page(course, server, browser):
    blocked = []
    page = visit(browser, server, f"files/{FETCHED}/activations.html", blocked)
    page.wait_for_function(MATHJAX_DONE, timeout=60_000)
    text = page.inner_text("body")
    assert "$$" not in text and "\\frac" not in text and "\\sigma" not in text, "raw TeX in the visible text"
    assert "Math Processing Error" not in text and page.locator(".MathJax_Display").count() >= 4
    overflow = page.evaluate("""() => [...document.images].filter(img => !img.complete || img.naturalWidth === 0
        || img.getBoundingClientRect().right > document.documentElement.clientWidth + 1).length""")
    assert overflow == 0, "an image is broken or wider than the page"
    borders = page.evaluate("""() => [...document.querySelectorAll('div.output_area img')]
        .filter(img => parseFloat(getComputedStyle(img).borderTopWidth) > 0).length""")
    assert borders == 0
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
    assert page.evaluate("window.PWNED === undefined"), "a script from the student's notebook ran in the page"
    screenshot(page, "feedback", "feedback")
    assert blocked == [], f"the feedback page asked the internet for {blocked}"


def test_feedback_names_each_check_and_scores_it_once(course):
    soup = BeautifulSoup((course / FETCHED / "activations.html").read_text(), "html.parser")
    links = [a.get_text(strip=True) for a in soup.select("#toc a")]
    assert links == ["test_sigmoid", "test_tanh", "test_relu", "test_leaky_relu"]
    for grade_id in links:
        cell = soup.find("a", attrs={"name": grade_id}).find_parent("div", class_="cell")
        assert "hidden checks" in cell.get_text().lower(), cell.get_text()[:300]  # the engine's verdict
        assert not cell.select(".output_execute_result") and "Out[" not in cell.get_text(), grade_id


def test_formgrader_lists_the_assignments_in_course_order_with_due_dates(course, server, browser):
    blocked = []
    page = visit(browser, server, "formgrader/manage_assignments", blocked)
    page.wait_for_selector("td.name", timeout=60_000)
    page.click("th:has-text('Due Date')")  # formgrader's table starts sorted by name; one click sorts by due date
    rows = [(row.locator("td.name").inner_text().strip(), row.locator("td.duedate").inner_text().strip())
            for row in page.locator("tr:has(td.name)").all()]
    schedule = read_schedule(course, Course(course).assignment_names())
    # by due date: the course's order; the course page, which has none, comes last
    assert [name for name, _ in rows] == [a.name for a in schedule.assignments] + [COURSE_PAGE], rows
    for entry, (_, shown) in zip(schedule.assignments, rows):
        assert entry.due.strftime("%Y-%m-%d") in shown, (entry.name, shown)
    screenshot(page, "feedback", "formgrader-assignments")
    assert blocked == [], f"formgrader asked the internet for {blocked}"


def test_formgraders_submission_page_renders_its_maths_offline(course, server, browser):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gradebook:
        submission = gradebook.find_submission_notebook("activations", "activations", "alice").id
    blocked = []
    page = visit(browser, server, f"formgrader/submissions/{submission}", blocked)
    page.wait_for_load_state("networkidle")
    assert blocked == [], f"formgrader asked the internet for {blocked}"
    page.wait_for_function(MATHJAX_DONE, timeout=60_000)
    text = page.inner_text("body")
    assert "$$" not in text and "Math Processing Error" not in text
