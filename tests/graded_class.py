"""The class that the class-grading tests and the class report's tests share: graded once per session (conftest's
``graded_classes``), with 1 and with 2 workers."""

import json
import shutil

import nbformat

from conftest import released
from notebooks import CORPUS, corpus_cells, student_notebook

# correct, endless (cut by the call timeout), partial and hostile: s00 to s03
ACTIVATIONS = ["correct_np_where", "loop_in_function", "partly_wrong", "tamper_os_exit"]


def quiz_answers(student, wrong=False):
    from test_concepts_quiz import right_answers
    answers = right_answers(student)
    if wrong:
        answers = {**answers, "q01": "B" if answers["q01"] == "A" else "A", "q12": int(answers["q12"]) + 1}
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
    # planted by s02: a record of hidden checks, as the grader keeps beside an autograded notebook
    planted = course / "submitted/s02/activations/.dlcourse-checks"
    planted.mkdir()
    (planted / "activations.json").write_text(json.dumps({"error": "PLANTED error", "checks": [
        {"grade_id": "test_relu", "name": "relu: PLANTED check", "passed": False, "message": "PLANTED message"}]}))
    # a link that would grade s00's notebook as s04's
    link = course / "submitted/s04/activations/activations.ipynb"
    link.parent.mkdir(parents=True)
    link.symlink_to(course / "submitted/s00/activations/activations.ipynb")
    return course


def write(course, student, assignment, nb):
    path = course / "submitted" / student / assignment / f"{assignment}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
