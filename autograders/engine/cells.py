"""What a notebook cell is to nbgrader, in the few terms the engine needs.

The flags are read from nbgrader's cell metadata here rather than through ``nbgrader.utils``: importing
any part of nbgrader runs its package's ``__init__``, which loads its server extensions (Jupyter Server,
SQLAlchemy, ...) for about 0.8 CPU-seconds, more than a third of executing a notebook once. The engine needs
nbgrader itself only once the student's cells have run (``verdict.py``), and imports it while they run
(``preload.py``).
"""


def _nbgrader(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def grade_id(cell):
    """The cell's nbgrader grade_id, or None for a cell nbgrader does not track."""
    return _nbgrader(cell).get("grade_id")


def is_grade(cell) -> bool:
    """A cell that scores points (a test cell, or an answer graded by hand)."""
    return bool(_nbgrader(cell).get("grade", False))


def is_solution(cell) -> bool:
    """A cell the student writes in."""
    return bool(_nbgrader(cell).get("solution", False))


def is_locked(cell) -> bool:
    """A cell whose released version replaces whatever a submission holds: graded and not the student's,
    or marked read-only."""
    if is_solution(cell):
        return False
    return is_grade(cell) or bool(_nbgrader(cell).get("locked", False))


def is_test_cell(cell) -> bool:
    """An autograder test cell: graded, code, not the student's answer. Hidden checks score it."""
    return cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)


def points(cell) -> float:
    return float(cell.metadata["nbgrader"]["points"])
