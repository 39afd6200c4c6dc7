"""The TensorFlow assignment, graded for real: every corpus submission scores what its header says.

One batch (two workers) holds the corpus, the released notebook and the instructor's notebook. Some
submissions make two mistakes, in different cells, so that the batch stays small (TensorFlow is slow to start).
"""

import shutil

import nbformat
import pytest

from conftest import ROOT, grade, released
from notebooks import (CORPUS, assert_scores_as_expected, autograded_cells_full, expectations, raised_cells,
                       write_submission)

ASSIGNMENT = "tensorflow_basics"
CASES = sorted(p.stem for p in (CORPUS / ASSIGNMENT).glob("*.py"))


@pytest.fixture(scope="module")
def graded(course_copy, tmp_path_factory):
    folder = tmp_path_factory.mktemp(ASSIGNMENT)
    release = released(course_copy, ASSIGNMENT)
    for case in CASES:
        write_submission(folder, release, case, ASSIGNMENT)
    (folder / "released").mkdir()
    nbformat.write(release, folder / "released" / f"{ASSIGNMENT}.ipynb")
    (folder / "source").mkdir()
    shutil.copy(ROOT / "course" / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", folder / "source")
    return grade([folder], folder, "--workers", "2", course=course_copy)


@pytest.mark.parametrize("case", CASES)
def test_corpus_submission_scores_what_it_says(graded, case):
    assert_scores_as_expected(graded[case], CORPUS / ASSIGNMENT / f"{case}.py")


def test_instructors_notebook_scores_full_marks(graded):
    result = graded["source"]
    assert autograded_cells_full(result), [(c["grade_id"], c["feedback"]) for c in result["cells"]]
    assert raised_cells(result) == []  # every cell of it runs without an error (its only execution in the tests)


def test_released_notebook_scores_zero(graded):
    assert graded["released"]["score"] == 0 and graded["released"]["max_score"] == 14


def test_corpus_covers_each_function_right_and_wrong():
    mistakes = [loss for c in CASES for loss in expectations(CORPUS / ASSIGNMENT / f"{c}.py")]
    correct = [c for c in CASES if not expectations(CORPUS / ASSIGNMENT / f"{c}.py")]
    assert len(mistakes) >= 7 and len(correct) >= 2, CASES
    lost = {cell for cell, _ in mistakes}
    assert lost == {"test_standardize", "test_tape_gradients", "test_make_dataset", "test_build_mlp", "test_train_mlp"}
