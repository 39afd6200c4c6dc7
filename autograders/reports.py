"""Reports of a graded class: JSON (every detail), CSV (an LMS gradebook import), HTML (what to look at).

Every string in a result may come from a submission (a file or folder name, an error message quoting
the student's code, a kernel's answer), so none is trusted as markup: each is made ``plain`` (``plain_text.py``: no
control characters, which a terminal would obey; nothing a file cannot encode; a bounded length),
escaped for HTML, and kept from starting a formula in a spreadsheet (``csv_cell``).
"""

from __future__ import annotations

import csv
import json
import os
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

from .engine import NotebookResult
from .plain_text import plain

_FORMULA_STARTS = ("=", "+", "-", "@", "|", "\t", "\r")  # what spreadsheets read as a formula (OWASP's list)


def csv_cell(text) -> str:
    """``plain(text)``, with a quote before anything a spreadsheet would run as a formula."""
    text = plain(text)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def score_text(result: NotebookResult) -> str:
    """"9 / 12", or "9 / 9 auto, 3 manual pending" where formgrader grades some points by hand; "-" stands for
    the score of a notebook that has none (interrupted, or not every hidden check ran: its error says which)."""
    score = "-" if result.score is None else f"{result.score:g}"
    if not result.manual_max:
        return f"{score} / {result.max_score:g}"
    return f"{score} / {result.max_score - result.manual_max:g} auto, {result.manual_max:g} manual pending"


def write_json(results: list[NotebookResult], path: Path, ignored: list[str] = ()):
    """Every result; ``ignored``: the notebooks found but not graded, with why."""
    Path(path).write_text(json.dumps({"results": [r.to_json() for r in results], "ignored": list(ignored)},
                                     indent=2))


def grade_table(results: list[NotebookResult]) -> tuple[list[str], dict[str, dict[str, float]]]:
    """Assignments, and per student the score of each (notebooks of one assignment add up; a notebook
    graded twice for the same student, from two places, counts once: the first result)."""
    table: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    counted = set()
    for r in results:
        key = (r.student, r.assignment, Path(r.notebook).name)
        if r.student and r.assignment and r.score is not None and key not in counted:  # not graded: no grade
            counted.add(key)
            table[r.student][r.assignment] += r.score
    assignments = sorted({a for row in table.values() for a in row})
    return assignments, table


def write_csv(results: list[NotebookResult], path: Path):
    """One row per student, one column per assignment, and the total: the shape LMS gradebooks import."""
    assignments, table = grade_table(results)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", *map(csv_cell, assignments), "total"])
        for student in sorted(table):
            row = table[student]
            writer.writerow([csv_cell(student), *(_num(row[a]) if a in row else "" for a in assignments),
                             _num(sum(row.values()))])


def _num(x):
    return f"{x:g}"


def write_html(results: list[NotebookResult], path: Path):
    """The class report (``report_page``) of these results; each notebook linked from the report's folder."""
    from . import analytics, report_page  # matplotlib: only when a page is asked for

    folder = Path(path).resolve().parent
    page = report_page.render(analytics.from_results(results, link=lambda r: file_link(r.notebook, folder)),
                              "Grading report")
    Path(path).write_text(page)


def file_link(target, folder: Path) -> str | None:
    """A relative link from ``folder`` to the file ``target`` (None if it is not a file): percent-encoded, so that
    no name can make it a URL with a scheme or a host."""
    target = Path(target)
    if not target.is_file():
        return None
    return "./" + quote(Path(os.path.relpath(target.resolve(), folder)).as_posix())
