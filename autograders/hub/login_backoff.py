"""Back-off for failed logins: after a few failures, a key (a user name, a client address) is refused
for a while, twice as long at each further failure.

Kept in the hub's memory (a restart forgets it) and bounded in size: keys that have not failed for
``forget_after`` seconds are dropped, and at most ``max_keys`` are kept, the least recent going first.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass


@dataclass
class _Record:
    failures: int = 0
    locked_until: float = 0.0
    last_failure: float = 0.0


class Backoff:
    def __init__(self, *, allowed_failures: int, first_lock: float, longest_lock: float,
                 forget_after: float | None = None, max_keys: int = 100_000, clock=time.monotonic):
        self.allowed_failures = allowed_failures
        self.first_lock = first_lock
        self.longest_lock = longest_lock
        self.forget_after = forget_after if forget_after is not None else 2 * longest_lock
        self.max_keys = max_keys
        self.clock = clock
        self._records: OrderedDict[str, _Record] = OrderedDict()

    def wait(self, key: str) -> float:
        """Seconds ``key`` is still refused (0: it may try)."""
        record = self._records.get(key)
        return max(0.0, record.locked_until - self.clock()) if record else 0.0

    def failed(self, key: str):
        now = self.clock()
        self._forget_old(now)
        record = self._records.setdefault(key, _Record())
        self._records.move_to_end(key)
        record.failures += 1
        record.last_failure = now
        beyond = record.failures - self.allowed_failures
        if beyond >= 0:
            record.locked_until = now + min(self.longest_lock, self.first_lock * 2 ** min(beyond, 32))
        while len(self._records) > self.max_keys:
            self._records.popitem(last=False)

    def forgive(self, key: str, failures: int | None = None):
        """Take back ``failures`` of ``key``'s failures (all of them, and its lock, when None)."""
        record = self._records.get(key)
        if record is None:
            return
        if failures is None or record.failures <= failures:
            del self._records[key]
        else:
            record.failures -= failures

    def _forget_old(self, now: float):
        while self._records:
            key, record = next(iter(self._records.items()))
            if now - record.last_failure < self.forget_after:
                return
            del self._records[key]
