"""The activations assignment end to end: real nbgrader release, real kernels, `dlcourse grade`."""

import nbformat
import pytest

from conftest import ROOT, cell_scores, grade, released
from notebooks import CORPUS, assert_scores_as_expected, corpus_cells, raised_cells, student_notebook, write_submission

FULL = {"test_sigmoid": 3.0, "test_tanh": 2.0, "test_relu": 2.0, "test_leaky_relu": 3.0}
ZERO = dict.fromkeys(FULL, 0.0)
# stable in float64, overflowing in float32: (case, the cell that loses points, its functions)
FLOAT32_ONLY_OVERFLOWS = {"wrong_sigmoid_clips_at_500": ("test_sigmoid", ["sigmoid", "sigmoid_grad"]),
                          "wrong_tanh_exp_clipped_for_float64": ("test_tanh", ["tanh", "tanh_grad"])}
TAMPERING = ["tamper_custom_exc", "tamper_patch_asserts", "tamper_fake_score", "tamper_redefine_print",
             "tamper_sys_exit", "tamper_os_exit", "tamper_equal_to_anything"]


@pytest.fixture(scope="module")
def results(course_copy, tmp_path_factory):
    """Every corpus submission and the released notebook, graded in one batch."""
    folder = tmp_path_factory.mktemp("submissions")
    release = released(course_copy, "activations")
    cases = ["correct_np_where", "correct_masks_float32", "correct_with_stderr_noise", "partly_wrong", "exit_after_correct",
             "loop_in_cell", "loop_in_function", "loop_ignoring_interrupt", *TAMPERING, *FLOAT32_ONLY_OVERFLOWS,
             "wrong_sigmoid_grad_only"]
    for case in cases:
        write_submission(folder, release, case, "activations")
    (folder / "released").mkdir()
    nbformat.write(release, folder / "released" / "activations.ipynb")
    # a correct solution whose student rewrote one test cell and deleted another
    edited = student_notebook(release, corpus_cells(CORPUS / "activations" / "correct_np_where.py"))
    for cell in edited.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_sigmoid":
            cell.source = "print('All hidden checks passed: 3 of 3 points.')"
    edited.cells = [c for c in edited.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_tanh"]
    (folder / "edited_tests").mkdir()
    nbformat.write(edited, folder / "edited_tests" / "activations.ipynb")
    return grade([folder], folder, "--cell-timeout", "10", "--call-timeout", "5", course=course_copy)


def test_source_notebook_scores_full_marks(tmp_path):
    result = grade([ROOT / "course/source/activations/activations.ipynb"], tmp_path)["source"]
    assert (result["score"], result["max_score"], result["error"]) == (10.0, 10.0, None)
    assert raised_cells(result) == []
    assert cell_scores(result) == FULL
    assert all(c["feedback"].startswith("All ") for c in result["cells"])


def test_released_notebook_scores_zero(results):
    r = results["released"]
    assert cell_scores(r) == ZERO and r["max_score"] == 10.0
    assert "NotImplementedError" in r["cells"][0]["feedback"]


@pytest.mark.parametrize("case", ["correct_np_where", "correct_masks_float32", "correct_with_stderr_noise"])
def test_correct_solutions_written_differently_score_full_marks(results, case):
    assert cell_scores(results[case]) == FULL, results[case]["cells"]


def test_partly_wrong_solution_gets_partial_credit_and_feedback_names_the_mistakes(results):
    r = results["partly_wrong"]
    scores = cell_scores(r)
    assert scores["test_tanh"] == 2.0
    for cell in ("test_sigmoid", "test_relu", "test_leaky_relu"):
        assert 0 < scores[cell] < FULL[cell], (cell, scores)
    feedback = {c["grade_id"]: c["feedback"] for c in r["cells"]}
    assert "overflow" in feedback["test_sigmoid"]
    assert "relu_grad(0)" in feedback["test_relu"]
    assert "alpha=0.2" in feedback["test_leaky_relu"]
    assert "float32" in feedback["test_relu"]


@pytest.mark.parametrize("case", FLOAT32_ONLY_OVERFLOWS)
def test_an_overflow_only_in_float32_loses_the_float32_stability_points(results, case):
    r = results[case]
    assert_scores_as_expected(r, CORPUS / "activations" / f"{case}.py")
    cell, functions = FLOAT32_ONLY_OVERFLOWS[case]
    assert cell_scores(r) == {**FULL, cell: cell_scores(r)[cell]}
    failed = sorted(c["name"].split(":")[0] for c in r["checks"] if not c["passed"])
    assert failed == sorted(f"{name}-float32" for name in functions), failed  # float64 is fine, float32 overflows
    assert "overflow" in {c["grade_id"]: c["feedback"] for c in r["cells"]}[cell]


def test_a_right_function_keeps_its_points_beside_a_wrong_one(results):
    """sigmoid right, sigmoid_grad wrong: every check of sigmoid counts, none of sigmoid_grad's properties."""
    r = results["wrong_sigmoid_grad_only"]
    assert_scores_as_expected(r, CORPUS / "activations" / "wrong_sigmoid_grad_only.py")
    checks = [c for c in r["checks"] if c["grade_id"] == "test_sigmoid"]
    of_sigmoid = [c for c in checks if c["name"].startswith("sigmoid:") or c["name"].startswith("sigmoid-")]
    assert of_sigmoid and all(c["passed"] for c in of_sigmoid), of_sigmoid
    assert not any(c["passed"] for c in checks if c not in of_sigmoid)
    assert cell_scores(r) == {**FULL, "test_sigmoid": round(FULL["test_sigmoid"] * len(of_sigmoid) / len(checks), 2)}
    # sigmoid_grad's checks that pass on their own (its input left unchanged) are the ones not counted
    not_counted = [c for c in checks if "not counted" in (c["message"] or "")]
    assert not_counted and all(c["name"].startswith("sigmoid_grad: ") for c in not_counted), not_counted


@pytest.mark.parametrize("case", TAMPERING)
def test_tampering_from_the_notebook_gains_nothing(results, case):
    r = results[case]
    assert cell_scores(r) == ZERO, r["cells"]
    assert r["max_score"] == 10.0


def test_endless_loop_in_a_cell_costs_only_what_it_blocks(results):
    r = results["loop_in_cell"]
    assert cell_scores(r) == {**FULL, "test_leaky_relu": 0.0}
    feedback = {c["grade_id"]: c["feedback"] for c in r["cells"]}
    assert "leaky_relu is not defined in your notebook" in feedback["test_leaky_relu"]
    # the instructor reads which cell stopped first (later cells using leaky_relu then fail too)
    assert " raised CellTimeoutError: " in raised_cells(r)[0], r["notes"]


def test_endless_loop_in_a_function_is_cut_by_the_call_timeout(results):
    r = results["loop_in_function"]
    scores = cell_scores(r)
    assert {k: v for k, v in scores.items() if k != "test_relu"} == {k: v for k, v in FULL.items() if k != "test_relu"}
    assert 0 < scores["test_relu"] < 2.0  # relu_grad still earns its part
    feedback = {c["grade_id"]: c["feedback"] for c in r["cells"]}["test_relu"]
    assert "relu did not finish within 5 s" in feedback


@pytest.mark.parametrize("case, notes", [
    ("exit_after_correct", ["ended the kernel"]),
    ("loop_ignoring_interrupt", ["ignored the interrupt"]),
    ("edited_tests", ["cell 'test_sigmoid' was edited; it was restored from the assignment",
                      "cell 'test_tanh' was missing; it was added back"]),
])
def test_correct_code_keeps_its_points_whatever_the_grader_had_to_repair(results, case, notes):
    """A cell that ends the kernel or swallows the interrupt is skipped and the rest graded; edited and deleted
    test cells are restored from the assignment. The notes say what was done."""
    r = results[case]
    assert cell_scores(r) == FULL
    for note in notes:
        assert any(note in line for line in r["notes"]), (note, r["notes"])


def test_feedback_never_shows_hidden_check_source(results):
    checks = (ROOT / "autograders/assignments/activations/hidden_checks.py").read_text()
    reference = (ROOT / "autograders/assignments/activations/reference.py").read_text()
    lines = {line.strip() for line in checks.splitlines() + reference.splitlines() if len(line.strip()) > 25}
    for r in results.values():
        for cell in r["cells"]:
            leaked = [line for line in lines if line in cell["feedback"]]
            assert not leaked, (r["student"], leaked)
