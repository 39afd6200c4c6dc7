"""What the commands' parsers share: a parser whose mistakes are usage errors, the option types, ``--course``."""

from __future__ import annotations

import argparse
from pathlib import Path


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def positive(text):
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def port(text):
    number = positive_int(text)
    if number > 65535:
        raise argparse.ArgumentTypeError(f"must be at most 65535, got {text}")
    return number


def add_course(parser: argparse.ArgumentParser):
    """``--course DIR``, the course folder, ``./course`` unless given."""
    parser.add_argument("--course", default="course", metavar="DIR", help="the course folder (default: ./course)")


def check_writable(option: str, target: str | None):
    """``--option FILE`` must name a file in an existing folder: said before any work is done."""
    if target and not Path(target).resolve().parent.is_dir():
        raise UsageError(f"--{option}: no folder {Path(target).parent} to write {Path(target).name} in")
