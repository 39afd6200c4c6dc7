"""Question banks of the quiz game: the course's banks load, and a bank with a mistake is refused with its line."""

from __future__ import annotations

import math

import pytest
from conftest import ROOT

from autograders.cli import main as cli
from autograders.assignments.concepts_quiz import reference
from autograders.quiz_game import banks, concepts_bank
from autograders.quiz_game.bank import BankError, load_text

COURSE = ROOT / "course"
GOOD = """\
# comments and blank lines must not shift the lines named

title: A bank
questions:
  - choice: Pick B
    options:
      A: not this
      B: this one
    answer: B
  - multi: Pick A and C
    options:
      A: yes
      B: no
      C: yes
    answer: A, C
  - number: What is {a} times {b}?
    numbers:
      a: 2, 3, 4
      b: 1 to 9
    answer: a * b
    seconds: 30
"""


def test_a_bank_as_documented_loads_with_per_student_numbers():
    bank = load_text("demo", GOOD, "demo.yaml")
    choice, multi, number = bank.questions
    assert choice.key == {"B"} and multi.key == {"A", "C"} and number.seconds == 30 and choice.seconds == 20
    texts = {number.text_for(s) for s in ("alice", "bob", "carol", "dave", "erin")}
    assert len(texts) > 1, "neighbours get other numbers"
    numbers = number.numbers_for("alice")
    assert number.text_for("alice") == f"What is {numbers['a']} times {numbers['b']}?"
    assert number.expected("alice") == numbers["a"] * numbers["b"]
    assert number.host_text() == "What is [a] times [b]?"


def test_the_course_banks_load_and_the_concepts_bank_uses_the_hidden_key():
    for name in banks.names(COURSE):
        assert banks.load(COURSE, name).questions
    bank = banks.load(COURSE, concepts_bank.NAME)
    quiz = concepts_bank._quiz_module(COURSE / "source" / "concepts_quiz" / "quiz.py")
    assert len(bank.questions) == len(quiz.FORMS)
    for qid, question in zip(sorted(quiz.FORMS), bank.questions):
        if qid in quiz.VARIANT_QUESTIONS:
            # the student's own numbers, as in their notebook, answered by the reference
            assert question.text_for("alice") == quiz.question_text(qid, "alice")
            assert math.isclose(question.expected("alice"), reference.variant_answers(quiz.variant("alice"))[qid])
        else:
            assert {o.text for o in question.options if o.key in question.key} == reference.right_options(qid)
            assert len(question.options) == 4 and question.text == quiz.OPTION_QUESTIONS[qid][0]


def _mistake(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


MISTAKES = {
    "bad indentation": (_mistake("    answer: B", "   answer: B"), 9, ""),
    "a misspelt key": (_mistake("    answer: B", "    answr: B"), 9, "answr"),
    "an answer that is no option": (_mistake("    answer: B", "    answer: E"), 9, "'E', which is not among"),
    "two answers to a choice": (_mistake("    answer: B", "    answer: A, B"), 9, "use multi"),
    "a time out of range": (_mistake("    seconds: 30", "    seconds: 1"), 21, "seconds"),
    "not a whole number of seconds": (_mistake("    seconds: 30", "    seconds: soon"), 21, "integer"),
    "an unknown name in the answer": (_mistake("    answer: a * b", "    answer: a * c"), 20, "'c' is not defined"),
    "code in the answer": (_mistake("    answer: a * b", "    answer: __import__('os').getcwd()"), 20, "not defined"),
    "a placeholder that is no number": (_mistake("What is {a} times {b}?", "What is {a} times {c}?"), 16, "{c}"),
    "options out of order": (_mistake("      B: this one", "      C: this one"), 6, "A, B, C"),
    "a missing answer": (_mistake("    answer: A, C\n", ""), 10, "no answer"),
    "a number question with options": (_mistake("    answer: a * b", "    answer: a * b\n    options:\n      A: x"),
                                       21, "no options"),
    "a bad range": (_mistake("b: 1 to 9", "b: 9 to 1"), 19, "range goes up"),
    "a list of values with a word": (_mistake("a: 2, 3, 4", "a: 2, three, 4"), 18, "'three' is not a number"),
    "a negative tolerance": (_mistake("    seconds: 30", "    tolerance: -1"), 21, "tolerance"),
    "JSON-style lists": (_mistake("    answer: A, C", "    answer: [A, C]"), 15, "flow"),
    "a key given twice": (_mistake("    answer: B", "    answer: B\n    answer: A"), 10, "Duplicate key"),
    "no kind": (_mistake("  - choice: Pick B", "  - text: Pick B"), 5, "text"),
    "two kinds": (_mistake("  - choice: Pick B", "  - choice: Pick B\n    multi: Pick B"), 5, "one of choice"),
    "division by zero": (_mistake("    answer: a * b", "    answer: a / (b - b)"), 20, "division by zero"),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_bank_with_a_mistake_is_refused_with_its_line(mistake):
    text, line, words = MISTAKES[mistake]
    with pytest.raises(BankError) as refused:
        load_text("broken", text, "quiz_banks/broken.yaml")
    assert refused.value.line == line, str(refused.value)
    assert str(refused.value).startswith(f"quiz_banks/broken.yaml, line {line}: ")
    assert words in str(refused.value)


def test_dlcourse_quiz_check_names_the_file_and_line(tmp_path, capsys):
    good, broken = tmp_path / "good.yaml", tmp_path / "broken.yaml"
    good.write_text(GOOD)
    broken.write_text(MISTAKES["an answer that is no option"][0])
    assert cli.main(["quiz", "check", str(good), str(broken)]) == 1
    out, err = capsys.readouterr()
    assert "good.yaml: 'A bank', 3 questions (1 with numbers per student): ok" in out
    assert f"{broken}, line 9: the answer names 'E'" in err
    assert cli.main(["quiz", "check", str(good)]) == 0


@pytest.mark.parametrize("kind, raw", [
    ("choice", "Z"), ("choice", ["A"]), ("choice", None), ("choice", "A" * 10_000),
    ("multi", []), ("multi", ["A", "A"]), ("multi", "A"), ("multi", ["A", {"x": 1}]),
    ("number", True), ("number", "5"), ("number", float("nan")), ("number", 1e300), ("number", [1]),
])
def test_an_answer_that_is_not_of_the_question_s_form_is_refused(kind, raw):
    bank = load_text("demo", GOOD, "demo.yaml")
    question = {q.kind: q for q in bank.questions}[kind]
    with pytest.raises(ValueError):
        question.read_answer(raw)


def test_a_file_may_not_take_the_name_of_a_built_in_bank(tmp_path):
    (tmp_path / "quiz_banks").mkdir()
    (tmp_path / "quiz_banks" / "concepts_quiz.yaml").write_text(GOOD)
    with pytest.raises(BankError, match="built-in"):
        banks.load(tmp_path, "concepts_quiz")
