"""One base for every error the course's code raises on purpose: it carries its exit code and prints itself, so
``dlcourse`` has one handler (``cli/main.py``) and each subsystem says what went wrong in its own words.

A message may quote a submission (a file name, a student's code), so it is shown as plain text. What the command
line asked that cannot be done as asked (an option, a path, an unknown name) is a ``UsageError`` (exit 2); what
went wrong while doing it is any other ``DlcourseError`` (exit 1).
"""

from __future__ import annotations

import sys

from .plain_text import plain


class DlcourseError(Exception):
    exit_code = 1

    def show(self, command: str = "dlcourse"):
        """Print the error on stderr, as ``command`` (``dlcourse hub``, ``dlcourse k8s merge``) reports it."""
        print(f"{command}: {plain(self)}", file=sys.stderr)


class UsageError(DlcourseError):
    exit_code = 2

    def show(self, command: str = "dlcourse"):
        print(f"dlcourse: error: {plain(self)}", file=sys.stderr)  # as argparse reports its own
