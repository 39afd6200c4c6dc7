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


def fields_of_every_json_type(nb):
    """Written as raw JSON, as a student's editor could: each field of a type nbformat does not allow."""
    cells = {gid(c): c for c in nb.cells}
    cells["sigmoid_impl"].metadata.nbgrader["grade_id"] = ["sigmoid_impl"]  # unhashable
    cells["test_tanh"].metadata.nbgrader["points"] = "lots"
    cells["test_relu"].metadata["nbgrader"] = [1, 2]
    cells["relu_impl"]["source"] = {"code": "relu = None"}
    nb.metadata["kernelspec"] = {"name": 42}
    nb.cells.insert(1, 7)
    nb.cells.insert(2, {"cell_type": "code", "source": "x = 1", "metadata": "not an object", "outputs": None})


def invented_graded_cells(nb):
    nb.cells.append(nbformat.v4.new_code_cell("assert True", metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "points": 50, "grade_id": "my_bonus"}}))
    nb.cells.append(nbformat.v4.new_markdown_cell("Worth 20 points.", metadata={"nbgrader": {
        "grade": True, "solution": True, "locked": False, "points": 20, "grade_id": "my_essay"}}))


EDITS = [no_kernelspec, other_kernelspec, deleted_graded_cells, duplicated_graded_cells, retyped_graded_cells,
         no_nbgrader_metadata, empty, fields_of_every_json_type, invented_graded_cells]


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


def test_fields_of_any_json_type_are_graded_with_a_note_for_each(results):
    result = results["fields_of_every_json_type"]
    assert result["error"] is None and result["max_score"] == 10
    # relu's solution cell lost its code, its tanh and relu test cells came back from the release
    assert {c["grade_id"]: c["score"] for c in result["cells"]} == {"test_sigmoid": 3, "test_tanh": 2, "test_relu": 0,
                                                                      "test_leaky_relu": 3}
    for phrase in ("cell 2 is not a notebook cell", "cell 3's metadata was not an object",
                   "nbgrader metadata is malformed", "source was not text", "names no kernel"):
        assert phrase in notes(result), phrase


def test_graded_cells_a_submission_invents_are_not_in_its_results(results):
    result = results["invented_graded_cells"]
    assert [c["grade_id"] for c in result["cells"]] == ["test_sigmoid", "test_tanh", "test_relu", "test_leaky_relu"]
    assert sum(c["max_score"] for c in result["cells"]) == result["max_score"] == result["score"] == 10
    assert "'my_bonus' is not part of this assignment" in notes(result)
    assert "'my_essay' is not part of this assignment" in notes(result)
