"""Audit what students get: no solution code, hidden checks or reference values in it.

A fingerprint is one line of hidden material, normalised (whitespace collapsed):
the lines inside the source notebook's solution regions, and the code lines of the
assignment's ``hidden_checks.py`` and ``reference.py`` (docstrings, comments and
imports excluded: check descriptions are meant for students, and imports say
nothing). A student-visible file leaks when one of its lines contains a
fingerprint of its own assignment or of any other: the assignments are released
together, so no notebook may carry another one's answers. Short lines are not fingerprints: ``return x`` is everyone's.

Two entry points: ``dlcourse audit`` (released files and generated feedback), and
``nbgrader_door/release_guard.py``, a step of nbgrader's ``generate_assignment`` that makes
a release that would leak fail, so nothing is written for students.
"""

from __future__ import annotations

import ast
import functools
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .engine.sanitize import MAX_NOTEBOOK_BYTES
from .course import Assignment, Course

MIN_LENGTH = 32  # characters of a normalised line: shorter lines are too common to prove a leak
_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Leak:
    path: str
    what: str  # "solution code", "hidden checks", "reference solution", "nbgrader marker" (+ " of <assignment>")
    line: str
    number: int = 0  # the line's number in what the student sees (an HTML or text file's own line), 1 first

    def __str__(self):
        return f"{self.path}: {self.what}: {self.line[:100]}" + (f" (line {self.number})" if self.number else "")


def normalise(line: str) -> str:
    return _SPACE.sub(" ", line).strip()


def _code_lines(path: Path) -> set[str]:
    """The code lines of a Python file, without docstrings, comments and imports."""
    source = path.read_text()
    tree = ast.parse(source)
    skip = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            skip.update(range(body[0].lineno, body[0].end_lineno + 1))
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            skip.update(range(node.lineno, node.end_lineno + 1))
    lines = set()
    for number, line in enumerate(source.splitlines(), start=1):
        text = normalise(line.split("#", 1)[0] if line.lstrip().startswith("#") else line)
        if number not in skip and len(text) >= MIN_LENGTH:
            lines.add(text)
    return lines


def _split_source(assignment: Assignment) -> tuple[set[str], list[str]]:
    """The source notebook's lines inside solution regions (and model answers), and all its other lines:
    what the instructor hides, and what they show students on purpose."""
    inside, outside = set(), []
    for cell in assignment.source_nb.cells:
        model_answer = cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution")
        in_solution = False
        for line in cell.source.splitlines():
            if "BEGIN SOLUTION" in line or "BEGIN HIDDEN TESTS" in line:
                in_solution = True
            elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
                in_solution = False
            elif in_solution or model_answer:
                inside.add(normalise(line))
            else:
                outside.append(normalise(line))
    return inside, outside


@functools.cache
def fingerprints(assignment: Assignment) -> dict[str, str]:
    """normalised line -> what it would leak. A line the source notebook shows students anyway
    (a function's signature, a formula in the text) is no secret."""
    inside, shown = _split_source(assignment)
    found = dict.fromkeys((line for line in inside if len(line) >= MIN_LENGTH), "solution code")
    hidden = assignment.checks_file.parent
    for name, what in (("reference.py", "reference solution"), ("hidden_checks.py", "hidden checks")):
        if (hidden / name).is_file():
            found.update(dict.fromkeys(_code_lines(hidden / name), what))
    shown_text = "\n".join(shown)
    return {line: what for line, what in found.items() if line not in shown_text}


def visible_lines(path: Path) -> list[str]:
    """The lines a student sees in a file: a notebook's sources and outputs, an HTML page's text, a file's lines."""
    text = path.read_text(errors="replace")
    if path.suffix == ".ipynb":
        try:
            nb = json.loads(text)
        except ValueError:
            return text.splitlines()
        parts = []
        for cell in nb.get("cells", []):
            parts.append(_joined(cell.get("source", "")))
            for output in cell.get("outputs", []):
                parts.append(_joined(output.get("text", "")))
                for value in (output.get("data") or {}).values():
                    parts.append(_joined(value) if isinstance(value, (str, list)) else "")
                parts.append(_joined(output.get("traceback", [])))
        text = "\n".join(parts)
    elif path.suffix in (".html", ".htm"):
        # line by line, so that a leak is told by the page's own line number
        return [html.unescape(_TAG.sub("", line)) for line in text.splitlines()]
    return text.splitlines()


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def course_fingerprints(assignment: Assignment) -> dict[str, str]:
    """What students of ``assignment`` must not see: its own hidden material, and that of every other
    assignment of the course (all are released together, so a later notebook must not answer an earlier one)."""
    found = {}
    for name in assignment.course.assignment_names():
        if name != assignment.name:
            other = assignment.course.assignment(name)
            found.update({line: f"{what} of {name}" for line, what in fingerprints(other).items()})
    found.update(fingerprints(assignment))
    return found


def leaks_in_lines(lines, label: str, assignment: Assignment, exempt: frozenset[str] = frozenset()) -> list[Leak]:
    """``exempt``: normalised lines that are no leak here (a student's own code, shown back to them)."""
    prints = course_fingerprints(assignment)
    found = []
    for number, raw in enumerate(lines, start=1):
        line = normalise(raw)
        if line in exempt:
            continue
        for marker in _MARKERS:
            if marker in line:
                found.append(Leak(label, "nbgrader marker", line, number))
        if len(line) < MIN_LENGTH:
            continue
        for fingerprint, what in prints.items():
            if fingerprint in line:
                found.append(Leak(label, what, fingerprint, number))
                break
    return found


def leaks_in(path: Path, assignment: Assignment, label: str | None = None,
             exempt: frozenset[str] = frozenset()) -> list[Leak]:
    return leaks_in_lines(visible_lines(path), label or str(path), assignment, exempt)


def feedback_leaks(assignment: Assignment, feedback: Path) -> list[Leak]:
    """Leaks in one feedback file, ``<feedback folder>/<student>/<assignment>/<notebook>.html`` (nbgrader's
    ``<course>/feedback``, or the folder of one run of grading on arrival).

    Feedback shows the student their own notebook: a line they wrote themselves (the same line as the
    solution's, say) is theirs, not a leak. Their notebook is the autograded one the feedback was made from,
    in the ``autograded`` folder beside the feedback folder.
    """
    student = feedback.parent.parent.name
    own = feedback.parents[2].with_name("autograded") / student / assignment.name / f"{feedback.stem}.ipynb"
    return leaks_in(feedback, assignment, exempt=_source_lines(own))


def _source_lines(notebook: Path) -> frozenset[str]:
    try:
        if notebook.stat().st_size > MAX_NOTEBOOK_BYTES:
            return frozenset()
        cells = json.loads(notebook.read_text(errors="replace")).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return frozenset()
    return frozenset(normalise(line) for cell in cells if isinstance(cell, dict)
                     for line in _joined(cell.get("source", "")).splitlines())


def audit_course(course: Course, names: list[str] | None = None) -> tuple[list[Leak], int]:
    """Leaks in every released file and every generated feedback file; also how many files were read."""
    leaks, files = [], 0
    for name in names or course.assignment_names():
        assignment = course.assignment(name)
        release = course.root / "release" / name
        student_visible = [p for p in release.rglob("*") if p.is_file()] if release.is_dir() \
            else assignment.helper_files()
        if not release.is_dir():  # not released yet: audit what the release would be
            files += 1
            leaks += leaks_in_lines(visible_lines_of_nb(assignment.released_nb),
                                    f"{name}.ipynb (as it would be released)", assignment)
        for path in student_visible:
            files += 1
            leaks += leaks_in(path, assignment)
        for path in (p for p in (course.root / "feedback").glob(f"*/{name}/**/*") if p.is_file()):
            files += 1
            leaks += feedback_leaks(assignment, path)
    return leaks, files


def visible_lines_of_nb(nb) -> list[str]:
    return [line for cell in nb.cells for line in cell.source.splitlines()]
