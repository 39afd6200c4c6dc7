"""Grading a class: parallel workers give the same gradebook as one, re-grading replaces only what it should."""

import csv
import json

from nbgrader.api import Gradebook

from conftest import dlcourse, released
from graded_class import write
from notebooks import CORPUS, corpus_cells, student_notebook


def gradebook_rows(course):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        rows = []
        for assignment in ("activations", "concepts_quiz"):
            for sub in gb.assignment_submissions(assignment):
                for nb in sub.notebooks:
                    rows += [(sub.student.id, assignment, nb.name, g.name, g.auto_score) for g in nb.grades]
        return sorted(rows)


# the class's gradebook as the grader wrote it before the package was laid out by role (issue 19; graded with that
# code, the quiz's 16 cells and the stricter activations checks included): every cell's score, in gradebook_rows'
# order (activations' cells and quiz questions by name)
BEFORE = {
    "s00/activations": [3.0, 2.0, 3.0, 2.0],
    "s00/concepts_quiz": [0.0] * 16,
    "s01/activations": [3.0, 1.0, 3.0, 2.0],
    "s01/concepts_quiz": [0.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 2.0, 0.0, 2.0, 2.0, 1.0, 1.0],
    "s02/activations": [0.33, 1.25, 1.8, 2.0],
    "s02/concepts_quiz": [1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 1.0, 1.0],
    "s03/activations": [0.0, 0.0, 0.0, 0.0],
    "s03/concepts_quiz": [0.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 2.0, 0.0, 2.0, 2.0, 1.0, 1.0],
}


def test_two_workers_give_the_same_gradebook_as_one(graded_classes):
    one, two = gradebook_rows(graded_classes[1]), gradebook_rows(graded_classes[2])
    assert one == two
    by_submission = {}
    for student, assignment, _, _, score in one:
        by_submission.setdefault(f"{student}/{assignment}", []).append(score)
    assert by_submission == BEFORE
    assert len(one) == len(set(one)) == 4 * 4 + 4 * 16
    assert all(row[4] == 0 for row in one if row[:2] == ("s00", "concepts_quiz"))  # unreadable: scored 0
    scores = {(s, a): sum(x for st, a2, _, _, x in one if (st, a2) == (s, a)) for s, a, *_ in one}
    assert scores[("s00", "activations")] == 10.0 and scores[("s03", "activations")] == 0.0
    assert scores[("s02", "concepts_quiz")] == 21.0 and scores[("s01", "concepts_quiz")] == 18.0

    with open(graded_classes[2] / "grades.csv") as handle:
        table = list(csv.DictReader(handle))
    assert [r["student"] for r in table] == [f"s{i:02d}" for i in range(4)]
    assert table[0] == {"student": "s00", "activations": "10", "concepts_quiz": "0", "total": "10"}
    report = (graded_classes[2] / "report.html").read_text()
    assert "data:image/svg+xml;base64," in report and "not a readable notebook" in report
    assert "relu: gives the right values on random float64 inputs of several shapes" in report

    # formgrader reads the autograded notebooks; the engine's verdict is in them
    assert "Hidden checks:" in (graded_classes[2] / "autograded/s02/activations/activations.ipynb").read_text()


def test_the_class_tree_is_read_strictly(graded_classes):
    course = graded_classes[2]
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


def test_grading_one_student_again_replaces_only_their_results(graded_classes):
    course = graded_classes[1]
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


def test_the_longest_assignments_are_started_first_once_timed():
    from pathlib import Path

    from autograders.class_grading.plan import Job
    from autograders.class_grading.workers import Queue
    from autograders.engine import NotebookResult

    jobs = [Job([Path(f"{s}/{a}.ipynb")], a, s) for s in ("s1", "s2", "s3") for a in ("short", "long")]
    queue, started = Queue(jobs), []

    def start(seconds=None):
        job = queue.next()
        queue.take(job)
        started.append(f"{job.student}/{job.assignment}")
        if seconds is not None:
            job.results = [NotebookResult(str(job.notebooks[0]), job.assignment, job.student, seconds=seconds)]
            queue.record(job)

    start(1.0)  # the batch's first job
    start(6.0)  # an assignment not started yet, before more of one that is
    while queue:
        start()
    assert started == ["s1/short", "s1/long", "s2/long", "s3/long", "s2/short", "s3/short"]
    queue, started = Queue(jobs), []
    for _ in range(2):  # two workers' first jobs, neither graded yet: one of each assignment
        start()
    assert started == ["s1/short", "s1/long"]
