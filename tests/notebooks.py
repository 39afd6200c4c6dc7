"""Build student notebooks for the tests from the corpus under tests/corpus/."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

CORPUS = Path(__file__).parent / "corpus"
_SECTION = re.compile(r"^# %% (\S+)\s*$", re.MULTILINE)


def corpus_cells(path: Path) -> dict[str, str]:
    """The cells of one corpus file, after those of its ``# base:`` file."""
    text = path.read_text()
    base = re.search(r"^# base: (\S+)", text, re.MULTILINE)
    cells = corpus_cells(path.parent / f"{base.group(1)}.py") if base else {}
    parts = _SECTION.split(text)
    for name, body in zip(parts[1::2], parts[2::2]):
        cells[name] = (cells.get(name, "") + "\n" if name in ("start", "end") else "") + body.strip("\n")
    return cells


def student_notebook(released_nb, cells: dict[str, str]):
    """The released notebook with the given solution cells filled in and extra cells added."""
    nb = copy.deepcopy(released_nb)
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in cells:
            cell.source = cells[gid]
    if "start" in cells:
        nb.cells.insert(1, new_code_cell(cells["start"]))
    if "end" in cells:
        nb.cells.append(new_code_cell(cells["end"]))
    return nb


def write_submission(folder: Path, released_nb, case: str, assignment: str) -> Path:
    """``folder/<case>/<assignment>.ipynb`` for corpus file ``case``: the student is the case name."""
    path = folder / case / f"{assignment}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(student_notebook(released_nb, corpus_cells(CORPUS / assignment / f"{case}.py")), path)
    return path
