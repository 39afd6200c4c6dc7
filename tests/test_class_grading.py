"""Grading a class: parallel workers give the same gradebook as one, re-grading replaces only what it should."""

import csv
import json
import shutil

import nbformat
import pytest
from nbgrader.api import Gradebook

from conftest import dlcourse, released
from notebooks import CORPUS, corpus_cells, student_notebook

# correct, endless (cut by the call timeout), partial and hostile: s00 to s03
ACTIVATIONS = ["correct_np_where", "loop_in_function", "partly_wrong", "tamper_os_exit"]


def quiz_answers(student, wrong=False):
    from test_concepts_quiz import right_answers
    answers = right_answers(student)
    if wrong:
        answers = {**answers, "q01": "A", "q12": answers["q12"] + 1}
    return {f"{q}_answer": f"{q} = {v!r}" for q, v in answers.items()}


def make_class(course_copy, root):
    """Eight submissions over two assignments: correct, partial, hostile and broken ones."""
    course = root / "course"
    shutil.copytree(course_copy, course)
    act, quiz = released(course, "activations"), released(course, "concepts_quiz")
    for i, case in enumerate(ACTIVATIONS):
        student = f"s{i:02d}"
        write(course, student, "activations",
              student_notebook(act, corpus_cells(CORPUS / "activations" / f"{case}.py")))
        write(course, student, "concepts_quiz", student_notebook(quiz, quiz_answers(student, wrong=i % 2 == 1)))
    (course / "submitted/s00/concepts_quiz/concepts_quiz.ipynb").write_text("{ not json")
    # planted by s01: a correct copy beside the notebook, and one named as another student's submission;
    # and what the hub's intake refused of the submission
    correct = student_notebook(act, corpus_cells(CORPUS / "activations" / "correct_np_where.py"))
    write(course, "s01/activations/victim", "activations", correct)
    nbformat.write(correct, course / "submitted/s01/activations/copy.ipynb")
    (course / "submitted/s01/activations/refused.txt").write_text("key.py: a symbolic link (links are not followed)\n")
    # a link that would grade s00's notebook as s04's
    link = course / "submitted/s04/activations/activations.ipynb"
    link.parent.mkdir(parents=True)
    link.symlink_to(course / "submitted/s00/activations/activations.ipynb")
    return course


def write(course, student, assignment, nb):
    path = course / "submitted" / student / assignment / f"{assignment}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def gradebook_rows(course):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        rows = []
        for assignment in ("activations", "concepts_quiz"):
            for sub in gb.assignment_submissions(assignment):
                for nb in sub.notebooks:
                    rows += [(sub.student.id, assignment, nb.name, g.name, g.auto_score) for g in nb.grades]
        return sorted(rows)


@pytest.fixture(scope="module")
def courses(course_copy, tmp_path_factory):
    """The same class graded with 1 and with 2 workers, each in its own copy of the course."""
    graded = {}
    for workers in (1, 2):
        course = make_class(course_copy, tmp_path_factory.mktemp(f"w{workers}"))
        # short limits: the endless relu also runs in the notebook's demo cell, which waits out the cell limit
        proc = dlcourse("grade", course / "submitted", "--course", course, "--workers", workers, "--cell-timeout", "10",
                        "--call-timeout", "5", "--csv", course / "grades.csv", "--html", course / "report.html",
                        "--json", course / "results.json")
        (course / "stderr.txt").write_text(proc.stderr)
        graded[workers] = course
    return graded


def test_two_workers_give_the_same_gradebook_as_one(courses):
    one, two = gradebook_rows(courses[1]), gradebook_rows(courses[2])
    assert one == two
    assert len(one) == len(set(one)) == 4 * 4 + 4 * 15
    assert all(row[4] == 0 for row in one if row[:2] == ("s00", "concepts_quiz"))  # unreadable: scored 0
    scores = {(s, a): sum(x for st, a2, _, _, x in one if (st, a2) == (s, a)) for s, a, *_ in one}
    assert scores[("s00", "activations")] == 10.0 and scores[("s03", "activations")] == 0.0
    assert scores[("s02", "concepts_quiz")] == 20.0 and scores[("s01", "concepts_quiz")] == 17.0

    with open(courses[2] / "grades.csv") as handle:
        table = list(csv.DictReader(handle))
    assert [r["student"] for r in table] == [f"s{i:02d}" for i in range(4)]
    assert table[0] == {"student": "s00", "activations": "10", "concepts_quiz": "0", "total": "10"}
    report = (courses[2] / "report.html").read_text()
    assert "data:image/png;base64," in report and "not a readable notebook" in report
    assert "relu: gives the right values on random float64 inputs of several shapes" in report

    # formgrader reads the autograded notebooks; the engine's verdict is in them
    assert "Hidden checks:" in (courses[2] / "autograded/s02/activations/activations.ipynb").read_text()


def test_the_class_tree_is_read_strictly(courses):
    course = courses[2]
    report = json.loads((course / "results.json").read_text())
    assert sorted((r["student"], r["assignment"]) for r in report["results"]) == [
        (f"s{i:02d}", a) for i in range(4) for a in ("activations", "concepts_quiz")]  # one row each, no victim
    planted = [f"{course}/submitted/s01/activations/copy.ipynb",
               f"{course}/submitted/s01/activations/victim/activations/activations.ipynb",
               f"{course}/submitted/s04/activations/activations.ipynb"]
    assert [line.split(": ")[0] for line in report["ignored"]] == planted
    assert all(f"dlcourse: {path}: not graded" in (course / "stderr.txt").read_text() for path in planted)
    (s01,) = [r for r in report["results"] if (r["student"], r["assignment"]) == ("s01", "activations")]
    assert "refused at submission: key.py: a symbolic link (links are not followed)" in s01["notes"]
    with open(course / "grades.csv") as handle:
        row = next(r for r in csv.DictReader(handle) if r["student"] == "s01")
    assert float(row["activations"]) == s01["score"] < 10  # the planted correct copies counted nowhere


def test_grading_one_student_again_replaces_only_their_results(courses):
    course = courses[1]
    before = gradebook_rows(course)
    act = released(course, "activations")
    write(course, "s02", "activations",
          student_notebook(act, corpus_cells(CORPUS / "activations" / "correct_np_where.py")))
    dlcourse("grade", course / "submitted/s02/activations", "--course", course)
    after = gradebook_rows(course)
    changed = set(before) ^ set(after)
    assert changed and {row[:2] for row in changed} == {("s02", "activations")}
    assert len(after) == len(before)
    assert sum(r[4] for r in after if r[:2] == ("s02", "activations")) == 10.0
