"""The games of a course: the current one (at most one runs: the class plays together), the past ones.

At start the service reads the latest game back from the store, so a restart resumes a running
game, and a finished one stays on the screens until the next starts.
"""

from __future__ import annotations

import time
from pathlib import Path

from . import banks
from .bank import BankError
from .game import Game, Refused
from .store import Store


class Games:
    def __init__(self, course_root: Path, store: Store):
        self.course_root, self.store = Path(course_root), store
        self.current: Game | None = None  # the running game, else the last one played
        if latest := store.latest_game_id():
            self.current = self.load(latest)

    @property
    def running(self) -> Game | None:
        return self.current if self.current is not None and self.current.phase != "ended" else None

    def load(self, game_id: str) -> Game | None:
        record = self.store.load(game_id)
        if record is None:
            return None
        if self.current is not None and self.current.id == game_id:
            return self.current
        return Game(self.store, record, banks.load(self.course_root, record.bank, record.source))

    def start(self, bank_name: str, host: str, now: float) -> Game:
        if self.running is not None:
            raise Refused(409, f"the game {self.running.id} is still running: end it first")
        if bank_name not in banks.names(self.course_root):
            raise Refused(404, f"no bank named {bank_name!r}")
        try:
            bank = banks.load(self.course_root, bank_name)
        except BankError as exc:
            raise Refused(400, str(exc)) from None
        game_id = base = f"quiz-{bank.name}-{time.strftime('%Y%m%d-%H%M%S', time.localtime(now))}"
        taken = set(self.store.game_ids())
        suffix = 2
        while game_id in taken:
            game_id, suffix = f"{base}-{suffix}", suffix + 1
        self.store.create_game(game_id, bank.name, bank.source, bank.title, host, now)
        self.current = self.load(game_id)
        return self.current
