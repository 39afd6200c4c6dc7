"""``dlcourse grade``: grade notebooks locally, one or a whole class, and print and write what they scored."""

from __future__ import annotations

import signal
import sys
from collections import defaultdict
from pathlib import Path

from .. import reports
from ..class_grading import devices, plan, sharding, workers
from ..course import Course
from ..plain_text import plain
from ..engine import NotebookResult
from .options import add_course, add_settings, check_writable, positive_int, settings_from
from .progress import GradingProgress

INTERRUPTED = 130  # what a shell reports for Ctrl-C


def add_parser(sub):
    grade = sub.add_parser("grade", help="grade notebooks with the hidden checks, without a hub")
    grade.add_argument("paths", nargs="+", metavar="PATH",
                       help="a notebook, or a folder holding notebooks (e.g. submitted/<student>/<assignment>/)")
    add_course(grade)
    grade.add_argument("--assignment", metavar="NAME", help="the assignment (default: from the notebook's folder)")
    grade.add_argument("--student", metavar="ID", help="the student id (default: from the notebook's folder)")
    grade.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    grade.add_argument("--csv", metavar="FILE",
                       help="also write grades as CSV: a row per student, a column per assignment, and the total")
    grade.add_argument("--html", metavar="FILE",
                       help="also write the class report as one HTML page: score distributions, the checks failed "
                            "most with the messages students got, a row per student (see also: dlcourse report)")
    grade.add_argument("--workers", type=positive_int, default=devices.usable_cores(), metavar="N",
                       help="submissions graded in parallel, each in its own kernel (default: the number of cores)")
    grade.add_argument("--no-gradebook", action="store_true",
                       help="do not record notebooks under <course>/submitted/ in the course's gradebook")
    grade.add_argument("-v", "--verbose", action="store_true",
                       help="print every failed check of every notebook, and TensorFlow's and CUDA's start-up lines")
    grade.add_argument("--shard", type=sharding.parse, metavar="K/N",
                       help="grade only shard K (from 0) of N: every N-th submission of the class, as each pod of "
                            "a Kubernetes grading Job does (dlcourse k8s grading-job)")
    add_settings(grade.add_argument_group("grading settings"))
    grade.set_defaults(run=cmd_grade)


def cmd_grade(args) -> int:
    course = Course(args.course)
    if args.assignment:
        course.assignment(args.assignment)  # unknown names are a usage error before any grading
    for option in ("json", "csv", "html"):
        check_writable(option, getattr(args, option))
    planned = plan.plan(plan.find_notebooks(args.paths), course, args.assignment, args.student,
                         use_gradebook=not args.no_gradebook)
    for line in planned.ignored:
        print(f"dlcourse: {plain(line)}", file=sys.stderr)  # it names a student's file
    jobs = sharding.select(planned.jobs, args.shard)
    settings = settings_from(args)
    # SIGTERM (a container stopping, a scheduler) stops grading as Ctrl-C does
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with GradingProgress(len(jobs)) as progress:
            finished = workers.run(jobs, course.root, settings, args.workers, progress.finished)
    finally:
        signal.signal(signal.SIGTERM, previous)
    results = [r for job in jobs for r in job.results]
    # the files first: they are what a class's grading is for
    if args.json:
        reports.write_json(results, args.json, ignored=planned.ignored)
    if args.csv:
        reports.write_csv(results, args.csv)
    if args.html:
        reports.write_html(results, args.html)
    if len(results) == 1 or args.verbose:
        for result in results:
            _print_details(result)
    _print_table(results)
    if not finished:
        missing = sum(r.score is None for r in results)
        print(f"dlcourse: grading was interrupted: {missing} notebook(s) have no score", file=sys.stderr)
        return INTERRUPTED
    return 0


def _print_details(result: NotebookResult):
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False)
    console.print(Text.assemble((plain(result.notebook), "bold"),
                                f" ({plain(result.student)}, {plain(result.assignment)}): "
                                f"{reports.score_text(result)} in {result.seconds:.1f} s"))
    if result.error:
        console.print(Text.assemble("  ", ("error:", "red"), " ", plain(result.error)))
    for note in result.notes:
        console.print(Text(f"  note: {plain(note)}"))
    for cell in result.cells:
        if cell.score is not None and cell.score < cell.max_score:
            console.print(Text(f"  {plain(cell.grade_id)}: {cell.score:g} / {cell.max_score:g}"))
            for line in cell.feedback.splitlines()[1:]:
                if line.lstrip().startswith("✗"):
                    console.print(Text(f"    {plain(line.strip())}"))


def _print_table(results):
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Grades")
    for column in ("student", "assignment", "notebook", "score", "seconds", "device", "error"):
        # folded, never cut: a row must stay told apart from the others in a narrow terminal
        table.add_column(column, justify="right" if column in ("score", "seconds") else "left", overflow="fold")
    names = short_names(results)
    for r in sorted(results, key=lambda r: (r.assignment or "", r.student or "", r.notebook)):
        table.add_row(*(Text(plain(cell)) for cell in (  # names and errors are the submission's: no markup
            r.student or "", r.assignment or "", names[id(r)], reports.score_text(r), f"{r.seconds:.1f}", r.device,
            r.error or "")))
    Console().print(table)


def short_names(results) -> dict[int, str]:
    """Each result's notebook by its file name without ``.ipynb``, with as many folders before it as it takes to
    tell it from another notebook of the same student and assignment (keyed by ``id(result)``)."""
    groups = defaultdict(list)
    for r in results:
        groups[(r.student, r.assignment)].append(r)
    names = {}
    for group in groups.values():
        parts = {id(r): Path(r.notebook).parts for r in group}
        depth = 1
        while depth < max(map(len, parts.values())) and len({p[-depth:] for p in parts.values()}) < len(group):
            depth += 1
        names.update({key: str(Path(*p[-depth:]).with_suffix("")) for key, p in parts.items()})
    return names
