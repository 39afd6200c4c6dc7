"""Make a submission's graded cells match the assignment, by grade_id, as nbgrader does.

Locked cells (autograder test cells, read-only instructions) are replaced by
their released version; solution cells keep the student's work but get their
metadata (points, cell type) back; deleted test cells are added again;
duplicated or unknown grade_ids lose their nbgrader metadata. Each change is
reported, so a student learns why their edit had no effect.
"""

from __future__ import annotations

import copy

from .cells import grade_id, is_grade, is_locked


def restore_cells(nb, released_nb) -> list[str]:
    released = {grade_id(c): c for c in released_nb.cells if grade_id(c)}
    order = [grade_id(c) for c in released_nb.cells if grade_id(c)]
    notes, seen = [], set()

    for cell in nb.cells:
        gid = grade_id(cell)
        if gid is None:
            continue
        if gid in seen or gid not in released:
            why = "appears twice" if gid in seen else "is not part of this assignment"
            notes.append(f"cell '{gid}' {why}; it was not graded")
            del cell.metadata["nbgrader"]
            continue
        seen.add(gid)
        master = released[gid]
        if is_locked(master):
            if cell.cell_type != master.cell_type or cell.source != master.source:
                notes.append(f"cell '{gid}' was edited; it was restored from the assignment")
            _replace(cell, master)
        else:
            if cell.cell_type != master.cell_type:
                notes.append(f"cell '{gid}' had its type changed to {cell.cell_type}; it was changed back")
                cell.cell_type = master.cell_type
                _fix_fields(cell)
            cell.metadata["nbgrader"] = copy.deepcopy(master.metadata["nbgrader"])

    # add back the cells that must be there to be graded, after the cell that precedes them in the assignment
    for position, gid in enumerate(order):
        master = released[gid]
        if gid in seen or not (is_grade(master) or is_locked(master)):
            continue
        notes.append(f"cell '{gid}' was missing; it was added back")
        preceding = [g for g in order[:position] if g in seen]
        anchor = max((i for i, c in enumerate(nb.cells) if grade_id(c) in preceding), default=len(nb.cells) - 1)
        nb.cells.insert(anchor + 1, copy.deepcopy(master))
        seen.add(gid)
    return notes


def _replace(cell, master):
    cell.clear()
    cell.update(copy.deepcopy(master))
    _fix_fields(cell)


def _fix_fields(cell):
    if cell.cell_type == "code":
        cell.setdefault("outputs", [])
        cell.setdefault("execution_count", None)
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
