"""Reports of a graded class: JSON (every detail), CSV (an LMS gradebook import), HTML (what to look at)."""

from __future__ import annotations

import base64
import csv
import html
import io
import json
from collections import Counter, defaultdict
from pathlib import Path

from .engine import NotebookResult


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
        if r.student and r.assignment and key not in counted:
            counted.add(key)
            table[r.student][r.assignment] += r.score
    assignments = sorted({a for row in table.values() for a in row})
    return assignments, table


def write_csv(results: list[NotebookResult], path: Path):
    """One row per student, one column per assignment, and the total: the shape LMS gradebooks import."""
    assignments, table = grade_table(results)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", *assignments, "total"])
        for student in sorted(table):
            row = table[student]
            writer.writerow([student, *(_num(row[a]) if a in row else "" for a in assignments),
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
    ax.set_title(title)
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
    e = html.escape
    parts = ["<!doctype html><meta charset='utf-8'><title>Grading report</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}td.n{text-align:right}</style>",
             f"<h1>Grading report</h1><p>{len(results)} notebooks, "
             f"{sum(1 for r in results if r.error)} with errors.</p>"]
    for assignment in sorted(by_assignment):
        rows = by_assignment[assignment]
        scores = [r.score for r in rows]
        max_score = max((r.max_score for r in rows), default=0)
        mean = sum(scores) / len(scores)
        median = sorted(scores)[len(scores) // 2]
        parts.append(f"<h2>{e(assignment)}</h2><p>{len(rows)} notebooks; mean {mean:.2f}, median {median:g} "
                     f"of {max_score:g}</p>")
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
