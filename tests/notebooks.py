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


def write_submission(folder: Path, released_nb, case: str, assignment: str, corpus: str | None = None) -> Path:
    """``folder/<case>/<assignment>.ipynb`` for the file ``case`` of ``tests/corpus/<corpus or assignment>/``:
    the student is the case name."""
    path = folder / case / f"{assignment}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(student_notebook(released_nb, corpus_cells(CORPUS / (corpus or assignment) / f"{case}.py")), path)
    return path


_LOSS = re.compile(r'^# expect: (\S+) loses points, feedback says "(.+)"$', re.MULTILINE)


def expectations(path: Path) -> list[tuple[str, str]]:
    """What a corpus file must score: ``[]`` for ``# expect: full marks``, else its
    ``# expect: <grade_id> loses points, feedback says "<phrase>"`` lines as (grade_id, phrase)."""
    text = path.read_text()
    losses = _LOSS.findall(text)
    full = re.search(r"^# expect: full marks$", text, re.MULTILINE) is not None
    assert full != bool(losses), f"{path} must say either 'full marks' or which cells lose points"
    return losses


def autograded_cells_full(result) -> bool:
    auto = [c for c in result["cells"] if c["score"] is not None]
    return bool(auto) and all(c["score"] == c["max_score"] for c in auto)


def assert_scores_as_expected(result, corpus_file: Path):
    """A graded corpus submission lost points exactly where its header says, with the feedback it names."""
    assert result["error"] is None, result["error"]
    losses = expectations(corpus_file)
    cells = {c["grade_id"]: c for c in result["cells"]}
    if not losses:
        assert autograded_cells_full(result), [(c["grade_id"], c["score"], c["feedback"]) for c in result["cells"]]
    for grade_id, phrase in losses:
        cell = cells[grade_id]
        assert cell["score"] < cell["max_score"], f"{corpus_file.stem} should lose points in {grade_id}"
        assert phrase in cell["feedback"], f"{grade_id} feedback should say {phrase!r}:\n{cell['feedback']}"


def raised_cells(result) -> list[str]:
    """The notes of a graded notebook that name a student cell ending in an error."""
    return [note for note in result["notes"] if re.match(r"cell \d+ raised ", note)]
