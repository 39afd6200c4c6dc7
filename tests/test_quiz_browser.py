"""A three-question game of the live quiz in real browsers: the instructor at the projector and three
students (one on a phone), each in their own browser context logged into the hub. Headless Chromium
(Debian's, driven by Playwright); requests leaving the machine are blocked and must not happen.
Screenshots of the host's and a student's screen are kept in test-artifacts/quiz/."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from urllib.parse import urlsplit

from conftest import BIN, ROOT, venv_env
from hub_client import HubUser, formgrader
from quiz_client import PREFIX, THREE_QUESTIONS, end_running_game, grader_account, install_bank
from quiz_client import logged_in as quiz_logged_in

ARTIFACTS = ROOT / "test-artifacts" / "quiz"
# what each student answers: question 1 and 2 by option key, question 3 right or wrong
PLAYS = {"alice": ("B", ["A", "C"], True), "bob": ("B", ["A"], True), "carol": ("C", ["A", "C"], False)}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _context(browser, hub, name: str, outside: list, **options):
    """A browser context holding ``name``'s hub login (tests/hub_client.py logs in, as issue 16 may change)."""
    user = HubUser(hub.url, name)
    user.login(hub.password(name))
    context = browser.new_context(**options)
    host = urlsplit(hub.url).hostname
    context.add_cookies([{"name": c.name, "value": c.value, "domain": host, "path": c.path}
                         for c in user.http.cookies])

    def only_this_machine(route):
        if urlsplit(route.request.url).hostname != host:
            outside.append(route.request.url)
            return route.abort()
        return route.continue_()

    context.route("**/*", only_this_machine)
    return context


def test_the_instructor_and_three_students_play_a_game_in_browsers(course_hub, browser, instructor):
    from playwright.sync_api import expect

    install_bank(course_hub.state, "browser_game", THREE_QUESTIONS)
    end_running_game(quiz_logged_in(course_hub, "instructor"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    outside = []
    quiz = f"{course_hub.url}{PREFIX}"
    host = _context(browser, course_hub, "instructor", outside, viewport={"width": 1280, "height": 900}).new_page()
    host.goto(f"{quiz}host")
    host.select_option("#bank", "browser_game")
    host.click("#start")
    expect(host.locator("#player-count")).to_have_text("0")
    pages = {name: _context(browser, course_hub, name, outside, **(PHONE if name == "alice" else {})).new_page()
             for name in PLAYS}
    for page in pages.values():
        page.goto(quiz)
        page.click("#join")
        expect(page.locator("#waiting")).to_be_visible()
    expect(host.locator("#player-count")).to_have_text("3")

    # question 1: one click on an option, in each student's own order
    host.click("#next")
    orders = set()
    for name, page in pages.items():
        expect(page.locator("#question-text")).to_have_text("Which activation outputs values between 0 and 1?")
        orders.add(tuple(page.locator(".option").evaluate_all("nodes => nodes.map(n => n.dataset.key)")))
        page.click(f'.option[data-key="{PLAYS[name][0]}"]')
    assert len(orders) > 1, "the students see the options in their own orders"
    _expect_bars(expect, host, {"A": 0, "B": 2, "C": 1, "D": 0, "none": 0})  # everyone answered: the reveal
    expect(pages["alice"].locator("#verdict")).to_have_text(re.compile(r"Right! \+\d+"))
    expect(pages["carol"].locator("#verdict")).to_have_text("Wrong.")
    expect(pages["carol"].locator("#expected")).to_have_text("sigmoid")
    # a bank's text is text on every screen, never markup
    expect(host.locator('#distribution li[data-key="D"] .bar-label')).to_contain_text('<img src=x onerror=')
    assert all(page.title() != "pwned" for page in (host, *pages.values()))
    host.screenshot(path=str(ARTIFACTS / "host-reveal.png"), full_page=True)

    # question 2: multi-select, then send
    host.click("#next")
    for name, page in pages.items():
        page.locator("#question").and_(page.locator('[data-index="1"]')).wait_for()
        for key in PLAYS[name][1]:
            page.click(f'.option[data-key="{key}"]')
        page.click("#submit")
    _expect_bars(expect, host, {"A": 3, "B": 0, "C": 2, "none": 0})

    # question 3: each student's own numbers
    host.click("#next")
    expect(host.locator("#question-text")).to_have_text(
        "A layer has [i] inputs and [o] outputs. How many weights and biases does it have?")
    texts = {}
    for name, page in pages.items():
        page.locator("#question").and_(page.locator('[data-index="2"]')).wait_for()
        texts[name] = page.locator("#question-text").inner_text()
        i, o = map(int, re.findall(r"\d+", texts[name])[:2])
        page.fill("#number", str(i * o + o + (0 if PLAYS[name][2] else 1)))
        page.click("#submit")
    assert len(set(texts.values())) > 1, "neighbours get other numbers"
    _expect_bars(expect, host, {"right": 2, "wrong": 1, "none": 0})
    for page in pages.values():
        expect(page.locator("#standing")).to_be_visible()
    pages["alice"].screenshot(path=str(ARTIFACTS / "student-phone.png"))

    # the leaderboard: the points each student's own screen shows, in order
    own = {name: int(page.locator("#standing").inner_text().split()[0]) for name, page in pages.items()}
    board = host.locator("#leaderboard li").evaluate_all(
        "nodes => nodes.map(n => [n.dataset.student, Number(n.dataset.points)])")
    assert [tuple(row) for row in board] == sorted(own.items(), key=lambda item: (-item[1], item[0]))
    assert own["alice"] > own["bob"] > 0 and own["carol"] > 0

    # the end: the room's accuracy, the CSV, the gradebook
    host.click("#end")
    expect(host.locator("#accuracy tbody tr")).to_have_count(3)
    expect(host.locator("#accuracy tbody tr td:nth-child(3)")).to_have_text(["2 of 3", "2 of 3", "2 of 3"])
    host.click("#record")
    expect(host.locator("#record")).to_have_text("Recorded in the gradebook")
    host.screenshot(path=str(ARTIFACTS / "host-final.png"), full_page=True)
    for shot in ("student-phone.png", "host-reveal.png", "host-final.png"):
        assert (ARTIFACTS / shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"screenshots: {ARTIFACTS}")

    game_id = host.locator("#csv").get_attribute("href").split("/")[-2]
    with host.expect_download() as download:
        host.click("#csv")
    table = {r["student"]: r for r in csv.DictReader(io.StringIO(download.value.path().read_text()))}
    assert {name: int(row["points"]) for name, row in table.items()} == own
    assert {name: row["q02_answer"] for name, row in table.items()} == {"alice": "A+C", "bob": "A", "carol": "A+C"}
    assert _formgrader_scores(instructor, game_id) == own
    assert _exported_scores(course_hub.state, game_id) == own
    assert outside == [], "the quiz's pages asked for something outside the machine"


def _expect_bars(expect, host, counts: dict):
    for key, count in counts.items():
        expect(host.locator(f'#distribution li[data-key="{key}"] .bar-count')).to_have_text(str(count))


def _formgrader_scores(instructor, game_id: str) -> dict:
    return {s["student"]: int(s["score"]) for s in formgrader(instructor, "GET", f"submissions/{game_id}")
            if s["submitted"]}


def _exported_scores(state, game_id: str) -> dict:
    """``nbgrader export`` in the hub's course, as the account that owns it."""
    grader = grader_account(state)
    exported = state / "course" / "quiz-test-export.csv"
    done = subprocess.run([BIN / "nbgrader", "export", "--to", exported.name, "--log-level=ERROR"],
                          cwd=state / "course", env={**venv_env(), "HOME": grader.pw_dir}, user=grader.pw_uid,
                          group=grader.pw_gid, extra_groups=[], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = csv.DictReader(io.StringIO(exported.read_text()))
    exported.unlink()
    return {r["student_id"]: int(float(r["raw_score"])) for r in rows if r["assignment"] == game_id}
