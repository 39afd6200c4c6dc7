"""What a notebook cell is to nbgrader, in the few terms the engine needs."""

from nbgrader import utils


def grade_id(cell):
    """The cell's nbgrader grade_id, or None for a cell nbgrader does not track."""
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta.get("grade_id") if isinstance(meta, dict) else None


def is_test_cell(cell) -> bool:
    """An autograder test cell: graded, code, not the student's answer. Hidden checks score it."""
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


def points(cell) -> float:
    return float(cell.metadata["nbgrader"]["points"])
