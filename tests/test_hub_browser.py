"""A student's first visit in a real browser: headless Chromium (Debian's, driven by Playwright)
logs in to the hub, opens JupyterLab and nbgrader's assignment list."""

from __future__ import annotations

def test_a_student_logs_in_and_sees_the_released_assignments(course_hub, browser, tmp_path):
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

    screenshot = tmp_path / "assignment-list.png"
    page.screenshot(path=str(screenshot))
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 10_000
    print(f"screenshot: {screenshot}")
