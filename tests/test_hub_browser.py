"""A student's first visit in a real browser: headless Chromium (Debian's, driven by Playwright) logs in to
the hub, opens JupyterLab and nbgrader's assignment list, fetches an assignment, validates and submits it,
then opens the hub's home page with the course page. Every request outside the hub is blocked; screenshots
are kept in test-artifacts/hub/."""

from __future__ import annotations

import pwd
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from autograders.course import COURSE_PAGE, Course
from autograders.schedule import read_schedule
from browser import offline_page, screenshot
from conftest import ROOT

ASSIGNMENT = "activations"  # not gradient_descent: carol's attempts there are the instant-feedback test's


@pytest.fixture
def carols_copy():
    """carol's fetched copy of the assignment, removed before and after (fetch refuses to overwrite one)."""
    folder = Path(pwd.getpwnam("carol").pw_dir) / ASSIGNMENT
    shutil.rmtree(folder, ignore_errors=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_student_fetches_validates_submits_and_sees_the_course_in_order(course_hub, browser, carols_copy):
    blocked = []
    page = offline_page(browser, urlsplit(course_hub.url).netloc, blocked, viewport={"width": 1400, "height": 900})
    page.goto(f"{course_hub.url}/hub/login")
    page.fill("#username_input", "carol")
    page.fill("#password_input", course_hub.password("carol"))
    page.click("#login_submit")
    page.wait_for_url("**/user/carol/lab**", timeout=180_000)  # the spawn page, then JupyterLab
    page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)

    page.get_by_role("menuitem", name="Nbgrader").click()
    items = [text.strip() for text in page.get_by_role("menuitem").all_inner_texts()]
    assert "Assignment List" in items
    assert not [item for item in items if "Formgrader" in item or "Create Assignment" in item], items
    page.get_by_role("menuitem", name="Assignment List").click()
    released = page.locator("#released_assignments_list")
    schedule = read_schedule(ROOT / "course", Course(ROOT / "course").assignment_names())
    for name in (COURSE_PAGE, *(a.name for a in schedule.assignments)):
        released.get_by_text(name, exact=True).wait_for(timeout=60_000)
    # the list in course order, the course page first, each assignment with its number, title and due date
    released.locator(".dlcourse-schedule").nth(len(schedule.assignments) - 1).wait_for(timeout=30_000)
    rows = released.locator(":scope > .list_item")
    shown = [rows.nth(i).inner_text() for i in range(rows.count())]
    assert shown[0].startswith(COURSE_PAGE), shown
    for entry, row in zip(schedule.assignments, shown[1:], strict=True):
        assert row.startswith(entry.name) and f"{entry.number}. {entry.title} · due {entry.due_text}" in row, row

    # fetch, validate the untouched notebook (its public checks fail: nbgrader says so), submit
    released.locator(".list_item", has_text=ASSIGNMENT).get_by_role("button", name="Fetch").click()
    fetched = page.locator("#fetched_assignments_list .list_item", has_text=ASSIGNMENT).first
    fetched.wait_for(timeout=60_000)
    assert (carols_copy / f"{ASSIGNMENT}.ipynb").is_file()
    fetched.locator(".assignment-notebooks-link").click()
    fetched.get_by_role("button", name="Validate").click()
    dialog = page.locator(".jp-Dialog")
    dialog.get_by_text("Validation Results").wait_for(timeout=120_000)
    assert "failed" in dialog.inner_text().lower() or "Success" in dialog.inner_text()
    dialog.get_by_role("button").last.click()
    fetched.get_by_role("button", name="Submit").click()
    page.locator("#submitted_assignments_list .list_item", has_text=ASSIGNMENT).first.wait_for(timeout=60_000)
    inbound = course_hub.state / "exchange" / "dl-course" / "inbound"
    assert [p.name for p in inbound.iterdir() if p.name.startswith(f"carol+{ASSIGNMENT}+")]

    screenshot(page, "hub", "assignment-list")

    # the hub's home page: the course page, its schedule numbered in course order with the due dates
    page.goto(f"{course_hub.url}/hub/home")
    rows = page.locator("#course-page table").first.locator("tbody tr")
    shown = [rows.nth(i).inner_text() for i in range(rows.count())]
    for entry, row in zip(schedule.assignments, shown):
        assert row.startswith(f"{entry.number}\t") and entry.name in row and entry.due_text in row, row
    assert len(shown) == len(schedule.assignments) + 1  # and the total time
    assert "Hidden checks" in page.inner_text("#course-page")
    screenshot(page, "hub", "hub-home")
    assert blocked == [], f"the pages asked the internet for {blocked}"
