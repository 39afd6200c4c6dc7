"""The ``dlcourse`` command line."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections import defaultdict
from pathlib import Path

from . import batch, devices, k8s, quiet, reports, sharding, terminal_log
from .instant_feedback import cli as instant_feedback_cli
from .quiz_game import cli as quiz_cli
from .course import COURSE_PAGE, Course, CourseError
from .engine import GradingSettings, NotebookResult, check_seeds
from .progress import GradingProgress

USAGE_ERROR = 2
INTERRUPTED = 130  # what a shell reports for Ctrl-C

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

def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
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
    grade.add_argument("--csv", metavar="FILE",
                       help="also write grades as CSV: a row per student, a column per assignment, and the total")
    grade.add_argument("--html", metavar="FILE",
                       help="also write the class report as one HTML page: score distributions, the checks failed "
                            "most with the messages students got, a row per student (see also: dlcourse report)")
    grade.add_argument("--workers", type=_positive_int, default=devices.usable_cores(), metavar="N",
                       help="submissions graded in parallel, each in its own kernel (default: the number of cores)")
    grade.add_argument("--no-gradebook", action="store_true",
                       help="do not record notebooks under <course>/submitted/ in the course's gradebook")
    grade.add_argument("-v", "--verbose", action="store_true",
                       help="print every failed check of every notebook, and TensorFlow's and CUDA's start-up lines")
    grade.add_argument("--kernel", default=defaults.kernel_name, help="kernel to run submissions in")
    grade.add_argument("--cell-timeout", type=_positive, default=defaults.cell_timeout, metavar="S",
                       help=f"seconds a student cell may run (default {defaults.cell_timeout:g})")
    grade.add_argument("--call-timeout", type=_positive, default=defaults.call_timeout, metavar="S",
                       help=f"seconds one call from a hidden check may run (default {defaults.call_timeout:g})")
    grade.add_argument("--seed", type=int, default=defaults.seed, help="seed of the hidden checks' random inputs")
    grade.add_argument("--notebook-timeout", type=_positive, default=defaults.notebook_timeout, metavar="S",
                       help="seconds for everything of one notebook: its cells, the hidden checks' calls and the "
                            f"model's evaluation (default {defaults.notebook_timeout:g})")
    grade.add_argument("--allow-network", action="store_true",
                       help="let the sandboxed kernels reach the network (off by default)")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="run kernels as plain kernels of your own user, without the sandbox (for debugging "
                            "trusted notebooks only: a hostile one can then read and do what you can)")
    grade.add_argument("--shard", type=sharding.parse, metavar="K/N",
                       help="grade only shard K (from 0) of N: every N-th submission of the class, as each pod of "
                            "a Kubernetes grading Job does (dlcourse k8s grading-job)")
    grade.set_defaults(run=cmd_grade)

    report = sub.add_parser("report", help="write the class report of the course's gradebook: what each assignment's "
                                           "hidden checks caught, who is at risk, late and missing submissions")
    report.add_argument("--course", default="course", metavar="DIR", help="the course folder (default: ./course)")
    report.add_argument("--html", required=True, metavar="FILE", help="write the report as one HTML page to FILE")
    report.set_defaults(run=cmd_report)

    selftest = sub.add_parser("selftest", help="check that the hidden checks pass the instructor's own notebook "
                                                 "for many seeds (a check that does not is flaky)")
    selftest.add_argument("assignments", nargs="*", metavar="NAME", help="assignments (default: all)")
    selftest.add_argument("--course", default="course", metavar="DIR", help="the course folder (default: ./course)")
    selftest.add_argument("--seeds", type=_positive_int, default=10, metavar="N", help="seeds 0..N-1 (default 10)")
    selftest.set_defaults(run=cmd_selftest)

    audit = sub.add_parser("audit", help="check that released files and feedback hold no solution code, hidden checks "
                                         "or reference values (exit 1 if they do)")
    audit.add_argument("assignments", nargs="*", metavar="NAME", help="assignments (default: all)")
    audit.add_argument("--course", default="course", metavar="DIR", help="the course folder (default: ./course)")
    audit.set_defaults(run=cmd_audit)
    k8s.add_parser(sub)
    quiz_cli.add_parser(sub)
    instant_feedback_cli.add_parser(sub)

    hub = sub.add_parser("hub", help="serve the course on JupyterHub: real users (as root), the nbgrader exchange, "
                                     "formgrader for instructors")
    hub.add_argument("--course", default="course", metavar="DIR", help="the course folder (default: ./course)")
    hub.add_argument("--roster", metavar="FILE", help="who may log in (default: <course>/roster.csv)")
    hub.add_argument("--ip", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    hub.add_argument("--port", type=_port, default=8000, help="port to listen on (default 8000)")
    hub.add_argument("--state-dir", metavar="DIR",
                     help="where the hub keeps its database, the course's gradebook, submissions and the exchange "
                          "(default: /srv/dlcourse as root, else ~/.local/share/dlcourse-hub)")
    hub.add_argument("--authenticator", choices=("firstuse", "oauth", "lti13"), default="firstuse",
                     help="how people log in (default firstuse: with a password issued to each roster member, "
                          "which they may change; see `dlcourse new-password`)")
    hub.add_argument("--warm", action="store_true",
                     help="start every student's server as soon as the hub is up, a batch at a time, as before a "
                          "scheduled class (<course>/classes.toml; README: Warm servers)")
    hub.add_argument("--idle-timeout", type=_positive_int, default=3600, metavar="S",
                     help="seconds a server may idle before it is stopped (default 3600); warm servers are kept "
                          "until their class's window ends")
    hub.set_defaults(run=cmd_hub)

    password = sub.add_parser("new-password", help="issue a new password to roster members of the hub (the old one "
                                                   "stops working), print it and add it to the hub's root-only file")
    password.add_argument("ids", nargs="+", metavar="ID", help="roster ids")
    password.add_argument("--state-dir", metavar="DIR", help="the hub's state folder (default: as for dlcourse hub)")
    password.set_defaults(run=cmd_new_password)

    service = sub.add_parser("grading-service", help="grade notebooks for the hub's formgrader, as root in the "
                                                     "sandbox (the hub starts it; not for direct use)")
    service.add_argument("--course", required=True, metavar="DIR",
                         help="the course to grade against (root's, as given to dlcourse hub; not the grader's copy)")
    service.add_argument("--socket", required=True, metavar="PATH", help="the unix socket to listen on")
    service.add_argument("--allow-user", action="append", default=[], metavar="NAME",
                         help="an account that may ask for grading (root always may)")
    service.add_argument("--workers", type=_positive_int, default=devices.usable_cores(), metavar="N",
                         help="notebooks graded at once (default: the number of cores)")
    service.set_defaults(run=cmd_grading_service)

    intake = sub.add_parser("intake-service", help="receive students' submissions into the hub's exchange, as root "
                                                   "(the hub starts it; not for direct use)")
    intake.add_argument("--settings", required=True, metavar="FILE", help="the hub's settings (<state>/hub/hub.json)")
    intake.set_defaults(run=cmd_intake_service)
    return parser


def _port(text):
    port = _positive_int(text)
    if port > 65535:
        raise argparse.ArgumentTypeError(f"must be at most 65535, got {text}")
    return port

def check_writable(option: str, target: str | None):
    """``--option FILE`` must name a file in an existing folder: said before any work is done."""
    if target and not Path(target).resolve().parent.is_dir():
        raise UsageError(f"--{option}: no folder {Path(target).parent} to write {Path(target).name} in")


def find_notebooks(paths) -> list[Path]:
    found = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            # the course page is released like an assignment but has nothing to grade
            inside = sorted(p for p in path.rglob("*.ipynb")
                            if ".ipynb_checkpoints" not in p.parts and COURSE_PAGE not in p.parts)
            if not inside:
                raise UsageError(f"no notebooks in {raw}")
            found += inside
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(f"no such file or folder: {raw}")
    return found

def cmd_audit(args) -> int:
    from .audit import audit_course

    course = Course(args.course)
    for name in args.assignments:
        course.assignment(name)  # unknown names are a usage error
    leaks, files = audit_course(course, args.assignments or None)
    for leak in leaks:
        print(f"LEAK {leak}")
    print(f"{files} student-visible files audited: " + (f"{len(leaks)} leak(s)" if leaks else "no leaks"))
    return 1 if leaks else 0


def cmd_grade(args) -> int:
    course = Course(args.course)
    if args.assignment:
        course.assignment(args.assignment)  # unknown names are a usage error before any grading
    for option in ("json", "csv", "html"):
        check_writable(option, getattr(args, option))
    planned = batch.plan(find_notebooks(args.paths), course, args.assignment, args.student,
                         use_gradebook=not args.no_gradebook)
    for line in planned.ignored:
        print(f"dlcourse: {reports.plain(line)}", file=sys.stderr)  # it names a student's file
    jobs = sharding.select(planned.jobs, args.shard)
    settings = GradingSettings(args.kernel, args.cell_timeout, args.call_timeout, args.seed,
                               args.notebook_timeout, not args.no_sandbox, args.allow_network)
    # SIGTERM (a container stopping, a scheduler) stops grading as Ctrl-C does
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with GradingProgress(len(jobs)) as progress:
            finished = batch.run(jobs, course.root, settings, args.workers, progress.finished)
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


def cmd_report(args) -> int:
    from . import gradebook_analytics, report_page

    course = Course(args.course)
    check_writable("html", args.html)
    folder = Path(args.html).resolve().parent
    try:
        data = gradebook_analytics.load(course.root, lambda notebook: reports.file_link(notebook.autograded, folder))
    except gradebook_analytics.NoGradebook as exc:
        raise UsageError(str(exc)) from None
    Path(args.html).write_text(report_page.render(data, f"Class report: {course.root.name}"))
    print(f"{args.html}: {len(data.students)} students, {len(data.assignments)} assignments")
    return 0


def cmd_hub(args) -> int:
    from .hub import credentials, launch
    from .hub.accounts import AccountError
    from .hub.classes import ScheduleError
    from .hub.prepare import HubSetupError, prepare
    from .hub.release import ReleaseError
    from .hub.roster import RosterError

    course = Course(args.course)
    roster = Path(args.roster) if args.roster else course.root / "roster.csv"
    try:
        settings = prepare(course, roster, _state_dir(args), ip=args.ip, port=args.port,
                           idle_timeout=args.idle_timeout, warm=args.warm)
    except (RosterError, HubSetupError, AccountError, ReleaseError, ScheduleError) as exc:
        print(f"dlcourse hub: {exc}", file=sys.stderr)
        return 1
    if args.authenticator == "firstuse":
        issued = credentials.issue_missing(settings.layout, settings.instructors + settings.students)
        if issued:
            print(f"New passwords for {', '.join(sorted(issued))}: in {settings.layout.initial_passwords} "
                  "(root only). Hand each person theirs (README: Accounts).", flush=True)
    return launch.run(settings, args.authenticator)


def _state_dir(args) -> Path:
    if args.state_dir:
        return Path(args.state_dir)
    if os.geteuid() == 0:
        return Path("/srv/dlcourse")
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "dlcourse-hub"


def cmd_new_password(args) -> int:
    from .hub import credentials
    from .hub.settings import HubSettings, Layout

    layout = Layout(_state_dir(args).resolve())
    try:
        settings = HubSettings.load(layout.settings_file)
    except OSError as exc:
        raise UsageError(f"cannot read {layout.settings_file} ({exc.strerror}): was a hub started with the state "
                         f"folder {layout.state} (--state-dir), and are you root?") from None
    members = settings.instructors + settings.students
    if unknown := [name for name in args.ids if name not in members]:
        raise UsageError(f"not on the hub's roster: {', '.join(unknown)} (it has: {', '.join(members)})")
    for name, password in credentials.issue(layout, args.ids).items():
        print(f"{name}: {password}")
    print(f"(also in {layout.initial_passwords}, root only; the old passwords no longer work)")
    return 0


def cmd_grading_service(args) -> int:
    import pwd

    from .grading_service import serve

    allowed, gid = {0}, None
    for name in args.allow_user:
        try:
            account = pwd.getpwnam(name)
        except KeyError:
            raise UsageError(f"--allow-user: no account named {name}") from None
        allowed.add(account.pw_uid)
        gid = account.pw_gid
    logging.getLogger().setLevel(logging.INFO)
    serve(Path(args.socket), Path(args.course), allowed_uids=allowed, socket_gid=gid, workers=args.workers)
    return 0


def cmd_intake_service(args) -> int:
    import pwd

    from .hub.intake import Intake, serve
    from .hub.settings import HubSettings

    settings = HubSettings.load(args.settings)
    if not settings.grader_account:
        raise UsageError("the intake serves a hub run as root (one account per student); in the development mode "
                         "students submit with nbgrader's own exchange")
    intake = Intake(settings.layout.exchange, settings.course_id, pwd.getpwnam(settings.grader_account),
                    feedback_socket=settings.layout.feedback_socket)
    logging.getLogger().setLevel(logging.INFO)
    serve(settings.layout.intake_socket, intake, set(settings.students))
    return 0


def cmd_selftest(args) -> int:
    course = Course(args.course)
    names = args.assignments or course.assignment_names()
    assignments = [course.assignment(name) for name in names]
    flaky = 0
    for assignment in assignments:
        outcomes = check_seeds(assignment, range(args.seeds))
        failed = [(seed, o) for seed, runs in outcomes.items() for o in runs if not o.passed]
        total = sum(len(runs) for runs in outcomes.values())
        print(f"{assignment.name}: {total - len(failed)} of {total} check runs passed "
              f"({len(outcomes[0])} checks x {args.seeds} seeds)")
        for seed, outcome in failed:
            print(f"  seed {seed}: {outcome.grade_id}: {outcome.name}: {outcome.message}")
        flaky += bool(failed)
    return 1 if flaky else 0


def _print_details(result: NotebookResult):
    from rich.console import Console
    from rich.text import Text

    plain = reports.plain
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
        table.add_row(*(Text(reports.plain(cell)) for cell in (  # names and errors are the submission's: no markup
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


def main(argv=None) -> int:
    terminal_log.configure()
    # nbgrader runs `alembic` from PATH: make this environment's tools findable, as in an activated venv
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        quiet.settle(verbose=getattr(args, "verbose", False))
        return args.run(args)
    except (UsageError, CourseError) as exc:
        print(f"dlcourse: error: {reports.plain(exc)}", file=sys.stderr)  # it may name a submitted file
        return USAGE_ERROR

if __name__ == "__main__":
    sys.exit(main())
