"""The queue of grading on arrival, and what became of every submission: one SQLite file in the course folder.

Why a journal: the service may be killed at any moment (SIGKILL, a restart of the hub, a reboot). Every
arrival is committed (fsynced) before the intake tells the student it was received, and every change of
state is one transaction, so a restarted service finds its queue as it was: a submission that was being
graded goes back to its place in the queue, and nothing submitted is lost.

One row per submission (its folder in the exchange's ``inbound/``). The queue is the rows in state
``queued``, in order of (priority, queued_at): new submissions first, each in arrival order, then the
instructor's regrades. A student has at most one new submission of an assignment queued: a newer one
replaces it. ``held`` says which submission the gradebook holds for a student and assignment, so that
the one that counts (the best or the last graded) can be put back after another was graded.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass, fields
from pathlib import Path

from nbgrader.utils import parse_utc

JOURNAL_FILE = "instant_feedback/journal.sqlite"  # in the course folder
FRESH, REGRADE = 0, 1  # priorities: what students just submitted comes before what instructors asked again
# a submission's states; "off": arrived while its assignment was not graded on arrival
QUEUED, GRADING, GRADED, FAILED, REPLACED, OFF = "queued", "grading", "graded", "failed", "replaced", "off"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, folder TEXT NOT NULL UNIQUE, student TEXT NOT NULL,
    assignment TEXT NOT NULL, timestamp TEXT NOT NULL, arrived REAL NOT NULL, state TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0, queued_at REAL, tries INTEGER NOT NULL DEFAULT 0, worker INTEGER,
    started_at REAL, finished_at REAL, score REAL, max_score REAL, manual_points REAL, reason TEXT,
    feedback TEXT, replaced_by INTEGER);
CREATE INDEX IF NOT EXISTS by_student ON submissions (student, assignment, arrived);
CREATE INDEX IF NOT EXISTS by_state ON submissions (state, priority, queued_at);
CREATE TABLE IF NOT EXISTS held (
    student TEXT NOT NULL, assignment TEXT NOT NULL, submission INTEGER NOT NULL, PRIMARY KEY (student, assignment));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass
class Submission:
    id: int
    folder: str
    student: str
    assignment: str
    timestamp: str  # the intake's, as nbgrader writes it (the student's cached copy is named with it)
    arrived: float  # the same, in seconds since the epoch
    state: str
    priority: int
    queued_at: float | None
    tries: int
    worker: int | None
    started_at: float | None
    finished_at: float | None
    score: float | None
    max_score: float | None
    manual_points: float | None  # points the instructor grades by hand (written answers), not in score
    reason: str | None  # why it failed, for the student
    feedback: str | None  # "released", or why it was held back
    replaced_by: int | None


_COLUMNS = ", ".join(f.name for f in fields(Submission))


@dataclass(frozen=True)
class Outcome:
    """What grading one submission gave."""

    score: float | None
    max_score: float | None
    manual_points: float = 0.0
    reason: str | None = None  # the submission failed: why
    feedback: str | None = None


def parse_folder(name: str) -> tuple[str, str, str, float] | None:
    """(student, assignment, timestamp, arrived) of an intake's folder name ``student+assignment+timestamp+random``."""
    parts = name.split("+")
    if len(parts) != 4 or name.startswith("."):
        return None
    try:
        arrived = parse_utc(parts[2]).timestamp()
    except (ValueError, OverflowError):
        return None
    return parts[0], parts[1], parts[2], arrived


class Journal:
    """The journal; safe to use from the service's threads (one connection, one lock)."""

    def __init__(self, path: Path, clock=time.time):
        path.parent.mkdir(mode=0o700, exist_ok=True)
        self.clock = clock
        self.lock = threading.RLock()
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # committed means on disk
        self.db.executescript(_SCHEMA)
        self.db.execute("INSERT OR IGNORE INTO meta VALUES ('created_at', ?)", (repr(clock()),))
        self.created_at = float(self.db.execute("SELECT value FROM meta WHERE key = 'created_at'").fetchone()[0])

    def close(self):
        self.db.close()

    def _rows(self, where: str, args=()) -> list[Submission]:
        return [Submission(*row) for row in self.db.execute(f"SELECT {_COLUMNS} FROM submissions {where}", args)]

    def get(self, submission_id: int) -> Submission | None:
        with self.lock:
            rows = self._rows("WHERE id = ?", (submission_id,))
        return rows[0] if rows else None

    def folders(self) -> set[str]:
        with self.lock:
            return {row[0] for row in self.db.execute("SELECT folder FROM submissions")}

    def add(self, folder: str, graded_on_arrival: bool) -> Submission:
        """Record the arrival of ``folder`` (an intake's folder name); queued if ``graded_on_arrival``, in which
        case it replaces the student's new submission of the same assignment still waiting. Idempotent."""
        student, assignment, timestamp, arrived = parse_folder(folder)
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                known = self._rows("WHERE folder = ?", (folder,))
                if known:
                    self.db.execute("COMMIT")
                    return known[0]
                state = QUEUED if graded_on_arrival else OFF
                cursor = self.db.execute(
                    "INSERT INTO submissions (folder, student, assignment, timestamp, arrived, state, priority, "
                    "queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (folder, student, assignment, timestamp, arrived, state, FRESH, arrived if graded_on_arrival else None))
                if graded_on_arrival:
                    self.db.execute("UPDATE submissions SET state = ?, replaced_by = ? WHERE student = ? AND "
                                    "assignment = ? AND state = ? AND priority = ? AND arrived < ?",
                                    (REPLACED, cursor.lastrowid, student, assignment, QUEUED, FRESH, arrived))
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        return self.get(cursor.lastrowid)

    def claim(self, worker: int, busy: set[tuple[str, str]]) -> Submission | None:
        """The first queued submission whose student and assignment are not ``busy``, now ``grading``."""
        with self.lock:
            for row in self._rows(f"WHERE state = '{QUEUED}' ORDER BY priority, queued_at, id"):
                if (row.student, row.assignment) not in busy:
                    self.db.execute("UPDATE submissions SET state = ?, worker = ?, started_at = ? WHERE id = ?",
                                    (GRADING, worker, self.clock(), row.id))
                    return self.get(row.id)
        return None

    def finish(self, submission_id: int, outcome: Outcome):
        state = FAILED if outcome.reason else GRADED
        with self.lock:
            self.db.execute("UPDATE submissions SET state = ?, finished_at = ?, score = ?, max_score = ?, "
                            "manual_points = ?, reason = ?, feedback = ? WHERE id = ?",
                            (state, self.clock(), outcome.score, outcome.max_score, outcome.manual_points,
                             outcome.reason, outcome.feedback, submission_id))

    def set_state(self, submission_id: int, state: str, reason: str | None = None):
        with self.lock:
            self.db.execute("UPDATE submissions SET state = ?, reason = ?, finished_at = ? WHERE id = ?",
                            (state, reason, self.clock(), submission_id))

    def requeue(self, submission_id: int, max_tries: int, reason: str) -> bool:
        """Put a submission whose grading was interrupted back in its place; after ``max_tries`` interruptions it
        fails with ``reason``. Returns whether it was queued again."""
        with self.lock:
            row = self._rows("WHERE id = ?", (submission_id,))[0]
            if row.tries + 1 >= max_tries:
                self.db.execute("UPDATE submissions SET state = ?, tries = tries + 1, reason = ?, finished_at = ? "
                                "WHERE id = ?", (FAILED, reason, self.clock(), submission_id))
                return False
            self.db.execute("UPDATE submissions SET state = ?, tries = tries + 1, worker = NULL, started_at = NULL "
                            "WHERE id = ?", (QUEUED, submission_id))
            return True

    def interrupted(self) -> list[Submission]:
        """Submissions left ``grading`` by a service that stopped."""
        with self.lock:
            return self._rows(f"WHERE state = '{GRADING}' ORDER BY id")

    def regrade(self, assignment: str, counts: str, student: str | None = None, only: int | None = None) -> int:
        """Queue again, behind new submissions, what may count: every graded submission (the best counts) or each
        student's last one (or only the submission ``only``). Returns how many."""
        with self.lock:
            rows = self._rows(f"WHERE assignment = ? AND state IN ('{GRADED}', '{FAILED}') "
                              + ("AND student = ? " if student else "") + "ORDER BY arrived",
                              (assignment, student) if student else (assignment,))
            if only is not None:
                rows = [row for row in rows if row.id == only]
            elif counts == "last":
                rows = list({row.student: row for row in rows}.values())
            now = self.clock()
            for row in rows:
                self.db.execute("UPDATE submissions SET state = ?, priority = ?, queued_at = ?, tries = 0, worker = "
                                "NULL, started_at = NULL WHERE id = ?", (QUEUED, REGRADE, now, row.id))
            return len(rows)

    # -- what students and instructors are shown ----------------------------------------------------------
    def of_student(self, student: str) -> list[Submission]:
        with self.lock:
            return self._rows("WHERE student = ? ORDER BY arrived", (student,))

    def attempts_since(self, student: str, assignment: str, since: float) -> list[float]:
        """Arrival times of the student's submissions of ``assignment`` graded on arrival since ``since``."""
        with self.lock:
            return [row[0] for row in self.db.execute(
                f"SELECT arrived FROM submissions WHERE student = ? AND assignment = ? AND state != '{OFF}' AND "
                "arrived >= ? ORDER BY arrived", (student, assignment, since))]

    def ahead_of(self, row: Submission) -> int:
        """Queued submissions that will be graded before ``row``."""
        with self.lock:
            return self.db.execute(
                f"SELECT COUNT(*) FROM submissions WHERE state = '{QUEUED}' AND (priority < ? OR (priority = ? AND "
                "(queued_at < ? OR (queued_at = ? AND id < ?))))",
                (row.priority, row.priority, row.queued_at, row.queued_at, row.id)).fetchone()[0]

    def queued(self) -> list[Submission]:
        with self.lock:
            return self._rows(f"WHERE state = '{QUEUED}' ORDER BY priority, queued_at, id")

    def grading(self) -> list[Submission]:
        with self.lock:
            return self._rows(f"WHERE state = '{GRADING}' ORDER BY started_at")

    def finished_since(self, since: float) -> list[Submission]:
        with self.lock:
            return self._rows(f"WHERE state IN ('{GRADED}', '{FAILED}') AND finished_at >= ? ORDER BY finished_at",
                              (since,))

    # -- which submission counts, and which one the gradebook holds -----------------------------------------
    def counting(self, student: str, assignment: str, counts: str) -> Submission | None:
        """The submission that counts: the best graded (the latest of equals), or the last graded."""
        with self.lock:
            order = "score DESC, arrived DESC" if counts == "best" else "arrived DESC"
            rows = self._rows(f"WHERE student = ? AND assignment = ? AND state IN ('{GRADED}', '{FAILED}') AND "
                              f"score IS NOT NULL ORDER BY {order} LIMIT 1", (student, assignment))
        return rows[0] if rows else None

    def counting_folders(self, assignment: str, counts: str) -> dict[str, str]:
        """Each student's submission of ``assignment`` that counts, by its folder in ``inbound/``."""
        with self.lock:
            students = [row[0] for row in self.db.execute(
                "SELECT DISTINCT student FROM submissions WHERE assignment = ?", (assignment,))]
        return {s: row.folder for s in students if (row := self.counting(s, assignment, counts))}

    def held(self, student: str, assignment: str) -> int | None:
        with self.lock:
            row = self.db.execute("SELECT submission FROM held WHERE student = ? AND assignment = ?",
                                  (student, assignment)).fetchone()
        return row[0] if row else None

    def set_held(self, student: str, assignment: str, submission_id: int):
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO held VALUES (?, ?, ?)", (student, assignment, submission_id))

    def held_pairs(self) -> list[tuple[str, str, int]]:
        with self.lock:
            return list(self.db.execute("SELECT student, assignment, submission FROM held"))
