"""Malformed submissions: each is graded with a clear message about its problem, and none stops the batch."""

import copy
import json

import nbformat
import pytest

from conftest import grade, released
from notebooks import CORPUS, corpus_cells, student_notebook


def gid(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def correct(release):
    return student_notebook(release, corpus_cells(CORPUS / "activations" / "correct_np_where.py"))


def no_kernelspec(nb):
    del nb.metadata["kernelspec"]


def other_kernelspec(nb):
    nb.metadata["kernelspec"] = {"name": "julia-1.9", "display_name": "Julia 1.9", "language": "julia"}


def deleted_graded_cells(nb):
    nb.cells = [c for c in nb.cells if gid(c) not in ("tanh_impl", "test_relu")]


def duplicated_graded_cells(nb):
    sigmoid = next(i for i, c in enumerate(nb.cells) if gid(c) == "sigmoid_impl")
    test = next(i for i, c in enumerate(nb.cells) if gid(c) == "test_sigmoid")
    nb.cells.insert(test + 1, copy.deepcopy(nb.cells[test]))
    nb.cells.insert(sigmoid + 1, copy.deepcopy(nb.cells[sigmoid]))


def retyped_graded_cells(nb):
    for cell in nb.cells:
        if gid(cell) == "test_tanh":
            cell.cell_type = "markdown"
            del cell["outputs"], cell["execution_count"]


def no_nbgrader_metadata(nb):
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)


def empty(nb):
    nb.cells = []


EDITS = [no_kernelspec, other_kernelspec, deleted_graded_cells, duplicated_graded_cells, retyped_graded_cells,
         no_nbgrader_metadata, empty]


@pytest.fixture(scope="module")
def results(course_copy, tmp_path_factory):
    folder = tmp_path_factory.mktemp("malformed")
    release = released(course_copy, "activations")
    for edit in EDITS:
        nb = correct(release)
        edit(nb)
        (folder / edit.__name__).mkdir()
        (folder / edit.__name__ / "activations.ipynb").write_text(json.dumps(nb))  # as written, unvalidated
    (folder / "not_json").mkdir()
    (folder / "not_json" / "activations.ipynb").write_text('{"cells": [ this is not JSON')
    (folder / "huge").mkdir()
    huge = correct(release)
    huge.cells[-1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * (60 * 2**20))]
    nbformat.write(huge, folder / "huge" / "activations.ipynb")
    (folder / "fine").mkdir()
    nbformat.write(correct(release), folder / "fine" / "activations.ipynb")
    return grade([folder], folder, "--assignment", "activations", course=course_copy)


def notes(result):
    return " ".join(result["notes"])


def test_the_batch_goes_on_and_a_fine_submission_scores_full_marks(results):
    assert len(results) == len(EDITS) + 3
    assert results["fine"]["score"] == 10 and results["fine"]["error"] is None


@pytest.mark.parametrize("case, phrase", [("not_json", "not a readable notebook"), ("huge", "over the 50 MB limit")])
def test_an_unreadable_notebook_scores_zero_with_the_reason(results, case, phrase):
    assert results[case]["score"] == 0 and phrase in results[case]["error"]


@pytest.mark.parametrize("case, phrase", [("no_kernelspec", "names no kernel"),
                                          ("other_kernelspec", "asks for the kernel 'julia-1.9'")])
def test_a_missing_or_changed_kernelspec_is_graded_in_the_course_kernel(results, case, phrase):
    assert results[case]["score"] == 10 and phrase in notes(results[case])


def test_deleted_graded_cells_are_restored_and_a_deleted_solution_costs_its_points(results):
    result = results["deleted_graded_cells"]
    assert "cell 'test_relu' was missing; it was added back" in notes(result)
    scores = {c["grade_id"]: c["score"] for c in result["cells"]}
    assert scores["test_relu"] == 2 and scores["test_tanh"] == 0
    assert "tanh is not defined in your notebook" in next(c for c in result["cells"]
                                                          if c["grade_id"] == "test_tanh")["feedback"]


def test_duplicated_graded_cells_are_graded_once(results):
    result = results["duplicated_graded_cells"]
    assert result["score"] == 10 and result["max_score"] == 10
    assert "appears twice" in notes(result)


def test_a_retyped_test_cell_is_restored(results):
    result = results["retyped_graded_cells"]
    assert result["score"] == 10 and "cell 'test_tanh' was edited; it was restored" in notes(result)


def test_a_notebook_without_nbgrader_metadata_is_still_graded(results):
    result = results["no_nbgrader_metadata"]
    assert result["score"] == 10 and "was missing; it was added back" in notes(result)


def test_an_empty_notebook_scores_zero_and_says_what_is_missing(results):
    result = results["empty"]
    assert result["score"] == 0 and result["error"] is None
    assert "sigmoid is not defined in your notebook" in result["cells"][0]["feedback"]
