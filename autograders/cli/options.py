"""What the commands' parsers share: a parser whose mistakes are usage errors, the option types, ``--course``."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..engine.settings import SETTINGS, GradingSettings, InvalidSetting
from ..errors import UsageError


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


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


def add_settings(parser):
    """An option per grading setting (``engine/settings.py``), with its declared help, default and checks; a switch's
    option turns its default around."""
    for setting in SETTINGS:
        if setting.type is bool:
            parser.add_argument(setting.option, dest=setting.name, action="store_false" if setting.default else
                                "store_true", help=f"{setting.described}; {setting.option} turns it "
                                                   f"{setting.shown(not setting.default)}")
        else:
            parser.add_argument(setting.option, dest=setting.name, type=_parser_of(setting), default=setting.default,
                                metavar=setting.metavar, help=setting.described)


def settings_from(args) -> GradingSettings:
    """The grading settings that ``add_settings``' options gave."""
    return GradingSettings(**{setting.name: getattr(args, setting.name) for setting in SETTINGS})


def _parser_of(setting):
    def parse(text):
        try:
            return setting.parse(text)
        except (ValueError, InvalidSetting) as exc:  # argparse would say only "invalid value"
            raise argparse.ArgumentTypeError(str(exc)) from None
    return parse


def check_writable(option: str, target: str | None):
    """``--option FILE`` must name a file in an existing folder: said before any work is done."""
    if target and not Path(target).resolve().parent.is_dir():
        raise UsageError(f"--{option}: no folder {Path(target).parent} to write {Path(target).name} in")
