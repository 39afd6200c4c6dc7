"""When the course's classes meet (``course/classes.toml``), so the hub can have servers ready at the door.

A server start costs a second or more of CPU; thirty at once on a small machine keep a class waiting.
The hub's warm-up service (``warmup.py``) starts the roster's servers ``warm_minutes_before`` a class and
keeps the idle culler off them until ``keep_warm_minutes_after`` its start. The file::

    warm_minutes_before = 10       # optional, default 10
    keep_warm_minutes_after = 20   # optional, default 20

    [[class]]
    weekly = "Mon 09:00"           # every week, in the hub's local time

    [[class]]
    at = 2026-01-15T14:00:00       # once (a TOML local date-time)
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from ..errors import DlcourseError

FILE_NAME = "classes.toml"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_MINUTES = {"warm_minutes_before": 10, "keep_warm_minutes_after": 20}
_WEEKLY = re.compile(r"(?i)^\s*(mon|tue|wed|thu|fri|sat|sun)[a-z]*\s+([01]?\d|2[0-3]):([0-5]\d)\s*$")


class ScheduleError(DlcourseError):
    pass


@dataclass(frozen=True)
class Schedule:
    warm_before: timedelta = timedelta(minutes=DEFAULT_MINUTES["warm_minutes_before"])
    keep_warm_after: timedelta = timedelta(minutes=DEFAULT_MINUTES["keep_warm_minutes_after"])
    once: tuple[datetime, ...] = ()
    weekly: tuple[tuple[int, int, int], ...] = ()  # (weekday, hour, minute)
    source: str = field(default="(none)", compare=False)

    def starts_near(self, now: datetime) -> list[datetime]:
        """Class starts whose warm window (``warm_before`` before to ``keep_warm_after`` after) holds ``now``."""
        candidates = list(self.once)
        for weekday, hour, minute in self.weekly:
            this_week = (now - timedelta(days=now.weekday() - weekday)).replace(hour=hour, minute=minute, second=0,
                                                                                  microsecond=0)
            candidates += [this_week - timedelta(weeks=1), this_week, this_week + timedelta(weeks=1)]
        return sorted(s for s in candidates if s - self.warm_before <= now < s + self.keep_warm_after)


def load(course_root: Path) -> Schedule:
    """The schedule in ``<course>/classes.toml``; no file, no classes."""
    path = Path(course_root) / FILE_NAME
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        return Schedule()
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScheduleError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {*DEFAULT_MINUTES, "class"}
    if unknown:
        raise ScheduleError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))}")
    once, weekly = [], []
    classes = data.get("class", [])
    if not isinstance(classes, list):
        raise ScheduleError(f"{path}: 'class' must be a list of [[class]] tables")
    for number, entry in enumerate(classes, 1):
        where = f"{path}: class {number}"
        if not isinstance(entry, dict) or len(entry) != 1 or not {"at", "weekly"} & set(entry):
            raise ScheduleError(f"{where}: give exactly one of at = <date-time> or weekly = \"<day> HH:MM\"")
        if "at" in entry:
            at = entry["at"]
            if not isinstance(at, datetime) or at.tzinfo is not None:
                raise ScheduleError(f"{where}: at must be a local date-time such as 2026-01-15T14:00:00, got {at!r}")
            once.append(at)
        else:
            match = _WEEKLY.match(str(entry["weekly"]))
            if not match:
                raise ScheduleError(f"{where}: weekly must be a day and a time such as \"Mon 09:00\", "
                                    f"got {entry['weekly']!r}")
            weekly.append((DAYS.index(match[1].lower()), int(match[2]), int(match[3])))
    return Schedule(_minutes(data, "warm_minutes_before", path), _minutes(data, "keep_warm_minutes_after", path),
                    tuple(once), tuple(weekly), str(path))


def _minutes(data: dict, key: str, path: Path) -> timedelta:
    value = data.get(key, DEFAULT_MINUTES[key])
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 24 * 60:
        raise ScheduleError(f"{path}: {key} must be whole minutes from 0 to 1440, got {value!r}")
    return timedelta(minutes=value)
