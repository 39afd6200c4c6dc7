"""The course's order and deadlines: one file, checked, and shown on the released course page."""

import pytest

from autograders.course import COURSE_PAGE, Course
from autograders.schedule import ScheduleError, read_schedule
from conftest import ROOT, released

NAMES = Course(ROOT / "course").assignment_names()


def test_the_schedule_follows_the_deck_and_covers_every_assignment():
    schedule = read_schedule(ROOT / "course", NAMES)
    order = [a.name for a in schedule.assignments]
    assert sorted(order) == NAMES
    # the deck's order; TensorFlow before the CNN, which it prepares; the quiz, covering convolutions, last
    assert order.index("backprop") < order.index("dropout") < order.index("tensorflow_basics") < order.index("cnn")
    assert order[-1] == "concepts_quiz"
    dues = [a.due for a in schedule.assignments]
    assert dues == sorted(dues) and len(set(dues)) == len(dues)


def test_the_released_course_page_shows_the_schedule_and_the_rules(course_copy):
    text = released(course_copy, COURSE_PAGE).cells[0].source
    schedule = read_schedule(course_copy, NAMES)
    for entry in schedule.assignments:
        assert f"| {entry.number} | {entry.title} (`{entry.name}`) | {entry.hours:g} h | {entry.due_text} |" in text
    assert "<!-- schedule -->" not in text and schedule.late_rule in text
    for topic in ("Public checks", "Hidden checks", "Deadlines", "Takeaways", "Further reading"):
        assert topic in text


@pytest.mark.parametrize("change, message", [
    (lambda t: t.replace('name = "softmax"', 'name = "softmaxx"'), "'softmaxx' is not an assignment of this course"),
    (lambda t: t.replace("due = 2027-01-17T23:59:00Z", "due = 2027-01-17T23:59:00"), "with its time zone"),
    (lambda t: t.replace('late_penalty = "zero"', 'late_penalty = "half"'), "late_penalty must be one of"),
    (lambda t: t.replace('[[assignment]]\nname = "cnn"', '[[assignment]]\nname = "dropout"'),
     r"dropout appear\(s\) more than once"),
    (lambda t: t.replace('[[assignment]]\nname = "cnn"', '[not_an_assignment]\nname = "cnn"'), "no due date for cnn"),
    (lambda t: t.replace("hours = 2\n", ""), "assignment 1: missing hours"),
])
def test_a_bad_schedule_is_refused_with_what_to_fix(tmp_path, change, message):
    (tmp_path / "schedule.toml").write_text(change((ROOT / "course" / "schedule.toml").read_text()))
    with pytest.raises(ScheduleError, match=message):
        read_schedule(tmp_path, NAMES)
