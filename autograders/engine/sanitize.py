"""A submitted notebook is JSON of any shape: make it one the engine can walk, and say what was wrong.

nbformat reads a notebook that does not follow its schema anyway (it only warns), so any field
may hold any JSON type: a list of cells that is a string, a cell whose metadata is a number, a
grade_id that is a list (unhashable: a TypeError deep in the grading), points that are text. Each
such field is put right or dropped here, with a note the student can read. A cell that loses its
nbgrader metadata is no longer graded as the student's; ``restore`` then puts back the released
cells that must be there, as for any edited notebook.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4.nbbase import random_cell_id

from ..errors import DlcourseError

CELL_TYPES = ("code", "markdown", "raw")
# nbgrader's own grade ids are short names; any other text is a grade_id that ``restore`` names as not the release's
MAX_GRADE_ID_CHARS = 100
CELL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # nbformat 4.5's
_FLAGS = ("grade", "solution", "locked", "task")


def read_notebook(text: str) -> NotebookNode:
    """A notebook from its JSON text, whatever its fields hold (``sanitize`` makes it walkable); ValueError if the
    text is not a notebook at all. nbformat's own reader would stop at the first field of the wrong type."""
    raw = json.loads(text)
    if not isinstance(raw, dict) or "nbformat" not in raw:
        raise ValueError("the file holds JSON, but not a notebook")
    if raw["nbformat"] == 4:
        return nbformat.from_dict(raw)
    return nbformat.reads(text, as_version=4)  # an older format: nbformat converts it


MAX_NOTEBOOK_BYTES = 50 * 2**20  # a submission is code and a few plots; more is output run wild


class Unreadable(DlcourseError):
    """A submission that cannot be graded at all: the message says why."""


def read_submission(path):
    """The notebook at ``path``, read once; ``Unreadable`` if it is too big or not a notebook."""
    size = Path(path).stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise Unreadable(f"the notebook is {size / 2**20:.0f} MB, over the {MAX_NOTEBOOK_BYTES // 2**20} MB limit "
                         "(clear its outputs and submit again)")
    try:
        return read_notebook(Path(path).read_text())
    except Exception as exc:
        raise Unreadable(f"not a readable notebook: {type(exc).__name__}: {str(exc)[:200]}") from None


def sanitize(nb) -> list[str]:
    """Make ``nb`` (modified in place) walkable; return notes on what was wrong."""
    notes = []
    if not isinstance(nb.get("metadata"), dict):
        nb["metadata"] = NotebookNode()
        notes.append("the notebook's metadata was not an object; it was ignored")
    spec = nb["metadata"].get("kernelspec")
    if spec is not None and not (isinstance(spec, dict) and all(isinstance(spec.get(k), str)
                                                                for k in ("name", "display_name"))):
        del nb["metadata"]["kernelspec"]  # the course's kernel grades it anyway; nbgrader would refuse it
    cells = nb.get("cells")
    if not isinstance(cells, list):
        nb["cells"] = []
        notes.append("the notebook had no list of cells; it was graded as empty")
        return notes
    kept, ids = [], nb.get("nbformat_minor", 0) >= 5 if isinstance(nb.get("nbformat_minor"), int) else False
    for position, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") not in CELL_TYPES:
            notes.append(f"cell {position} is not a notebook cell; it was ignored")
            continue
        notes += _sanitize_cell(cell, position)
        if ids and not (isinstance(cell.get("id"), str) and CELL_ID.fullmatch(cell["id"])):
            cell["id"] = random_cell_id()  # as nbformat's reader does
        kept.append(cell)
    nb["cells"] = kept
    return notes


def _sanitize_cell(cell, position) -> list[str]:
    notes = []
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        cell["source"] = "".join(source)
    elif not isinstance(source, str):
        cell["source"] = ""
        notes.append(f"cell {position}'s source was not text; it was treated as empty")
    if not isinstance(cell.get("metadata", {}), dict):
        cell["metadata"] = NotebookNode()
        notes.append(f"cell {position}'s metadata was not an object; it was ignored")
    cell.setdefault("metadata", NotebookNode())
    if cell["cell_type"] == "code":
        if not isinstance(cell.get("outputs"), list):
            cell["outputs"] = []
        count = cell.get("execution_count")
        if not isinstance(count, int) or isinstance(count, bool):
            cell["execution_count"] = None
    meta = cell["metadata"].get("nbgrader")
    if meta is not None and not _valid_nbgrader(meta):
        del cell["metadata"]["nbgrader"]
        notes.append(f"cell {position}'s nbgrader metadata is malformed; the cell was not graded as yours")
    return notes


def _valid_nbgrader(meta) -> bool:
    if not isinstance(meta, dict):
        return False
    gid = meta.get("grade_id", "-")
    if not (isinstance(gid, str) and 0 < len(gid) <= MAX_GRADE_ID_CHARS):
        return False
    if any(flag in meta and not isinstance(meta[flag], bool) for flag in _FLAGS):
        return False
    points = meta.get("points", 0)
    return isinstance(points, (int, float)) and not isinstance(points, bool) and 0 <= points < 1e6
