"""Run an assignment's hidden pytest checks in the grader's own process.

Each check is a pytest test marked ``@pytest.mark.grades("<grade_id>")``: the
autograder test cell it counts towards. Checks get the student's kernel through
the ``student`` fixture and a seeded ``rng`` (``autograders/checklib/fixtures.py``: all of them). A failed check's message is what
the student reads, so only the exception's own message is kept: never pytest's
report, which would show the check's source.

How many checks each cell has is counted when they are collected, before any runs,
so that a run cut short (Ctrl-C, a signal) cannot pass for a complete one: a cell
is scored only when every one of its checks reported an outcome. The outcomes come back as
they count: a property check of a function whose values are wrong does not (``gating.py``).
"""

from __future__ import annotations

import logging
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..errors import DlcourseError
from .bridge import CheckProblem, StudentKernel
from .gating import MARKERS, PROPERTY, VALUES, declaration_errors, functions_named, gate

log = logging.getLogger(__name__)
MAX_MESSAGE = 400


# the checks' fixtures (``autograders/checklib/fixtures.py``), loaded as pytest loads a conftest
FIXTURES = "autograders.checklib.fixtures"


@dataclass(frozen=True)
class Grading:
    """What one grading hands its checks, through their fixtures."""

    student: StudentKernel
    seed: int
    student_id: str | None
    assignment_dir: Path | None
    evaluator: Any  # engine/evaluator.py's Evaluator, or None


GRADING = pytest.StashKey[Grading]()


class ChecksBroken(DlcourseError):
    """The hidden checks themselves could not be collected: an instructor's problem."""


@dataclass
class CheckOutcome:
    grade_id: str
    name: str
    passed: bool
    message: str | None = None
    values_of: tuple[str, ...] = ()  # the functions whose values this check tests
    property_of: tuple[str, ...] = ()  # the functions it checks a property of: it counts only if their values do


def describe(item) -> str:
    """A student-readable name for a check: its docstring's first line, else its name in words."""
    doc = (item.function.__doc__ or "").strip().splitlines()
    text = doc[0].rstrip(".") if doc else re.sub(r"^test_", "", item.originalname).replace("_", " ")
    return f"{item.callspec.id}: {text}" if getattr(item, "callspec", None) else text


def failure_message(excinfo) -> str:
    exc = excinfo.value
    if isinstance(exc, (AssertionError, CheckProblem)):
        text = str(exc).strip() or "this check failed"
    else:
        # a check that crashed on what the student's code returned; the traceback is for the instructor's log
        log.warning("hidden check crashed", exc_info=(excinfo.type, excinfo.value, excinfo.tb))
        text = f"this check could not run on what your code returned ({type(exc).__name__})"
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


class _GradingPlugin:
    def __init__(self, grading: Grading):
        self._grading = grading
        self.outcomes: dict[str, CheckOutcome] = {}  # by the check's node id: one outcome per check
        self.expected: Counter = Counter()  # grade_id -> how many checks were collected for it
        self.errors: list[str] = []

    def pytest_configure(self, config):
        config.stash[GRADING] = self._grading
        config.addinivalue_line("markers", "grades(grade_id): the autograder test cell this check counts towards")
        for marker, doc in MARKERS.items():
            config.addinivalue_line("markers", doc)

    def pytest_collection_modifyitems(self, items):
        declared = []
        for item in items:
            marker = item.get_closest_marker("grades")
            if marker is None:
                self.errors.append(f"{item.nodeid} has no @pytest.mark.grades(...) marker")
            else:
                self.expected[marker.args[0]] += 1
                declared.append((item.nodeid, marker.args[0], functions_named(item, VALUES),
                                 functions_named(item, PROPERTY)))
        self.errors += declaration_errors(declared)

    def pytest_collectreport(self, report):
        if report.failed:
            self.errors.append(str(report.longrepr))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        # Our own report, without pytest's failure formatting: it would read the check's source
        # (which must not reach the student) and costs more than the check itself.
        passed = call.excinfo is None
        if (call.when == "call" or not passed) and item.nodeid not in self.outcomes:
            marker = item.get_closest_marker("grades")
            if marker is not None:
                self.outcomes[item.nodeid] = CheckOutcome(
                    grade_id=marker.args[0], name=describe(item), passed=passed,
                    message=None if passed else failure_message(call.excinfo),
                    values_of=functions_named(item, VALUES), property_of=functions_named(item, PROPERTY))
        return pytest.TestReport(
            item.nodeid, item.location, {}, "passed" if passed else "failed",
            None if passed else "failed", call.when, duration=call.duration, start=call.start, stop=call.stop)


def run_checks(checks_file: Path, student: StudentKernel, seed: int = 0, student_id: str | None = None,
               assignment_dir: Path | None = None, evaluator=None) -> tuple[list[CheckOutcome], Counter]:
    """The outcome of every check that ran, as it counts (gated), and how many checks each cell has (``expected``).

    KeyboardInterrupt (Ctrl-C, or a signal the grader turns into one) while they run is raised
    again here: pytest would otherwise end the session quietly, as if it were complete.
    """
    plugin = _GradingPlugin(Grading(student, seed, student_id, assignment_dir, evaluator))
    args = [
        str(checks_file), "-c", os.devnull, "--rootdir", str(checks_file.parent),
        "--import-mode=importlib", "--assert=plain", "-p", "no:cacheprovider", "-p", "no:terminal",
        "-p", "no:warnings", "-p", "no:logging", "-p", "no:faulthandler", "-s",
        # these two run gc.collect() twice per session: half a second per graded notebook
        "-p", "no:unraisableexception", "-p", "no:threadexception", "-p", FIXTURES,
    ]
    code = pytest.main(args, plugins=[plugin])
    # before INTERRUPTED: pytest reports a collection error (a hidden-check module that does not import) as one
    if plugin.errors or code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        raise ChecksBroken(f"the hidden checks in {checks_file} could not be collected: "
                           + ("; ".join(plugin.errors) or f"pytest exit code {code}"))
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt
    if not plugin.expected:
        raise ChecksBroken(f"{checks_file} holds no checks")
    return gate(list(plugin.outcomes.values())), plugin.expected
