"""The quiz game without a hub: the rules of a game, its restart from disk, its CSV and its gradebook grades."""

from __future__ import annotations

import csv
import io
import shutil

import pytest
from conftest import venv_env
from test_quiz_bank import GOOD
from nbgrader.api import Gradebook

from autograders.quiz_game import results
from autograders.quiz_game.game import MAX_POINTS, Refused, option_order, points
from autograders.quiz_game.games import Games
from autograders.quiz_game.store import Store

BANK = GOOD.replace("title: A bank\n", "title: A bank\nseconds: 10\n")  # the number question keeps its 30 s


@pytest.fixture
def course(tmp_path):
    root = tmp_path / "course"
    (root / "quiz_banks").mkdir(parents=True)
    (root / "quiz_banks" / "three.yaml").write_text(BANK)
    (root / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'dl-course'\n")
    return root


def test_points_reward_right_and_fast_answers():
    assert points(True, 0, 10) == MAX_POINTS and points(True, 10, 10) == MAX_POINTS // 2
    assert points(True, 2.5, 10) == 875 and points(False, 0, 10) == 0
    assert points(True, 99, 10) == MAX_POINTS // 2 and points(True, -1, 10) == MAX_POINTS


def test_option_order_is_per_student_and_stable():
    keys = list("ABCD")
    orders = {tuple(option_order("g", 0, s, keys)) for s in ("alice", "bob", "carol", "dave", "erin", "fay")}
    assert len(orders) > 1 and all(sorted(o) == keys for o in orders)
    assert option_order("g", 0, "alice", keys) == option_order("g", 0, "alice", keys)


def test_a_game_s_rules_and_its_restart_from_disk(course, monkeypatch):
    monkeypatch.setenv("PATH", venv_env()["PATH"])  # nbgrader runs alembic to create a gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "dl-course") as gb:
        for student in ("alice", "bob", "carol"):
            gb.add_student(student)
    store = Store(course / "games.sqlite")
    games = Games(course, store)
    game = games.start("three", "instructor", now=1000.0)
    with pytest.raises(Refused, match="still running"):
        games.start("three", "instructor", now=1001.0)
    game.join("alice", 1001.0)
    game.join("bob", 1001.0)
    game.open_next(1002.0)
    game.join("carol", 1003.0)  # a latecomer
    with pytest.raises(Refused, match="from the next one"):
        game.answer("carol", game.id, 0, "B", 1003.5)
    assert game.answer("alice", game.id, 0, "B", 1004.5).points == 875
    with pytest.raises(Refused, match="already answered"):
        game.answer("alice", game.id, 0, "A", 1004.6)
    with pytest.raises(Refused, match="time is up"):
        game.answer("bob", game.id, 0, "B", 1012.5)
    with pytest.raises(Refused, match="not open"):
        game.answer("bob", game.id, 1, ["A"], 1005)
    view = game.player_view("alice")
    assert "result" not in view["question"] and "distribution" not in str(view)
    game.close(1012.0)
    assert game.player_view("alice")["question"]["result"] == {"correct": True, "points": 875, "expected": ["B"]}
    game.open_next(1020.0)
    game.answer("bob", game.id, 1, ["C", "A"], 1021.0)
    game.answer("carol", game.id, 1, ["A"], 1022.0)
    store.close()

    # killed here, mid-question: a new service on the same file goes on with every answer given
    store = Store(course / "games.sqlite")
    resumed = Games(course, store).running
    assert resumed.id == game.id and resumed.phase == "open" and resumed.round.question == 1
    assert {k: a.points for k, a in resumed.answers.items()} == {(0, "alice"): 875, (1, "bob"): 950, (1, "carol"): 0}
    with pytest.raises(Refused, match="already answered"):
        resumed.answer("bob", game.id, 1, ["A", "C"], 1023.0)
    resumed.answer("alice", game.id, 1, ["A", "C"], 1024.0)
    assert resumed.everyone_answered()
    resumed.close(1024.0)
    assert resumed.distribution(1)["options"] == [{"key": "A", "text": "yes", "count": 3, "correct": True},
                                                   {"key": "B", "text": "no", "count": 0, "correct": False},
                                                   {"key": "C", "text": "yes", "count": 2, "correct": True}]
    resumed.open_next(1030.0)
    q = resumed.question(2)
    resumed.answer("carol", game.id, 2, q.expected("carol"), 1031.0)
    resumed.answer("bob", game.id, 2, q.expected("alice") + 1000, 1031.0)  # alice's numbers are not bob's
    resumed.end(1032.0)
    assert [(s.student, s.points, s.correct) for s in resumed.standings()] == [
        ("alice", 1675, 2), ("carol", 983, 1), ("bob", 950, 1)]

    rows = list(csv.DictReader(io.StringIO(results.to_csv(resumed))))
    assert [(r["student"], r["points"], r["q01"], r["q02"], r["q03"], r["q02_answer"]) for r in rows] == [
        ("alice", "1675", "875", "800", "0", "A+C"), ("carol", "983", "0", "0", "983", "A"),
        ("bob", "950", "0", "950", "0", "A+C")]
    outcome = results.record_in_gradebook(resumed, course)
    outcome_again = results.record_in_gradebook(resumed, course)  # recording again replaces, never adds
    assert outcome == outcome_again == {"assignment": game.id, "graded": ["alice", "carol", "bob"], "left_out": []}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "dl-course") as gb:
        assert {s.student.id: s.score for s in gb.assignment_submissions(game.id)} == {
            "alice": 1675, "bob": 950, "carol": 983}
        assert gb.find_assignment(game.id).max_score == 3 * MAX_POINTS
    store.close()


def test_the_csv_never_starts_a_cell_with_a_formula():
    assert results._cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and results._cell("-3.5") == "-3.5"
    assert results._cell("@x") == "'@x" and results._cell(12) == 12


def test_a_bank_kept_with_its_game_is_played_as_it_was(course):
    store = Store(course / "games.sqlite")
    game = Games(course, store).start("three", "instructor", now=1.0)
    (course / "quiz_banks" / "three.yaml").write_text("title: edited\nquestions: oops\n")
    assert Games(course, store).running.bank.questions == game.bank.questions
    store.close()
    shutil.rmtree(course / "quiz_banks")
