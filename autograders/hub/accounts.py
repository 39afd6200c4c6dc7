"""Unix accounts and permissions for the hub run as root.

Every roster member gets an account whose home only they can read; the course's files belong
to the grader account; the checkout that holds reference solutions and hidden checks is closed
to everyone else, except the students' environment their servers run from.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import stat
import subprocess
from pathlib import Path

from ..engine.sandbox import ensure_account
from ..errors import DlcourseError

# the checkout's entries the grader account reads: its Python environment and the grading package
GRADER_READS = (".venv", "autograders")
# what every user runs: the students' servers and kernels
EVERYONE_RUNS = ".venv-student"


class AccountError(DlcourseError):
    pass


def ensure_user(name: str, *, system: bool = False) -> pwd.struct_passwd:
    """The account ``name``, created with a private home if it does not exist yet."""
    options = ["--create-home", "--shell", "/bin/bash", "-K", "HOME_MODE=0700", *(["--system"] if system else [])]
    try:
        account = ensure_account(name, options)
    except subprocess.CalledProcessError as exc:
        raise AccountError(f"could not create the account '{name}': {exc.stderr.strip()}") from None
    home = Path(account.pw_dir)
    if not home.is_dir():
        home.mkdir(parents=True)
        own(home, account, 0o700)
    # an account made by an older setup, or by hand, may have a home others can read
    with _folder(home) as fd:
        os.fchmod(fd, stat.S_IMODE(os.fstat(fd).st_mode) & 0o700)
    return account


def own(path: Path, account: pwd.struct_passwd, mode: int):
    """Give the folder ``path`` to ``account``; a link there is refused, not followed."""
    with _folder(path) as fd:
        os.fchown(fd, account.pw_uid, account.pw_gid)
        os.fchmod(fd, mode)


@contextlib.contextmanager
def _folder(path: Path):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as exc:
        raise AccountError(f"{path} is not a folder (a link is not followed): {exc.strerror}") from None
    try:
        yield fd
    finally:
        os.close(fd)


def close_checkout(repo: Path, grader: pwd.struct_passwd) -> list[str]:
    """Close the checkout to other users; returns what changed, to say so.

    Its root stays traversable (not listable) so that servers can run ``.venv-student``;
    the grader account's group may read its environment and the grading package; the rest
    (course sources with solutions, hidden checks, tests, git history) is root's alone.
    """
    changed = []
    mode = stat.S_IMODE(repo.stat().st_mode)
    if mode & 0o077 != 0o011:
        repo.chmod((mode & 0o700) | 0o011)
        changed.append(f"{repo}: others may pass through, not list it")
    for entry in sorted(repo.iterdir()):
        if entry.name == EVERYONE_RUNS or entry.is_symlink():
            continue
        mode = stat.S_IMODE(entry.stat().st_mode)
        if entry.name in GRADER_READS:
            os.chown(entry, -1, grader.pw_gid)
            wanted = (mode & 0o700) | 0o050
        else:
            wanted = mode & 0o700
        if wanted != mode:
            entry.chmod(wanted)
            changed.append(f"{entry}: {oct(mode)} -> {oct(wanted)}")
    return changed


def controlled_by_others(path: Path) -> str | None:
    """Why an account other than root could replace ``path`` or what is in it, or None.

    ``path`` must be root's and writable by root only; each folder above it root's and writable by
    root only, or sticky (as /tmp: others cannot rename or remove what root made there).
    """
    for folder in [path, *path.parents]:
        info = folder.lstat()
        if info.st_uid != 0:
            return f"{folder} belongs to uid {info.st_uid}"
        open_to_others = stat.S_IMODE(info.st_mode) & 0o022
        if open_to_others and (folder == path or not info.st_mode & stat.S_ISVTX):
            return f"{folder} is writable by others (mode {oct(stat.S_IMODE(info.st_mode))})"
    return None


def unreachable_by_others(path: Path) -> str | None:
    """Why another user could not run ``path`` (a folder above it they cannot pass), or None."""
    for folder in reversed(path.resolve().parents):
        if not stat.S_IMODE(folder.stat().st_mode) & 0o001:
            return f"{folder} is not traversable by other users (mode {oct(stat.S_IMODE(folder.stat().st_mode))})"
    return None
