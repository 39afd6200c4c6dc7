"""The concepts quiz: a quiz per student (numbers and option orders), copied answers, sloppy and wrong answer forms."""

import importlib.util
import itertools
import math
import re
import shutil
from fractions import Fraction

import nbformat
import pytest

from autograders.assignments.concepts_quiz.hidden_checks import verdict
from autograders.course import Course
from conftest import ROOT, grade, released
from notebooks import raised_cells, student_notebook

VARIANTS = ["q06", "q11", "q12", "q13", "q14"]
QUESTIONS = [f"q{i:02d}" for i in range(1, 17)]
IDS = [f"s{i:04d}" for i in range(1000)]
SOURCE = ROOT / "course/source/concepts_quiz/concepts_quiz.ipynb"


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


quiz = load(ROOT / "course/source/concepts_quiz/quiz.py", "quiz_helper")
key = load(ROOT / "autograders/assignments/concepts_quiz/reference.py", "quiz_key")
SHUFFLED = sorted(quiz.OPTION_QUESTIONS)
# the letters of the right options in the course's own order, the same for everyone
CANONICAL_LETTERS = {q: {quiz.LETTERS[quiz.OPTION_QUESTIONS[q][1].index(text)] for text in key.right_options(q)}
                     for q in SHUFFLED}
CANONICAL = {q: next(iter(v)) if q in key.CHOICES else v for q, v in CANONICAL_LETTERS.items()}
MAX_SCORE = Course(ROOT / "course").assignment("concepts_quiz").max_score


def expected(student):
    return key.variant_answers(quiz.variant(student))


def right_letters(student):
    """The letters under which ``student`` sees the right options."""
    return {q: {quiz.letter_of(q, text, student) for text in key.right_options(q)} for q in SHUFFLED}


def right_answers(student):
    letters = right_letters(student)
    return {**{q: next(iter(v)) if q in key.CHOICES else v for q, v in letters.items()}, **expected(student)}


def answers_notebook(course, answers):
    cells = {f"{q}_answer": f"{q} = {value!r}" for q, value in answers.items()}
    return student_notebook(released(course, "concepts_quiz"), cells)


def scores(result):
    return {c["grade_id"].removeprefix("test_"): c["score"] for c in result["cells"]}


# -- every student's quiz, in-process: what the student is shown, and what the grader accepts -------------------

def shown_options(text):
    """letter -> option, read from a question as printed in the student's notebook."""
    return dict(re.findall(r"^  ([A-F]): (.+)$", text, re.MULTILINE))


def by_the_stated_rule(question, text):
    """The answer to a numeric question computed from its printed text alone, exactly where it can be."""
    numbers = [Fraction(x) for x in re.findall(r"-?\d+(?:\.\d+)?", text)]
    if question == "q06":
        grad, lr = numbers[0], numbers[1]
        return grad * lr
    if question == "q11":
        logits = [float(x) for x in re.search(r"\[(.*?)\]", text)[1].split(",")]
        return math.exp(logits[0]) / sum(math.exp(x) for x in logits)
    if question == "q12":
        n, _, k, _, p, s = numbers[:6]
        return (n + 2 * p - k) / s + 1
    if question == "q13":
        grid = [[int(x) for x in line.split()] for line in text.splitlines()[1:]]
        return sum(max(grid[r][c], grid[r][c + 1], grid[r + 1][c], grid[r + 1][c + 1])
                   for r in (0, 2) for c in (0, 2))
    c_out, k, c_in = (int(a or b) for a, b in re.findall(r"(\d+) (?:filters|channels)|(\d+)x", text))
    return k * k * c_in * c_out + c_out


def test_every_student_s_quiz_has_exactly_one_accepted_answer_per_question():
    right_counts = {q: {} for q in SHUFFLED}
    for sid in [*IDS, "alice", "bob"]:
        for q in VARIANTS:
            text = quiz.question_text(q, sid)
            answer = by_the_stated_rule(q, text)
            tolerance = key.TOLERANCE[q]
            if tolerance == 0:  # an integer: the rule gives a whole number, whichever way one would round
                assert isinstance(answer, int) or answer.denominator == 1, (sid, q, text)
                answer = int(answer)
                assert [verdict(quiz, sid, q, x) is None for x in (answer - 1, answer, answer + 1)] \
                    == [False, True, False], (sid, q, text)
            else:  # the rule's answer, and it rounded to the stated tolerance, accepted; beyond it, refused
                decimals = round(-math.log10(tolerance))
                assert verdict(quiz, sid, q, float(answer)) is None, (sid, q, text)
                assert verdict(quiz, sid, q, round(float(answer), decimals)) is None, (sid, q, text)
                assert verdict(quiz, sid, q, float(answer) + 2 * tolerance) is not None, (sid, q, text)
        for q in SHUFFLED:
            text, options = quiz.OPTION_QUESTIONS[q]
            shown = shown_options(quiz.question_text(q, sid))
            assert list(shown) == list(quiz.LETTERS[:len(options)]) and sorted(shown.values()) == sorted(options), \
                (sid, q, shown)  # a permutation of the options, lettered A, B, ... in the order shown
            right = {letter for letter, option in shown.items() if option in key.right_options(q)}
            assert len(right) == len(key.right_options(q)) == (1 if q in key.CHOICES else len(right))
            # every possible answer tried: the grader maps back exactly the letters the student sees the key under
            answers = [{x} for x in shown] if q in key.CHOICES else \
                [set(c) for size in range(len(shown) + 1) for c in itertools.combinations(shown, size)]
            accepted = [a for a in answers if verdict(quiz, sid, q, next(iter(a)) if q in key.CHOICES else a) is None]
            assert accepted == [right], (sid, q, accepted, right)
            right_counts[q][frozenset(right)] = right_counts[q].get(frozenset(right), 0) + 1
    # the right letter is spread over every position (about a quarter of the class each), not always the same
    for q in key.CHOICES:
        assert len(right_counts[q]) == 4 and all(150 <= n <= 350 for n in right_counts[q].values()), right_counts[q]
    orders = {q: {tuple(quiz.option_order(q, sid)) for sid in IDS} for q in SHUFFLED}
    assert all(len(found) == math.factorial(4) for found in orders.values()), {q: len(o) for q, o in orders.items()}


def test_neighbours_get_different_numbers_and_option_orders():
    for q in VARIANTS:
        assert expected("alice")[q] != expected("bob")[q], q
    for q in VARIANTS:
        assert quiz.question_text(q, "alice") != quiz.question_text(q, "bob"), q
    # 24 orders of 4 options: two students share one question's order by chance (here q05), not the quiz's
    same = [q for q in SHUFFLED if quiz.options(q, "alice") == quiz.options(q, "bob")]
    assert same == ["q05"], same


def test_the_quiz_has_a_question_on_exploding_gradients_and_a_total_that_matches_its_points():
    text, options = quiz.OPTION_QUESTIONS["q16"]
    assert "large weights" in text and "huge" in key.CHOICES["q16"] and key.CHOICES["q16"] in options
    assert sorted(quiz.FORMS) == QUESTIONS == sorted([*key.CHOICES, *key.MULTI, *key.TOLERANCE])
    assert MAX_SCORE == 21.0  # 1 point per option question, 2 per numeric one: nbgrader's max score for the quiz


# -- graded by the real engine: two batches ------------------------------------------------------------------

@pytest.fixture(scope="module")
def results(course_copy, tmp_path_factory):
    """student -> result: the source notebook as alice and bob, answers of the wrong forms, sloppy ones and the
    released notebook, in one batch; bob's copy of alice's right answers in a second (bob is taken in the first)."""
    whole = next(s for s in (f"student{i}" for i in range(100000)) if expected(s)["q06"] == round(expected(s)["q06"]))
    sloppy = {**{q: v.lower() if isinstance(v, str) else sorted(v) for q, v in right_answers(whole).items()
                 if q in SHUFFLED}, **expected(whole),
              "q06": int(round(expected(whole)["q06"])), "q12": int(expected(whole)["q12"])}
    source = nbformat.read(SOURCE, as_version=4)
    batches = [
        {"alice": source, "bob": source, whole: answers_notebook(course_copy, sloppy),
         "carol": answers_notebook(course_copy, {**right_answers("carol"), "q01": 2, "q03": "AB", "q04": "E",
                                                 "q06": str(expected("carol")["q06"])}),
         "dave": released(course_copy, "concepts_quiz"),
         "erin": answers_notebook(course_copy, {**right_answers("erin"), **CANONICAL})},
        {"bob": answers_notebook(course_copy, right_answers("alice"))},
    ]
    out = {}
    for i, batch in enumerate(batches):
        course = tmp_path_factory.mktemp(f"quiz-batch{i}") / "course"
        shutil.copytree(course_copy, course)
        for student, nb in batch.items():
            path = course / "submitted" / student / "concepts_quiz" / "concepts_quiz.ipynb"
            path.parent.mkdir(parents=True)
            nbformat.write(nb, path)
        if "erin" in batch:  # her own quiz.py, in which everyone sees the options in the course's order
            planted = (ROOT / "course/source/concepts_quiz/quiz.py").read_text().replace(
                "    return sorted(range(count), key=", "    return list(range(count))\n    return sorted(range(count), key=")
            (course / "submitted/erin/concepts_quiz/quiz.py").write_text(planted)
        graded = grade([course / "submitted"], course.parent, "--workers", "2", course=course)
        out.update({("bob_copies_alice" if i else student): result for student, result in graded.items()})
    out["sloppy"] = out.pop(whole)
    return out


@pytest.mark.parametrize("student", ["alice", "bob"])
def test_source_scores_full_marks_for_any_student(results, student):
    r = results[student]
    assert r["score"] == r["max_score"] == MAX_SCORE, r["cells"]
    assert raised_cells(r) == []


def test_answers_copied_from_a_neighbour_lose_the_variants_and_the_shuffled_questions(results):
    s = scores(results["bob_copies_alice"])
    assert all(s[q] == 0 for q in VARIANTS), s
    alice, bob = right_letters("alice"), right_letters("bob")
    # a copied letter is right only where bob happens to see the right option under alice's letter
    assert {q for q in SHUFFLED if s[q] > 0} == {q for q in SHUFFLED if alice[q] == bob[q]}, s
    assert sum(alice[q] == bob[q] for q in SHUFFLED) <= 1
    feedback = {c["grade_id"]: c["feedback"] for c in results["bob_copies_alice"]["cells"]}
    assert "is not right for your numbers" in feedback["test_q12"]
    assert f"q01: {next(iter(alice['q01']))} is not the right choice" in feedback["test_q01"]


def test_a_quiz_py_of_her_own_does_not_change_the_order_the_grader_maps_her_letters_through(results):
    s, own = scores(results["erin"]), right_letters("erin")
    assert {q for q in SHUFFLED if s[q] > 0} == {q for q in SHUFFLED if own[q] == CANONICAL_LETTERS[q]}, s
    assert all(s[q] > 0 for q in VARIANTS), s


def test_sloppy_but_unambiguous_answers_get_full_marks(results):
    assert results["sloppy"]["score"] == MAX_SCORE, [c["feedback"] for c in results["sloppy"]["cells"] if c["score"] < 1]


def test_an_answer_of_the_wrong_type_is_told_what_form_is_expected(results):
    feedback = {c["grade_id"]: c["feedback"] for c in results["carol"]["cells"]}
    s = scores(results["carol"])
    assert s["q01"] == s["q03"] == s["q04"] == s["q06"] == 0
    assert s["q02"] == 1  # the others, right
    assert 'q01 should be one capital letter as a string, e.g. "B"; you wrote 2' in feedback["test_q01"]
    assert "q03 should be a set of capital letters" in feedback["test_q03"]
    assert "q04: E is not one of your options (A, B, C, D)" in feedback["test_q04"]
    assert "q06 should be a number (int or float), e.g. 0.25, without quotes" in feedback["test_q06"]


def test_released_quiz_scores_zero_and_says_what_is_missing(results):
    r = results["dave"]
    assert r["score"] == 0 and r["max_score"] == MAX_SCORE
    assert "q01 has no answer the grader can read (still `...`?)" in r["cells"][0]["feedback"]
