"""The ``dlcourse`` command line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import nbformat

from .course import Course, CourseError
from .engine import GradingSettings, NotebookResult, grade_notebook

USAGE_ERROR = 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def _positive(text):
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dlcourse", description="Run the deep learning course: grade notebooks locally.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    defaults = GradingSettings()
    grade = sub.add_parser("grade", help="grade notebooks with the hidden checks, without a hub")
    grade.add_argument("paths", nargs="+", metavar="PATH",
                       help="a notebook, or a folder holding notebooks (e.g. submitted/<student>/<assignment>/)")
    grade.add_argument("--course", default="course", metavar="DIR", help="the course folder (default: ./course)")
    grade.add_argument("--assignment", metavar="NAME", help="the assignment (default: from the notebook's folder)")
    grade.add_argument("--student", metavar="ID", help="the student id (default: from the notebook's folder)")
    grade.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    grade.add_argument("--kernel", default=defaults.kernel_name, help="kernel to run submissions in")
    grade.add_argument("--cell-timeout", type=_positive, default=defaults.cell_timeout, metavar="S",
                       help=f"seconds a student cell may run (default {defaults.cell_timeout:g})")
    grade.add_argument("--call-timeout", type=_positive, default=defaults.call_timeout, metavar="S",
                       help=f"seconds one call from a hidden check may run (default {defaults.call_timeout:g})")
    grade.add_argument("--seed", type=int, default=defaults.seed, help="seed of the hidden checks' random inputs")
    grade.set_defaults(run=cmd_grade)
    return parser


def find_notebooks(paths) -> list[Path]:
    found = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
            if not inside:
                raise UsageError(f"no notebooks in {raw}")
            found += inside
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(f"no such file or folder: {raw}")
    return found


def grade_file(path: Path, course: Course, args, settings: GradingSettings) -> NotebookResult:
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # not JSON, not a notebook: the submission scores 0, the batch goes on
        assignment, student = _identify_quietly(course, path, args)
        return NotebookResult(str(path), assignment and assignment.name, student,
                              max_score=assignment.max_score if assignment else 0.0,
                              error=f"not a readable notebook: {type(exc).__name__}: {str(exc)[:200]}")
    assignment, student = course.identify(path, nb, args.assignment, args.student)
    return grade_notebook(nb, assignment, student=student, settings=settings, notebook_name=str(path))


def _identify_quietly(course, path, args):
    try:
        return course.identify(path, None, args.assignment, args.student)
    except CourseError:
        return None, args.student


def cmd_grade(args) -> int:
    course = Course(args.course)
    if args.assignment:
        course.assignment(args.assignment)  # unknown names are a usage error before any grading
    notebooks = find_notebooks(args.paths)
    settings = GradingSettings(args.kernel, args.cell_timeout, args.call_timeout, args.seed)
    results = []
    for path in notebooks:
        try:
            result = grade_file(path, course, args, settings)
        except CourseError as exc:
            result = NotebookResult(str(path), None, args.student, error=str(exc))
        except Exception as exc:  # whatever a submission does, the rest of the batch is graded
            logging.getLogger(__name__).exception("grading %s failed", path)
            result = NotebookResult(str(path), None, args.student, error=f"{type(exc).__name__}: {exc}")
        results.append(result)
        _print_result(result)
    _print_table(results)
    if args.json:
        Path(args.json).write_text(json.dumps({"results": [r.to_json() for r in results]}, indent=2))
    return 0


def _print_result(result: NotebookResult):
    from rich.console import Console

    console = Console(stderr=False, highlight=False)
    console.print(f"[bold]{result.notebook}[/] ({result.student}, {result.assignment}): "
                  f"{result.score:g} / {result.max_score:g} in {result.seconds:.1f} s")
    if result.error:
        console.print(f"  [red]error:[/] {result.error}", markup=True)
    for note in result.notes:
        console.print(f"  note: {note}", markup=False)
    for cell in result.cells:
        if cell.score is not None and cell.score < cell.max_score:
            console.print(f"  {cell.grade_id}: {cell.score:g} / {cell.max_score:g}", markup=False)
            for line in cell.feedback.splitlines()[1:]:
                if line.lstrip().startswith("✗"):
                    console.print(f"    {line.strip()}", markup=False)


def _print_table(results):
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Grades")
    for column in ("notebook", "student", "assignment", "score", "max", "seconds", "device", "error"):
        table.add_column(column, justify="right" if column in ("score", "max", "seconds") else "left")
    for r in results:
        table.add_row(r.notebook, r.student or "", r.assignment or "", f"{r.score:g}", f"{r.max_score:g}",
                      f"{r.seconds:.1f}", r.device, r.error or "")
    Console().print(table)


def main(argv=None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return args.run(args)
    except (UsageError, CourseError) as exc:
        print(f"dlcourse: error: {exc}", file=sys.stderr)
        return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
