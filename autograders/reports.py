"""Reports of a graded class: JSON (every detail), CSV (an LMS gradebook import), HTML (what to look at).

Every string in a result may come from a submission (a file or folder name, an error message quoting
the student's code, a kernel's answer), so none is trusted as markup: each is made ``plain`` (no
control characters, which a terminal would obey; nothing a file cannot encode; a bounded length),
escaped for HTML, and kept from starting a formula in a spreadsheet (``csv_cell``).
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
from collections import Counter, defaultdict
from pathlib import Path

from .engine import NotebookResult

MAX_SHOWN_CHARS = 300
_FORMULA_STARTS = ("=", "+", "-", "@", "|", "\t", "\r")  # what spreadsheets read as a formula (OWASP's list)


def plain(text, limit: int = MAX_SHOWN_CHARS) -> str:
    """``text`` as plain text: every control or unencodable character replaced by U+FFFD, at most ``limit`` long."""
    text = "".join(c if c.isprintable() else "\ufffd" for c in str(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def csv_cell(text) -> str:
    """``plain(text)``, with a quote before anything a spreadsheet would run as a formula."""
    text = plain(text)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


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


def check_failures(results: list[NotebookResult]) -> dict[str, list[tuple[str, str, int, int]]]:
    """Per assignment, every hidden check with how many graded notebooks failed it, most failed first."""
    failed, seen = defaultdict(Counter), defaultdict(Counter)
    for r in results:
        for check in r.checks:
            key = (check["grade_id"], check["name"])
            seen[r.assignment][key] += 1
            failed[r.assignment][key] += not check["passed"]
    return {a: sorted(((gid, name, failed[a][(gid, name)], n) for (gid, name), n in seen[a].items()),
                      key=lambda row: (-row[2], row[0], row[1]))
            for a in seen}


def _histogram(scores, max_score, title) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 2.6))
    ax.hist(scores, bins=min(20, max(5, int(max_score) or 5)), range=(0, max_score or 1), color="#4c72b0")
    ax.set_xlabel("score")
    ax.set_ylabel("notebooks")
    ax.set_title(plain(title).replace("$", r"\$"))  # a '$' would start matplotlib's math mode
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def write_html(results: list[NotebookResult], path: Path):
    by_assignment = defaultdict(list)
    for r in results:
        by_assignment[r.assignment or "(unknown assignment)"].append(r)
    failures = check_failures(results)
    def e(text):
        return html.escape(plain(text))

    parts = ["<!doctype html><meta charset='utf-8'><title>Grading report</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}td.n{text-align:right}</style>",
             f"<h1>Grading report</h1><p>{len(results)} notebooks, "
             f"{sum(1 for r in results if r.error)} with errors.</p>"]
    for assignment in sorted(by_assignment):
        rows = by_assignment[assignment]
        scores = [r.score for r in rows if r.score is not None]
        max_score = max((r.max_score for r in rows), default=0)
        summary = (f"mean {sum(scores) / len(scores):.2f}, median {sorted(scores)[len(scores) // 2]:g} of "
                   f"{max_score:g}" if scores else "none graded")
        parts.append(f"<h2>{e(assignment)}</h2><p>{len(rows)} notebooks; {summary}</p>")
        parts.append(f"<img alt='grade distribution of {e(assignment)}' "
                     f"src='data:image/png;base64,{_histogram(scores, max_score, assignment)}'>")
        if assignment in failures:
            parts.append("<h3>Hidden checks, most failed first</h3><table><tr><th>cell</th><th>check</th>"
                         "<th>failed</th><th>of</th></tr>")
            parts += [f"<tr><td>{e(gid)}</td><td>{e(name)}</td><td class=n>{bad}</td><td class=n>{n}</td></tr>"
                      for gid, name, bad, n in failures[assignment]]
            parts.append("</table>")
        broken = [r for r in rows if r.error]
        if broken:
            parts.append("<h3>Not graded normally</h3><ul>")
            parts += [f"<li>{e(r.student or '?')}: {e(r.error)}</li>" for r in broken]
            parts.append("</ul>")
    Path(path).write_text("\n".join(parts))
