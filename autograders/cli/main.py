"""``dlcourse``: the parser made of each command's own, and the one place where a command's end becomes an exit
code."""

from __future__ import annotations

import argparse
import os
import sys

from .. import quiet, terminal_log
from ..plain_text import plain
from ..process_env import with_own_bin
from ..course import CourseError
from ..instant_feedback import cli as instant_feedback
from ..quiz_game import cli as quiz
from . import audit, grade, hub, k8s, report, selftest, services
from .options import Parser, UsageError

USAGE_ERROR = 2
# in the order `dlcourse --help` lists them
COMMANDS = (grade, report, selftest, audit, k8s, quiz, instant_feedback, hub, services)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="dlcourse", description="Run the deep learning course: grade notebooks locally.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv=None) -> int:
    terminal_log.configure()
    os.environ["PATH"] = with_own_bin(os.environ.get("PATH", ""))
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        quiet.settle(verbose=getattr(args, "verbose", False))
        return args.run(args)
    except (UsageError, CourseError) as exc:
        print(f"dlcourse: error: {plain(exc)}", file=sys.stderr)  # it may name a submitted file
        return USAGE_ERROR
