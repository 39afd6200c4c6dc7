"""``dlcourse quiz``: check a question bank before class; the hub runs the game's service with ``serve``."""

from __future__ import annotations

import sys
from pathlib import Path

from ..cli.options import Parser
from .bank import BankError, load_file


def add_parser(sub):
    quiz = sub.add_parser("quiz", help="the live quiz game: check question banks (the hub runs its service)")
    commands = quiz.add_subparsers(dest="quiz_command", required=True, parser_class=Parser, metavar="{check,serve}")
    check = commands.add_parser("check", help="check question banks (YAML): each mistake is named with its line")
    check.add_argument("banks", nargs="+", metavar="FILE", help="a bank, e.g. course/quiz_banks/game_time.yaml")
    check.set_defaults(run=cmd_check)
    serve = commands.add_parser("serve", help="the hub service 'quiz' (JupyterHub starts it; not for direct use)")
    serve.add_argument("--course", required=True, metavar="DIR", help="the hub's nbgrader course folder")
    serve.set_defaults(run=cmd_serve)


def cmd_check(args) -> int:
    failed = 0
    for path in map(Path, args.banks):
        try:
            bank = load_file(path)
        except BankError as exc:
            print(exc, file=sys.stderr)
            failed += 1
            continue
        per_student = sum(q.per_student for q in bank.questions)
        print(f"{path}: {bank.title!r}, {len(bank.questions)} questions"
              + (f" ({per_student} with numbers per student)" if per_student else "") + ": ok")
    return 1 if failed else 0


def cmd_serve(args) -> int:
    from .service import serve

    serve(Path(args.course))
    return 0
