"""The course's roster: who may log in, as a student or an instructor.

``course/roster.csv`` uses nbgrader's student-import columns (``id,first_name,last_name,email``)
plus ``role`` (``student``, the default, or ``instructor``). Each id becomes a hub user and, when
the hub runs as root, a unix account, so ids follow the rules of both.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import DlcourseError

ROLES = ("student", "instructor")
# portable unix user names that JupyterHub keeps as they are (it lower-cases names)
_VALID_ID = re.compile(r"[a-z][a-z0-9_-]{0,31}")
# accounts every Linux system has: a roster line naming one would hand a student the system's account
_RESERVED = {"root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy",
             "www-data", "backup", "list", "irc", "gnats", "nobody", "systemd-network", "messagebus", "sshd"}


class RosterError(DlcourseError):
    """A roster that cannot be used: names the file and line."""


@dataclass(frozen=True)
class Member:
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    role: str = "student"


@dataclass(frozen=True)
class Roster:
    members: tuple[Member, ...]

    @property
    def students(self) -> list[Member]:
        return [m for m in self.members if m.role == "student"]

    @property
    def instructors(self) -> list[Member]:
        return [m for m in self.members if m.role == "instructor"]


def read_roster(path: Path | str) -> Roster:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RosterError(f"no roster at {path} (a CSV file with the columns id,first_name,last_name,email,role)") from None
    except UnicodeDecodeError as exc:
        raise RosterError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    rows = csv.DictReader(text.splitlines())
    if not rows.fieldnames or "id" not in [f.strip() for f in rows.fieldnames]:
        raise RosterError(f"{path}: the first line must name the columns, with at least 'id' "
                          "(id,first_name,last_name,email,role)")
    members, seen = [], {}
    for line, row in enumerate(rows, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
        if not any(row.values()):
            continue
        member = _member(row, f"{path} line {line}")
        if member.id in seen:
            raise RosterError(f"{path} line {line}: '{member.id}' is already on line {seen[member.id]}")
        seen[member.id] = line
        members.append(member)
    if not members:
        raise RosterError(f"{path} lists nobody")
    return Roster(tuple(members))


def _member(row: dict, where: str) -> Member:
    uid = row.get("id", "")
    if not _VALID_ID.fullmatch(uid):
        raise RosterError(f"{where}: '{uid}' is not a usable id: it becomes a login and a unix account, so it "
                          "must be 1-32 lower-case letters, digits, '-' or '_', starting with a letter")
    if uid in _RESERVED:
        raise RosterError(f"{where}: '{uid}' is a system account's name; give this person another id")
    role = row.get("role") or "student"
    if role not in ROLES:
        raise RosterError(f"{where}: role '{role}' is not one of: {', '.join(ROLES)}")
    return Member(uid, row.get("first_name", ""), row.get("last_name", ""), row.get("email", ""), role)
