"""``dlcourse``: the parser made of each command's own, and the one place where a command's end becomes an exit
code."""

from __future__ import annotations

import argparse
import os

from .. import quiet, terminal_log
from ..process_env import with_own_bin
from ..errors import DlcourseError
from ..instant_feedback import cli as instant_feedback
from ..quiz_game import cli as quiz
from . import audit, grade, hub, k8s, report, selftest, services
from .options import Parser

# in the order `dlcourse --help` lists them
COMMANDS = (grade, report, selftest, audit, k8s, quiz, instant_feedback, hub, services)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="dlcourse", description="Run the deep learning course: grade notebooks locally.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for command in COMMANDS:
        command.add_parser(sub)
    _name_commands(parser)
    return parser


def _name_commands(parser: argparse.ArgumentParser):
    """Each command's own words (``dlcourse k8s merge``), for its errors to say who reports them."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                command.set_defaults(command_words=command.prog)
                _name_commands(command)


def main(argv=None) -> int:
    terminal_log.configure()
    os.environ["PATH"] = with_own_bin(os.environ.get("PATH", ""))
    parser, args = build_parser(), None
    try:
        args = parser.parse_args(argv)
        quiet.settle(verbose=getattr(args, "verbose", False))
        return args.run(args)
    except DlcourseError as exc:
        exc.show(getattr(args, "command_words", parser.prog))
        return exc.exit_code
