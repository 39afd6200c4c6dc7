"""TensorFlow's, absl's and CUDA's start-up lines, kept off the grader's terminal unless asked for.

They read like failures ("failed call to cuInit: ... UNKNOWN ERROR (303)") between the progress
lines. The grader imports TensorFlow itself (the CNN's references) and its workers and kernels
inherit its environment, so the grading processes set it here, once, at their start. TensorFlow's
log level hides its own C++ lines, errors included (the grader's TensorFlow reports a real failure
as a Python exception); the lines its native libraries print before absl's logging is set up obey
no setting, so that import runs with the process's native stderr captured, and only lines in absl's
format are dropped from it. ``dlcourse grade -v`` shows everything.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile

LOG_LEVEL = "TF_CPP_MIN_LOG_LEVEL"  # TensorFlow's: 0 shows everything, 3 hides its info, warnings and errors
QUIET, VERBOSE = "3", "0"
# absl's line format ("I0000 00:00:1796475694.998669  9896 port.cc:153] ...": before absl is set up, the
# seconds are not wrapped into a time of day), absl's note before it is set up, and the continuation line of
# TensorFlow's CPU-feature notice
_START_UP_LINE = re.compile(r"([IWEF]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [\w.\-]+:\d+\] "
                            r"|WARNING: All log messages before absl::InitializeLog\(\) is called"
                            r"|To enable the following instructions: .* rebuild TensorFlow with)")


def settle(verbose: bool = False):
    """Set this process's (and so its workers' and kernels') TensorFlow logging: quiet, unless ``verbose``
    or the environment already names a level (then that level)."""
    if verbose:
        os.environ[LOG_LEVEL] = VERBOSE
    else:
        os.environ.setdefault(LOG_LEVEL, QUIET)


def _quiet() -> bool:
    try:
        return int(os.environ.get(LOG_LEVEL, VERBOSE)) > 0
    except ValueError:
        return False


@contextlib.contextmanager
def start_up_lines_dropped():
    """Native libraries' start-up lines written to stderr inside this block are dropped (unless TensorFlow's
    log level asks for everything); any other line is written out afterwards. Python's own ``sys.stderr``
    (a progress bar, warnings) goes to the terminal as usual meanwhile."""
    if not _quiet():
        yield
        return
    sys.stderr.flush()
    terminal = os.dup(2)
    python_stderr = sys.stderr
    with tempfile.TemporaryFile() as sink:
        sys.stderr = open(terminal, "w", closefd=False, encoding=python_stderr.encoding or "utf-8",
                          errors="backslashreplace", buffering=1)
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(terminal, 2)
            sys.stderr.close()
            sys.stderr = python_stderr
            os.close(terminal)
            sink.seek(0)
            kept = [line for line in sink.read().decode(errors="replace").splitlines(keepends=True)
                    if not _START_UP_LINE.match(line)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()
