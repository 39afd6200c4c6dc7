"""A student's first visit in a real browser: headless Chromium (Debian's, driven by Playwright)
logs in to the hub, opens JupyterLab and nbgrader's assignment list, fetches an assignment, validates
and submits it."""

from __future__ import annotations

import pwd
import shutil
from pathlib import Path

import pytest

ASSIGNMENT = "gradient_descent"


@pytest.fixture
def carols_copy():
    """carol's fetched copy of the assignment, removed before and after (fetch refuses to overwrite one)."""
    folder = Path(pwd.getpwnam("carol").pw_dir) / ASSIGNMENT
    shutil.rmtree(folder, ignore_errors=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_student_logs_in_fetches_validates_and_submits(course_hub, browser, carols_copy, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
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
    for assignment in ("activations", "cnn", "concepts_quiz"):
        released.get_by_text(assignment, exact=True).wait_for(timeout=60_000)

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

    screenshot = tmp_path / "assignment-list.png"
    page.screenshot(path=str(screenshot))
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 10_000
    print(f"screenshot: {screenshot}")
