"""The hub's log as text: what JupyterHub and everything it starts print reaches root's terminal escaped.

Why: the hub's log carries strings of students and of their submissions (nbgrader's warnings name a
notebook's cells, JupyterHub names whoever tries to log in), and every service, student's server and
kernel writes to the hub's own stderr, which it inherits. Terminal control sequences there would clear
root's screen, write over earlier lines, or set root's clipboard (OSC 52) for root to paste. So ``dlcourse
hub`` reads JupyterHub's output through pipes and passes it on a line at a time, every character that is
not printable text (but tab and newline) written as its Python escape (ESC as ``\\x1b``).
"""

from __future__ import annotations

import threading
from typing import BinaryIO, TextIO

LINE_BYTES = 64 << 10  # a longer line is passed on in pieces of this size


def escape_controls(text: str) -> str:
    """``text`` with every character that is not printable, but tab and newline, written as its escape."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in "\t\n" else ascii(c)[1:-1] for c in text)


def relay(pipe: BinaryIO, out: TextIO) -> threading.Thread:
    """A thread passing the lines of ``pipe`` on to ``out``, escaped, until the pipe closes."""

    def run():
        with pipe:
            for line in iter(lambda: pipe.readline(LINE_BYTES), b""):
                out.write(escape_controls(line.decode("utf-8", errors="replace")))
                out.flush()

    thread = threading.Thread(target=run, name="hub-log", daemon=True)
    thread.start()
    return thread
