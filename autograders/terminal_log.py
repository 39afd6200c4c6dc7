"""Logging to the instructor's terminal (``dlcourse`` and its grading workers).

Log lines quote submissions: file and folder names, the notes on a notebook, an exception's text,
nbgrader's own warnings about a cell. A terminal obeys the control sequences in what it prints
(clear the screen, move the cursor over the results, write the clipboard), so every line is made
plain text (``plain_text.plain``) on its way out; a traceback keeps its line breaks.
"""

from __future__ import annotations

import logging

from .plain_text import plain

FORMAT = "%(levelname)s %(name)s: %(message)s"
MAX_LINE_CHARS = 2000  # a traceback's lines are code; longer ones quote what a submission said


class PlainFormatter(logging.Formatter):
    def format(self, record) -> str:
        return "\n".join(plain(line, MAX_LINE_CHARS) for line in super().format(record).split("\n"))


def configure(level=logging.WARNING):
    """Send this process's log to stderr as plain text (for the main process and each spawned worker)."""
    handler = logging.StreamHandler()
    handler.setFormatter(PlainFormatter(FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
