"""Hidden checks for the concepts quiz: each question is its own graded cell.

Answers are read from the student's notebook as plain data; variant questions are
checked against the numbers drawn for the student being graded. Sloppy but
unambiguous forms count ("b" for "B", a list for a set, an int for a float);
a wrong type gets a message saying which form is expected.
"""

import importlib.util
import numbers

import pytest

from autograders.assignments.concepts_quiz import reference
from autograders.checklib import NotPlainData

QUESTIONS = [*reference.CHOICES, *reference.MULTI, *reference.TOLERANCE]
FORMS = {
    "choice": 'one capital letter as a string, e.g. "B"',
    "multi": 'a set of capital letters, e.g. {"A", "C"}',
    "number": "a number (int or float), e.g. 0.25, without quotes",
}


def questions():
    return [pytest.param(q, marks=pytest.mark.grades(f"test_{q}"), id=q) for q in sorted(QUESTIONS)]


@pytest.fixture
def quiz(assignment_dir):
    """The student-visible quiz helper of the course: it draws each student's numbers."""
    spec = importlib.util.spec_from_file_location("dlcourse_quiz_helper", assignment_dir / "quiz.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def letter(value):
    if isinstance(value, str) and len(value.strip()) == 1 and value.strip().upper() in "ABCDE":
        return value.strip().upper()
    return None


def form_of(question):
    return "choice" if question in reference.CHOICES else "multi" if question in reference.MULTI else "number"


def wrong_form(question, form, value):
    return AssertionError(f"{question} should be {FORMS[form]}; you wrote {value!r} "
                          f"({type(value).__name__}), so it could not be marked")


@pytest.mark.parametrize("question", questions())
def test_answer_is_right(student, student_id, quiz, question):
    """the answer is right"""
    try:
        value = student.get(question)
    except NotPlainData:  # the released `q01 = ...`, or an object that is no answer
        raise AssertionError(f"{question} has no answer the grader can read (still `...`?): write "
                             f"{FORMS[form_of(question)]}") from None
    if question in reference.CHOICES:
        if letter(value) is None:
            raise wrong_form(question, "choice", value)
        assert letter(value) == reference.CHOICES[question], f"{question}: {letter(value)} is not the right choice"
    elif question in reference.MULTI:
        if not isinstance(value, (set, list, tuple)) or any(letter(v) is None for v in value):
            raise wrong_form(question, "multi", value)
        chosen = {letter(v) for v in value}
        assert chosen == reference.MULTI[question], (
            f"{question}: {{{', '.join(sorted(chosen))}}} is not the right set of choices")
    else:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise wrong_form(question, "number", value)
        expected = reference.variant_answers(quiz.variant(student_id))[question]
        tolerance = reference.TOLERANCE[question]
        assert abs(float(value) - expected) <= tolerance + 1e-12, (
            f"{question}: {value} is not right for your numbers (run the question's cell again: "
            f"your numbers come from your user name{'' if tolerance == 0 else f'; tolerance {tolerance:g}'})")
