"""Grading on arrival: the course's policy for each assignment, from ``instant_feedback.toml`` in the course folder.

Why a file of its own: the policy is the instructor's (which assignments are graded as they arrive, how
much a student sees before the due date, how often they may submit, which submission counts), it changes
during a term, and the hub must pick a change up without a restart. ``dlcourse hub`` copies the course's
file into the hub's course folder at each start; the services read that copy again whenever it changes,
so turning grading on arrival off for an assignment is an edit in formgrader's file browser.

The file is data read with ``tomllib``; every mistake is named with its table and key, and a file that
cannot be used leaves the last good policy in force (the services say so to instructors).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Collection
from dataclasses import dataclass, fields, replace
from datetime import datetime, timezone
from pathlib import Path

from ..errors import DlcourseError

POLICY_FILE = "instant_feedback.toml"
# what a student sees of a graded submission before the due date (after it, the checks' full messages)
SHOWN = {"score": "the score only", "failed_checks": "the score and the names of the failed checks",
         "messages": "the score and the hidden checks' full messages"}
WINDOWS = {"hour": 3600, "day": 86400}  # attempts are counted over the last hour or day (rolling), in seconds
COUNTS = ("best", "last")  # which graded submission the gradebook holds
MAX_FILE_BYTES = 64 << 10


class PolicyError(DlcourseError):
    """A policy file that cannot be used; the message names the file, the table and the key."""


@dataclass(frozen=True)
class Policy:
    instant_feedback: bool = False  # grade each submission as it arrives and release its feedback
    shown_before_deadline: str = "failed_checks"  # a key of SHOWN
    attempts: int = 0  # submissions allowed per window while graded on arrival; 0: no limit
    attempts_per: str = "day"  # a key of WINDOWS
    counts: str = "last"  # "best" or "last"

    @property
    def window(self) -> int:
        return WINDOWS[self.attempts_per]

    def shown(self, due: datetime | None, now: datetime) -> str:
        """What a submission graded at ``now`` shows; ``due`` is nbgrader's due date (UTC), None when there is none."""
        if due is not None and now > due.replace(tzinfo=due.tzinfo or timezone.utc):
            return "messages"
        return self.shown_before_deadline


SETTINGS = tuple(f.name for f in fields(Policy))
_CHOICES = {"shown_before_deadline": tuple(SHOWN), "attempts_per": tuple(WINDOWS), "counts": COUNTS}


@dataclass(frozen=True)
class Policies:
    defaults: Policy
    assignments: dict[str, Policy]

    def of(self, assignment: str) -> Policy:
        return self.assignments.get(assignment, self.defaults)


OFF = Policies(Policy(), {})  # no policy file: nothing is graded on arrival


def parse(text: str, where: str, assignments: Collection[str]) -> Policies:
    """The policies in ``text`` (TOML): a ``[defaults]`` table and one table per assignment, each holding
    any of the settings; an assignment's table overrides the defaults."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{where}: not valid TOML: {exc}") from None
    defaults = _policy(data.pop("defaults", {}), Policy(), where, "defaults")
    unknown = sorted(set(data) - set(assignments))
    if unknown:
        raise PolicyError(f"{where}: [{unknown[0]}] is not an assignment of this course (it has: "
                          f"{', '.join(sorted(assignments)) or 'none'}; settings for all of them go in [defaults])")
    return Policies(defaults, {name: _policy(table, defaults, where, name) for name, table in data.items()})


def _policy(table, base: Policy, where: str, name: str) -> Policy:
    if not isinstance(table, dict):
        raise PolicyError(f"{where}: {name} must be a table ([{name}]), not a single value")
    changes = {}
    for key, value in table.items():
        if key not in SETTINGS:
            raise PolicyError(f"{where}: [{name}] {key}: unknown setting (the settings are {', '.join(SETTINGS)})")
        expected = type(getattr(base, key))
        if type(value) is not expected:  # noqa: E721 (a bool is not an int here)
            raise PolicyError(f"{where}: [{name}] {key}: must be {_kind(expected)}, got {value!r}")
        if key in _CHOICES and value not in _CHOICES[key]:
            raise PolicyError(f"{where}: [{name}] {key}: must be one of {', '.join(map(repr, _CHOICES[key]))}, "
                              f"got {value!r}")
        if key == "attempts" and not 0 <= value <= 10_000:
            raise PolicyError(f"{where}: [{name}] attempts: must be from 0 (no limit) to 10000, got {value}")
        changes[key] = value
    return replace(base, **changes)


def _kind(kind: type) -> str:
    return {bool: "true or false", int: "a whole number", str: "a text in quotes"}[kind]


def load(path: Path, assignments: Collection[str]) -> Policies:
    """The policies of the file at ``path``; OFF when there is no such file."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return OFF
    if len(raw) > MAX_FILE_BYTES:
        raise PolicyError(f"{path.name}: over {MAX_FILE_BYTES >> 10} KiB: not a policy file")
    try:
        return parse(raw.decode(), path.name, assignments)
    except UnicodeDecodeError:
        raise PolicyError(f"{path.name}: not UTF-8 text") from None


class PolicyFile:
    """The course's policy file, read again whenever it changes; a file that cannot be used leaves the last
    good policies in force and its mistake in ``error``."""

    def __init__(self, course_root: Path, assignments: Collection[str]):
        self.path = Path(course_root) / POLICY_FILE
        self.assignments = tuple(assignments)
        self.error: str | None = None
        self._seen = None
        self._policies = OFF

    def current(self) -> Policies:
        try:
            info = os.stat(self.path)
            seen = (info.st_mtime_ns, info.st_size, info.st_ino)
        except FileNotFoundError:
            seen = None
        if seen != self._seen:
            self._seen = seen
            try:
                self._policies, self.error = load(self.path, self.assignments), None
            except (PolicyError, OSError) as exc:
                self.error = str(exc)
        return self._policies

    def of(self, assignment: str) -> Policy:
        return self.current().of(assignment)
