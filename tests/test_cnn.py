"""The CNN assignment, graded for real: TensorFlow in the kernel, the model judged in the grader.

One batch holds the corpus, the released notebook and the instructor's notebook
(`benchmarks/cnn_grading.py` grades the latter five times in a row: the same grade each time).
"""

import re
import secrets
import shutil

import nbformat
import numpy as np
import pytest

from autograders.assignments.cnn.secret_view import KEY_BYTES, KEY_FILE, MIN_TURN_DEG, SecretView, course_key
from conftest import ROOT, grade, released
from notebooks import (CORPUS, assert_scores_as_expected, autograded_cells_full, expectations, raised_cells,
                       write_submission)

CASES = sorted(p.stem for p in (CORPUS / "cnn").glob("*.py"))
SOURCE = ROOT / "course" / "source" / "cnn" / "cnn.ipynb"
GRADINGS_OF_SOURCE = 1  # benchmarks/cnn_grading.py grades it 5 times in a row and compares


@pytest.fixture(scope="module")
def batch(course_copy, tmp_path_factory):
    """The folder graded in one batch, and the results by student."""
    folder = tmp_path_factory.mktemp("cnn")
    release = released(course_copy, "cnn")
    for case in CASES:
        write_submission(folder, release, case, "cnn")
    (folder / "released").mkdir()
    nbformat.write(release, folder / "released" / "cnn.ipynb")
    for run in range(1, GRADINGS_OF_SOURCE + 1):
        (folder / f"source_{run}").mkdir()
        shutil.copy(SOURCE, folder / f"source_{run}" / "cnn.ipynb")
    return folder, grade([folder], folder, "--workers", "2", course=course_copy)


@pytest.fixture(scope="module")
def graded(batch):
    return batch[1]


@pytest.mark.parametrize("case", CASES)
def test_corpus_submission_scores_what_it_says(graded, case):
    assert_scores_as_expected(graded[case], CORPUS / "cnn" / f"{case}.py")


def test_corpus_covers_the_classic_mistakes():
    assert len([c for c in CASES if expectations(CORPUS / "cnn" / f"{c}.py")]) >= 8, CASES


def test_source_scores_full_marks_within_the_time_limit(graded):
    runs = [graded[f"source_{run}"] for run in range(1, GRADINGS_OF_SOURCE + 1)]
    for result in runs:
        assert result["error"] is None and autograded_cells_full(result), \
            [(c["grade_id"], c["feedback"]) for c in result["cells"] if c["score"] != c["max_score"]]
        assert raised_cells(result) == []  # every cell of the instructor's notebook runs without an error
        assert result["seconds"] < 120, result["seconds"]
        assert result["device"] == "cpu"
    assert len({tuple((c["grade_id"], c["score"]) for c in r["cells"]) for r in runs}) == 1


def test_the_grader_prints_no_tensorflow_or_cuda_start_up_lines(batch):
    # the batch holds the instructor's notebook, as `make demo` does; the grader imports TensorFlow for its checks
    stderr = (batch[0] / "stderr.txt").read_text()
    assert "[1/" in stderr, stderr
    noise = [line for line in stderr.splitlines() if re.match(r"[IWEF]\d{4} \d\d:\d\d:", line)
             or re.search(r"absl::InitializeLog|cuInit|cudart_stub|oneDNN|cpu_feature_guard|rebuild TensorFlow", line)]
    assert not noise, noise


def test_partial_credit_comes_from_the_held_out_accuracy(graded):
    result = graded["brief_training"]
    train = next(c for c in result["cells"] if c["grade_id"] == "test_train_cnn")
    assert 0 < train["score"] < train["max_score"] and "correctly" in train["feedback"]
    assert all(c["score"] == c["max_score"] for c in result["cells"] if c["grade_id"] != "test_train_cnn")


def test_training_on_every_public_digit_gains_nothing(graded):
    # issue 17's attack (the classes' names recovered from the public digits, all 5,000 trained on) with
    # brief_training's network: before the secret view, with two epochs, it scored 10/10 where the honest one scored 9.4
    cheat, honest = (next(c for c in graded[case]["cells"] if c["grade_id"] == "test_train_cnn")
                     for case in ("wrong_trains_on_public_digits", "brief_training"))
    assert cheat["score"] < honest["score"], (cheat["score"], cheat["feedback"], honest["score"], honest["feedback"])


def test_each_student_has_a_secret_view_of_their_own_that_keeps_the_digits_whole(tmp_path):
    # the view comes from the course's key, made at the first grading, and the student's id: no one without the
    # key can know it, a regrading sees the same one, and it is never nearly upright
    key = course_key(tmp_path)
    assert course_key(tmp_path) == key and (tmp_path / KEY_FILE).stat().st_mode & 0o777 == 0o600
    views = [SecretView.draw(key, f"student{i}") for i in range(20)]
    again, elsewhere = SecretView.draw(key, "student0"), SecretView.draw(secrets.token_bytes(KEY_BYTES), "student0")
    assert (again.angle_deg, again.mirrored, list(again.relabelling)) == \
        (views[0].angle_deg, views[0].mirrored, list(views[0].relabelling))
    assert elsewhere.angle_deg != views[0].angle_deg  # another course's key
    assert len({v.angle_deg for v in views}) == 20 and {v.mirrored for v in views} == {False, True}
    assert all(MIN_TURN_DEG <= v.angle_deg <= 360 - MIN_TURN_DEG for v in views)
    assert all(np.all(v.relabelling != np.arange(10)) and sorted(v.relabelling) == list(range(10)) for v in views)
    digit = np.zeros((1, 28, 28, 1), np.float32)
    digit[0, 4:24, 4:24] = 1  # MNIST's digits fit the middle 20x20
    for view in views:
        turned = view.images(digit)
        assert turned.shape == digit.shape and turned.dtype == np.float32
        assert abs(turned.sum() - digit.sum()) < 0.2 * digit.sum()  # a corner at most is cut


def test_released_notebook_scores_zero(graded):
    assert graded["released"]["score"] == 0 and graded["released"]["max_score"] == 10
