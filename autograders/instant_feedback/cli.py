"""``dlcourse instant-feedback``: check a policy file, see the hub's queue, regrade an assignment; the hub runs
the service with ``serve``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..class_grading import devices
from ..cli.options import Parser, add_course, positive_int
from ..errors import DlcourseError
from ..course import Course
from .policy import POLICY_FILE, load

HUB_COURSE_HELP = "the hub's course folder (default: the current folder, as in formgrader's terminal)"


def add_parser(sub):
    feedback = sub.add_parser("instant-feedback", help="grading on arrival on the hub: check its policy, see its "
                                                       "queue, regrade (the hub runs its service)")
    commands = feedback.add_subparsers(dest="instant_command", required=True, parser_class=Parser,
                                       metavar="{check,queue,regrade,serve}")
    check = commands.add_parser("check", help=f"check a policy file ({POLICY_FILE}) against the course")
    check.add_argument("file", nargs="?", metavar="FILE", help=f"the policy (default: <course>/{POLICY_FILE})")
    add_course(check)
    check.set_defaults(run=cmd_check)
    queue = commands.add_parser("queue", help="the hub's queue: its length, who is being graded, the waits")
    queue.add_argument("--course", default=".", metavar="DIR", help=HUB_COURSE_HELP)
    queue.add_argument("--json", action="store_true", help="print it as JSON")
    queue.set_defaults(run=cmd_queue)
    regrade = commands.add_parser("regrade", help="grade an assignment's submissions again (after a fix to its "
                                                  "hidden checks), behind new submissions; feedback is released again")
    regrade.add_argument("assignment", metavar="NAME", help="the assignment")
    regrade.add_argument("--student", metavar="ID", help="only this student's")
    regrade.add_argument("--course", default=".", metavar="DIR", help=HUB_COURSE_HELP)
    regrade.set_defaults(run=cmd_regrade)
    serve = commands.add_parser("serve", help="the hub service 'instant-feedback' (JupyterHub starts it; not for "
                                              "direct use)")
    serve.add_argument("--course", required=True, metavar="DIR", help="the hub's nbgrader course folder")
    serve.add_argument("--workers", type=positive_int, default=devices.usable_cores(), metavar="N",
                       help="submissions graded at once (default: the number of cores)")
    serve.set_defaults(run=cmd_serve)


def cmd_check(args) -> int:
    course = Course(args.course)
    path = Path(args.file) if args.file else course.root / POLICY_FILE
    if not path.is_file():
        print(f"{path}: no such file (without one, nothing is graded on arrival)", file=sys.stderr)
        return 1
    policies = load(path, course.assignment_names())
    for name in course.assignment_names():
        policy = policies.of(name)
        if not policy.instant_feedback:
            print(f"{name}: not graded on arrival")
            continue
        attempts = f"{policy.attempts} per {policy.attempts_per}" if policy.attempts else "no limit"
        print(f"{name}: graded on arrival; shows {policy.shown_before_deadline} before the due date; "
              f"attempts: {attempts}; the {policy.counts} counts")
    return 0


def _ask(course: str, request: dict) -> dict:
    from ..hub.exchange import ask
    from .service import socket_of

    socket_path = socket_of(Path(course))  # a course that is not a hub's: a usage error
    try:
        reply = ask(socket_path, request, timeout=30)
    except (OSError, ValueError) as exc:
        raise DlcourseError(f"the hub's instant-feedback service did not answer ({exc}): is the hub running?") from None
    if "error" in reply:
        raise DlcourseError(str(reply["error"])[:1000])
    return reply


def cmd_queue(args) -> int:
    queue = _ask(args.course, {"op": "queue"})
    if args.json:
        print(json.dumps(queue, indent=2))
        return 0
    oldest = f", the oldest waiting {queue['oldest_wait']:g} s" if queue["oldest_wait"] is not None else ""
    print(f"{queue['queued']} queued{oldest}; {len(queue['grading'])} being graded by {queue['workers']} workers")
    for row in queue["grading"]:
        print(f"  worker {row['worker']}: {row['student']}/{row['assignment']} for {row['seconds']:g} s")
    last = queue["last_hour"]
    print(f"last hour: {last['graded']} graded", end="")
    for name, label in (("wait", "waited in the queue"), ("arrival_to_feedback", "arrival to feedback")):
        if last[name]:
            print(f"; {label} p50 {last[name]['p50']:g} s, p95 {last[name]['p95']:g} s", end="")
    print()
    if queue["policy_error"]:
        print(f"the policy file cannot be used, the last good one is in force: {queue['policy_error']}")
    return 0


def cmd_regrade(args) -> int:
    request = {"op": "regrade", "assignment": args.assignment}
    if args.student:
        request["student"] = args.student
    queued = _ask(args.course, request)["queued"]
    print(f"{queued} submission(s) of {args.assignment} queued to be graded again; `dlcourse instant-feedback queue` "
          "shows the progress")
    return 0


def cmd_serve(args) -> int:
    import logging

    from .service import serve

    logging.getLogger().setLevel(logging.INFO)
    serve(Path(args.course), args.workers)
    return 0
