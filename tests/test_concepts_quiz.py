"""The concepts quiz: per-student variants, copied answers, sloppy and wrong answer forms."""

import importlib.util

import nbformat
import pytest

from conftest import ROOT, grade, released
from notebooks import raised_cells, student_notebook

VARIANTS = ["q06", "q11", "q12", "q13", "q14"]
QUESTIONS = [f"q{i:02d}" for i in range(1, 16)]


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


quiz = load(ROOT / "course/source/concepts_quiz/quiz.py", "quiz_helper")
key = load(ROOT / "autograders/assignments/concepts_quiz/reference.py", "quiz_key")


def expected(student):
    return key.variant_answers(quiz.variant(student))


def answers_notebook(course, answers):
    cells = {f"{q}_answer": f"{q} = {value!r}" if not isinstance(value, str) or not value.startswith("=")
             else f"{q} {value}" for q, value in answers.items()}
    return student_notebook(released(course, "concepts_quiz"), cells)


def right_answers(student):
    return {**key.CHOICES, **key.MULTI, **expected(student)}


@pytest.fixture(scope="module")
def results(course_copy, tmp_path_factory):
    folder = tmp_path_factory.mktemp("quiz")
    # a student whose step (q06) happens to be a whole number, to answer it with an int
    whole = next(s for s in (f"student{i}" for i in range(100000)) if expected(s)["q06"] == round(expected(s)["q06"]))
    sloppy = {**{q: a.lower() for q, a in key.CHOICES.items()}, **{q: sorted(a) for q, a in key.MULTI.items()},
              **expected(whole), "q06": int(round(expected(whole)["q06"])), "q12": float(expected(whole)["q12"])}
    notebooks = {
        "alice_copies_nothing": (answers_notebook(course_copy, right_answers("alice")), "alice"),
        "bob_copies_alice": (answers_notebook(course_copy, right_answers("alice")), "bob"),
        "sloppy": (answers_notebook(course_copy, sloppy), whole),
        "wrong_forms": (answers_notebook(course_copy, {**right_answers("carol"), "q01": 2, "q03": "AB",
                                                       "q06": str(expected("carol")["q06"])}), "carol"),
        "released": (released(course_copy, "concepts_quiz"), "dave"),
    }
    out = {}
    for name, (nb, student) in notebooks.items():
        path = folder / name / "concepts_quiz.ipynb"
        path.parent.mkdir()
        nbformat.write(nb, path)
        out[name] = grade([path], path.parent, "--student", student, course=course_copy)[student]
    return out


def scores(result):
    return {c["grade_id"].removeprefix("test_"): c["score"] for c in result["cells"]}


@pytest.mark.parametrize("student", ["alice", "bob"])
def test_source_scores_full_marks_for_any_student(tmp_path, student):
    r = grade([ROOT / "course/source/concepts_quiz/concepts_quiz.ipynb"], tmp_path, "--student", student)[student]
    assert r["score"] == r["max_score"] == 20.0, r["cells"]
    assert raised_cells(r) == []


def test_neighbours_get_different_numbers():
    for q in VARIANTS:
        assert expected("alice")[q] != expected("bob")[q], q
    for q in VARIANTS:
        assert quiz.question_text(q, "alice") != quiz.question_text(q, "bob"), q


def test_the_right_answers_score_full_marks(results):
    assert results["alice_copies_nothing"]["score"] == 20.0


def test_answers_copied_from_a_neighbour_score_zero_on_the_variant_questions(results):
    s = scores(results["bob_copies_alice"])
    assert all(s[q] == 0 for q in VARIANTS), s
    assert all(s[q] > 0 for q in QUESTIONS if q not in VARIANTS), s
    feedback = {c["grade_id"]: c["feedback"] for c in results["bob_copies_alice"]["cells"]}
    assert "is not right for your numbers" in feedback["test_q12"]


def test_sloppy_but_unambiguous_answers_get_full_marks(results):
    assert results["sloppy"]["score"] == 20.0, [c["feedback"] for c in results["sloppy"]["cells"] if c["score"] < 1]


def test_an_answer_of_the_wrong_type_is_told_what_form_is_expected(results):
    feedback = {c["grade_id"]: c["feedback"] for c in results["wrong_forms"]["cells"]}
    s = scores(results["wrong_forms"])
    assert s["q01"] == s["q03"] == s["q06"] == 0
    assert 'q01 should be one capital letter as a string, e.g. "B"; you wrote 2' in feedback["test_q01"]
    assert "q03 should be a set of capital letters" in feedback["test_q03"]
    assert "q06 should be a number (int or float), e.g. 0.25, without quotes" in feedback["test_q06"]


def test_released_quiz_scores_zero_and_says_what_is_missing(results):
    r = results["released"]
    assert r["score"] == 0 and r["max_score"] == 20.0
    assert "q01 has no answer the grader can read (still `...`?)" in r["cells"][0]["feedback"]
