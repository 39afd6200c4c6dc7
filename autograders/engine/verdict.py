"""Write the hidden checks' verdict into the autograder test cells.

A test cell's outputs become a stdout stream with the feedback and one
``execute_result`` holding the score: nbgrader's ``determine_grade`` (which
``SaveAutoGrades`` uses) reads exactly that number, so the gradebook records the
score the engine computed, and ``dlcourse grade`` reads it back the same way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from nbformat.v4 import new_output

from .cells import grade_id, is_grade, is_test_cell, points
from .checks import CheckOutcome


@dataclass
class CellResult:
    grade_id: str
    score: float | None  # None: waits for a manual grade
    max_score: float
    feedback: str


def score_of(passed: int, total: int, max_points: float) -> float:
    return max_points if passed == total else round(max_points * passed / total, 2)


def feedback_text(outcomes: list[CheckOutcome], score: float, max_points: float) -> str:
    passed = sum(o.passed for o in outcomes)
    if passed == len(outcomes):
        return f"All {passed} hidden checks passed: {max_points:g} of {max_points:g} points.\n"
    lines = [f"Hidden checks: {passed} of {len(outcomes)} passed, {score:g} of {max_points:g} points."]
    lines += [f"  ✓ {o.name}" for o in outcomes if o.passed]
    lines += [f"  ✗ {o.name}: {o.message}" for o in outcomes if not o.passed]
    return "\n".join(lines) + "\n"


def write_verdicts(nb, outcomes: list[CheckOutcome], expected=None, unavailable: str | None = None) -> list[str]:
    """Score every test cell from its checks; ``unavailable`` scores them all 0 with that reason.

    ``expected`` (grade_id -> number of checks) is how many outcomes each cell needs: a cell with
    fewer gets no score at all (its feedback says why). Returns the grade_ids of those cells.
    """
    by_cell = defaultdict(list)
    for outcome in outcomes:
        by_cell[outcome.grade_id].append(outcome)
    incomplete = []
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        max_points, gid = points(cell), grade_id(cell)
        mine, needed = by_cell.get(gid, []), (expected or {}).get(gid, 0)
        score = 0.0
        if unavailable or not (mine or needed):
            text = f"Not graded: {unavailable or 'no hidden checks are defined for this cell'}.\n"
        elif len(mine) < needed:
            incomplete.append(gid)
            score, text = None, (f"Not graded: only {len(mine)} of its {needed} hidden checks ran before grading "
                                 "was cut short, so this cell has no score.\n")
        else:
            score = score_of(sum(o.passed for o in mine), len(mine), max_points)
            text = feedback_text(mine, score, max_points)
        cell.outputs = [new_output("stream", name="stdout", text=text)]
        if score is not None:
            cell.outputs.append(new_output("execute_result", data={"text/plain": f"{score:g}"}, execution_count=None))
        cell.execution_count = None
    return incomplete


def graded_by_hand(released_nb) -> bool:
    """Whether the assignment has graded cells that no hidden check scores: only their scores need nbgrader."""
    return any(is_grade(c) and not is_test_cell(c) for c in released_nb.cells)


def cell_results(nb, released_nb, incomplete=()) -> list[CellResult]:
    """Per graded cell of the release, in its order, the score nbgrader records for it (manual cells, and
    the ``incomplete`` ones: None). Cells a submission added are not the release's: they are not here."""
    submitted = {grade_id(c): c for c in nb.cells if is_grade(c)}
    results = []
    for released in released_nb.cells:
        if not is_grade(released):
            continue
        gid = grade_id(released)
        cell = submitted.get(gid, released)  # restore put every graded cell back
        feedback = ""
        if is_test_cell(cell):
            score, max_score = _written_score(cell), points(cell)
            feedback = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
        else:
            from nbgrader.utils import determine_grade  # imported while the student's cells ran (preload.py)

            score, max_score = determine_grade(cell)
            if score is None:
                feedback = "graded by the instructor"
        results.append(CellResult(gid, None if gid in incomplete else score, max_score, feedback))
    return results


def _written_score(cell) -> float | None:
    """The score ``write_verdicts`` put in a test cell, as nbgrader's ``determine_grade`` reads it."""
    for output in cell.outputs:
        if output.get("output_type") == "execute_result":
            return float(output["data"]["text/plain"])
    return None
