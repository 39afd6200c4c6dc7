"""Initial passwords: a roster member's first login needs a password that only they were given.

With FirstUseAuthenticator as it comes, whoever logs in first under a roster id sets that id's
password, so a student could claim the instructor's account, or a classmate's, before its owner
logs in. Here nobody logs in without a password issued to them: ``dlcourse hub`` draws one for
every roster member who has none, stores its bcrypt hash in the authenticator's password
database, and writes the password itself to a file only root can read, from which the instructor
hands each person theirs. ``dlcourse new-password ID`` draws a new one for someone who forgot theirs
(the old one stops working). People change theirs on the hub at ``/hub/auth/change-password``.
"""

from __future__ import annotations

import contextlib
import csv
import dbm
import fcntl
import io
import os
import secrets
from datetime import datetime, timezone
from pathlib import Path

import bcrypt

from .settings import Layout

# lower-case letters and digits that cannot be mistaken for one another (no 0/o, 1/l/i) when read
# from paper or aloud; 3 groups of 4 give 59 bits
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_COLUMNS = ("id", "password", "issued")
# bcrypt's cost: 2**12 rounds, about 0.25 s of CPU per check; slow for guessing, bearable for a class logging in
BCRYPT_ROUNDS = 12


def hash_password(password: str) -> bytes:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(BCRYPT_ROUNDS))


def check_password(password: str, hashed: bytes) -> bool:
    return bcrypt.checkpw(password.encode("utf-8"), hashed)


def new_password() -> str:
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))


class PasswordStore:
    """The authenticator's password database (name -> bcrypt hash), shared by the running hub and the
    ``dlcourse`` commands: every access holds a lock, since the dbm modules do not lock themselves."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    @contextlib.contextmanager
    def _open(self):
        with open(f"{self.path}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            with dbm.open(str(self.path), "c", 0o600) as db:
                yield db

    def get(self, name: str) -> bytes | None:
        with self._open() as db:
            return db.get(name.encode("utf-8"))

    def set(self, name: str, hashed: bytes):
        with self._open() as db:
            db[name.encode("utf-8")] = hashed

    def delete(self, name: str):
        with self._open() as db:
            if name.encode("utf-8") in db:
                del db[name.encode("utf-8")]

    def names(self) -> set[str]:
        with self._open() as db:
            return {key.decode("utf-8") for key in db.keys()}


def issue(layout: Layout, ids: list[str]) -> dict[str, str]:
    """New passwords for ``ids`` (replacing any they had), stored and written to the root-only file."""
    passwords = {name: new_password() for name in ids}
    store = PasswordStore(layout.passwords)
    for name, password in passwords.items():
        store.set(name, hash_password(password))
    _record(layout, passwords)
    return passwords


def issue_missing(layout: Layout, ids: list[str]) -> dict[str, str]:
    """Passwords for the roster members who have none yet (``dlcourse hub`` at each start)."""
    have = PasswordStore(layout.passwords).names()
    return issue(layout, [name for name in ids if name not in have])


def issued(layout: Layout) -> dict[str, str]:
    """The passwords in the root-only file: id -> the last one issued to that person."""
    return {name: row[1] for name, row in _rows(layout).items()}


def _rows(layout: Layout) -> dict[str, tuple[str, ...]]:
    try:
        text = layout.initial_passwords.read_text()
    except FileNotFoundError:
        return {}
    return {row["id"]: tuple(row[c] for c in _COLUMNS) for row in csv.DictReader(io.StringIO(text))}


def _record(layout: Layout, passwords: dict[str, str]):
    if not passwords:
        return
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    rows = _rows(layout)
    rows.update({name: (name, password, when) for name, password in passwords.items()})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_COLUMNS)
    writer.writerows(rows[name] for name in sorted(rows))
    # written beside and renamed over: a reader never sees half a file; 0600 from the start
    path = layout.initial_passwords
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with open(fd, "w") as file:
        file.write(out.getvalue())
    os.replace(partial, path)
