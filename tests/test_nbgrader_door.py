"""`nbgrader autograde` (formgrader's button) grades with the same engine as `dlcourse grade`."""

import shutil

from nbgrader.api import Gradebook

from conftest import BIN, cell_scores, grade, released, run
from notebooks import write_submission

STUDENTS = {"alice": "correct_np_where", "bob": "partly_wrong", "carol": "tamper_patch_asserts"}


def test_nbgrader_autograde_records_the_same_scores_as_dlcourse_grade(course_copy, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(course_copy, course)
    release = released(course, "activations")
    for student, case in STUDENTS.items():
        path = write_submission(tmp_path / "cases", release, case, "activations")
        target = course / "submitted" / student / "activations"
        target.mkdir(parents=True)
        shutil.copy(path, target / "activations.ipynb")

    run([BIN / "nbgrader", "autograde", "activations"], cwd=course)
    local = grade([course / "submitted"], tmp_path, course=course)

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in STUDENTS:
            notebook = gb.find_submission_notebook("activations", "activations", student)
            in_gradebook = {g.name: g.auto_score for g in notebook.grades}
            assert in_gradebook == cell_scores(local[student]), student
            assert notebook.score == local[student]["score"]
    assert local["alice"]["score"] == 10.0
    assert 0 < local["bob"]["score"] < 10.0
    assert local["carol"]["score"] == 0.0

    # the autograded notebook carries the engine's feedback, for formgrader and generate_feedback
    autograded = (course / "autograded/bob/activations/activations.ipynb").read_text()
    assert "Hidden checks:" in autograded and "overflow" in autograded
