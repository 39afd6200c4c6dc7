"""The games on disk: one SQLite file in the course's quiz folder, written before anything is answered.

The service may be killed at any moment (a crash, a restart of the hub, a reboot): every change
of a game (created, a question opened or closed, a player joined, an answer) is one committed
transaction, fsynced, before the service replies or tells anyone. A restarted service reads the
running game back from here and goes on where it stopped. Rows are only added or completed,
never rewritten, so the file is also the game's log.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..errors import DlcourseError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS games (
    id TEXT PRIMARY KEY, bank TEXT NOT NULL, source TEXT, title TEXT NOT NULL, host TEXT NOT NULL,
    created_at REAL NOT NULL, ended_at REAL, recorded_at REAL);
CREATE TABLE IF NOT EXISTS rounds (
    game TEXT NOT NULL REFERENCES games(id), question INTEGER NOT NULL, opened_at REAL NOT NULL,
    deadline REAL NOT NULL, closed_at REAL, PRIMARY KEY (game, question));
CREATE TABLE IF NOT EXISTS players (
    game TEXT NOT NULL REFERENCES games(id), student TEXT NOT NULL, joined_at REAL NOT NULL,
    PRIMARY KEY (game, student));
CREATE TABLE IF NOT EXISTS answers (
    game TEXT NOT NULL REFERENCES games(id), question INTEGER NOT NULL, student TEXT NOT NULL,
    answer TEXT NOT NULL, received_at REAL NOT NULL, correct INTEGER NOT NULL, points INTEGER NOT NULL,
    PRIMARY KEY (game, question, student));
"""


class AlreadyAnswered(DlcourseError):
    pass


@dataclass
class Round:
    question: int
    opened_at: float
    deadline: float
    closed_at: float | None = None


@dataclass(frozen=True)
class Answer:
    question: int
    student: str
    answer: object  # as Question.read_answer returns it
    received_at: float
    correct: bool
    points: int


@dataclass
class GameRecord:
    id: str
    bank: str
    source: str | None  # a file bank's YAML as it was when the game started
    title: str
    host: str
    created_at: float
    ended_at: float | None
    recorded_at: float | None
    rounds: list[Round]
    players: dict[str, float]  # student -> joined_at
    answers: list[Answer]


class Store:
    def __init__(self, path: Path):
        self.db = sqlite3.connect(path, isolation_level=None)  # autocommit: each statement its own transaction
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # committed means on disk, in WAL mode too
        self.db.executescript(_SCHEMA)

    def close(self):
        self.db.close()

    def create_game(self, game_id: str, bank: str, source: str | None, title: str, host: str, now: float):
        self.db.execute("INSERT INTO games (id, bank, source, title, host, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                        (game_id, bank, source, title, host, now))

    def open_round(self, game_id: str, round_: Round):
        self.db.execute("INSERT INTO rounds (game, question, opened_at, deadline) VALUES (?, ?, ?, ?)",
                        (game_id, round_.question, round_.opened_at, round_.deadline))

    def close_round(self, game_id: str, question: int, now: float):
        self.db.execute("UPDATE rounds SET closed_at = ? WHERE game = ? AND question = ? AND closed_at IS NULL",
                        (now, game_id, question))

    def add_player(self, game_id: str, student: str, now: float):
        self.db.execute("INSERT OR IGNORE INTO players (game, student, joined_at) VALUES (?, ?, ?)",
                        (game_id, student, now))

    def add_answer(self, game_id: str, answer: Answer):
        """Raises AlreadyAnswered if the student's answer to that question is already kept."""
        try:
            self.db.execute("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (game_id, answer.question, answer.student, json.dumps(answer.answer),
                             answer.received_at, int(answer.correct), answer.points))
        except sqlite3.IntegrityError:
            raise AlreadyAnswered() from None

    def end_game(self, game_id: str, now: float):
        self.db.execute("UPDATE games SET ended_at = ? WHERE id = ? AND ended_at IS NULL", (now, game_id))

    def mark_recorded(self, game_id: str, now: float):
        self.db.execute("UPDATE games SET recorded_at = ? WHERE id = ?", (now, game_id))

    def game_ids(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT id FROM games ORDER BY created_at")]

    def latest_game_id(self) -> str | None:
        row = self.db.execute("SELECT id FROM games ORDER BY created_at DESC").fetchone()
        return row[0] if row else None

    def load(self, game_id: str) -> GameRecord | None:
        row = self.db.execute("SELECT id, bank, source, title, host, created_at, ended_at, recorded_at FROM games "
                              "WHERE id = ?", (game_id,)).fetchone()
        if row is None:
            return None
        rounds = [Round(*r) for r in self.db.execute(
            "SELECT question, opened_at, deadline, closed_at FROM rounds WHERE game = ? ORDER BY question", (game_id,))]
        players = dict(self.db.execute("SELECT student, joined_at FROM players WHERE game = ? ORDER BY joined_at",
                                       (game_id,)))
        answers = [Answer(q, s, json.loads(a), t, bool(c), p) for q, s, a, t, c, p in self.db.execute(
            "SELECT question, student, answer, received_at, correct, points FROM answers WHERE game = ? "
            "ORDER BY received_at", (game_id,))]
        return GameRecord(*row, rounds=rounds, players=players, answers=answers)

