"""Hidden checks for the concepts quiz: each question is its own graded cell.

Answers are read from the student's notebook as plain data and judged against the quiz drawn for
the student being graded: their numbers for a numeric question, their order of the options for a
multiple-choice or multi-select one (their letters are mapped back to the options they saw).
Sloppy but unambiguous forms count ("b" for "B", a list for a set, an int for a float); a wrong
type gets a message saying which form is expected.
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
    """The student-visible quiz helper of the course (the instructor's copy): it draws each student's quiz."""
    spec = importlib.util.spec_from_file_location("dlcourse_quiz_helper", assignment_dir / "quiz.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def letter(value):
    if isinstance(value, str) and len(value.strip()) == 1 and value.strip().upper() in "ABCDEF":
        return value.strip().upper()
    return None


def form_of(question):
    return "choice" if question in reference.CHOICES else "multi" if question in reference.MULTI else "number"


def wrong_form(question, form, value):
    return f"{question} should be {FORMS[form]}; you wrote {value!r} ({type(value).__name__}), so it could not be marked"


def verdict(quiz, student_id, question, value):
    """None when ``value`` is the right answer to ``question`` for ``student_id``, else what the student is told."""
    form = form_of(question)
    if form == "number":
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return wrong_form(question, form, value)
        expected = reference.variant_answers(quiz.variant(student_id))[question]
        tolerance = reference.TOLERANCE[question]
        if abs(float(value) - expected) <= tolerance + 1e-12:
            return None
        return (f"{question}: {value} is not right for your numbers (run the question's cell again: your numbers "
                f"come from your user name{'' if tolerance == 0 else f'; tolerance {tolerance:g}'})")
    given = [value] if form == "choice" else value
    if not isinstance(given, (list, set, tuple)) or (form == "choice" and not isinstance(value, str)) \
            or any(letter(v) is None for v in given):
        return wrong_form(question, form, value)
    letters = {letter(v) for v in given}
    shown = quiz.options(question, student_id)
    if unknown := sorted(letters - set(shown)):
        return f"{question}: {', '.join(unknown)} is not one of your options ({', '.join(shown)})"
    if {shown[x] for x in letters} == reference.right_options(question):
        return None
    answer = next(iter(letters)) if form == "choice" else f"{{{', '.join(sorted(letters))}}}"
    return f"{question}: {answer} is not the right {'choice' if form == 'choice' else 'set of choices'}"


@pytest.mark.parametrize("question", questions())
def test_answer_is_right(student, student_id, quiz, question):
    """the answer is right"""
    try:
        value = student.get(question)
    except NotPlainData:  # the released `q01 = ...`, or an object that is no answer
        raise AssertionError(f"{question} has no answer the grader can read (still `...`?): write "
                             f"{FORMS[form_of(question)]}") from None
    message = verdict(quiz, student_id, question, value)
    assert message is None, message
