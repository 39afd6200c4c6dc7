"""Copy what a student made, and nothing else: a folder's regular files, reached without following a link.

Why: a submission folder is made by its student, who can put symbolic links in it (to the quiz's key,
the gradebook, another student's work), hard links to files of others, named pipes that block a
reader, devices, a hundred thousand files or a sparse terabyte. Whoever copies it with more
privilege than the student (the hub's intake as root, collect as the grader account, the grading
sandbox and service as root) would otherwise read for the student what the student cannot.

So every name is opened relative to its folder's file descriptor with ``O_NOFOLLOW`` and judged by
``fstat`` on what was actually opened, never on a path that could be swapped in between. Only
regular files and folders owned by the folder's owner are taken, within a number of entries (folders
count: each costs an inode and a block, empty or not), the disk they take (blocks, not sizes: a
thousand one-byte files fill a thousand blocks, and a sparse file is copied whole), a depth and a
length of names; everything else is named in the report with the reason, and the rest of the folder
is still copied.
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DlcourseError

_OPEN_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: a named pipe swapped in after the first look opens at once instead of blocking the reader
_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_CREATE_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_CHUNK = 1 << 20
BLOCK = 4096  # what the smallest entry takes on disk (ext4's, xfs's block), besides its inode
REFUSALS_NAMED = 100  # refusals named one by one in a report; the rest are counted
# what was not taken into a copied submission, one "path: reason" per line, kept beside its files
REFUSALS_FILE = "refused.txt"
_KINDS = {stat.S_IFLNK: "a symbolic link (links are not followed)", stat.S_IFIFO: "a named pipe",
          stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device"}


@dataclass(frozen=True)
class TreeLimits:
    """What one copied folder may hold."""

    entries: int = 500  # files and folders, in all its folders together
    megabytes: int = 100  # the disk they take (disk_bytes), in MiB (nbgrader's own default size for a submission)
    depth: int = 8  # folders within folders
    name_length: int = 100  # characters of one file's or folder's name


SUBMISSION = TreeLimits()
# a submission as the course grades it: the student's files, the release's helper files, nbgrader's records
WORK_FOLDER = TreeLimits(entries=2 * SUBMISSION.entries, megabytes=2 * SUBMISSION.megabytes)


@dataclass(frozen=True)
class Refusal:
    path: str  # relative to the copied folder, printable
    reason: str

    def __str__(self):
        return f"{self.path}: {self.reason}"


@dataclass
class CopyReport:
    files: list[str] = field(default_factory=list)  # relative paths of the files taken
    folders: int = 0  # folders taken
    bytes: int = 0  # the disk the files and folders taken take (disk_bytes)
    refused: list[Refusal] = field(default_factory=list)


class TreeError(DlcourseError):
    """The folder itself cannot be copied (missing, a link, not a folder, someone else's)."""


def shown(name: str, limit: int = 200) -> str:
    """A name as it may be printed: escaped unless printable, and bounded."""
    text = name if name.isprintable() else ascii(name)
    return text if len(text) <= limit else text[:limit] + "..."


def disk_bytes(info: os.stat_result) -> int:
    """The disk an entry takes once copied: its allocated blocks, or its size where that is more (a sparse file
    is copied whole), in whole blocks, and at least one."""
    return max(BLOCK, -(-max(info.st_size, info.st_blocks * 512) // BLOCK) * BLOCK)


def open_folder(path: str | os.PathLike, *, dir_fd: int | None = None) -> int:
    """A descriptor of the folder ``path``, whose last component must not be a link."""
    try:
        return os.open(path, _OPEN_FOLDER, dir_fd=dir_fd)
    except OSError as exc:
        raise TreeError(f"{shown(os.fspath(path))}: {_why_not_opened(exc, 'folder', path, dir_fd)}") from None


def _why_not_opened(exc: OSError, what: str, path, dir_fd: int | None) -> str:
    if exc.errno in (errno.ELOOP, errno.ENOTDIR):
        with contextlib.suppress(OSError):
            if stat.S_ISLNK(os.stat(path, dir_fd=dir_fd, follow_symlinks=False).st_mode):
                return _KINDS[stat.S_IFLNK]
    if exc.errno == errno.ELOOP:
        return _KINDS[stat.S_IFLNK]
    if exc.errno == errno.ENOTDIR:
        return f"not a {what}"
    if exc.errno == errno.EACCES:
        return "cannot be read"
    if exc.errno == errno.ENOENT:
        return "does not exist"
    return f"cannot be opened ({exc.strerror})"


def copy_regular_files(source: str | os.PathLike | int, target: str | os.PathLike | int | None, *,
                       owner: int | None = None, limits: TreeLimits = SUBMISSION,
                       ignore: tuple[str, ...] | list[str] = (), reserved: tuple[str, ...] = ()) -> CopyReport:
    """Copy the regular files of the folder ``source`` into the folder ``target``.

    ``source`` and ``target`` are paths or open folder descriptors (which stay open); a ``target`` path
    is created and must not exist yet; ``target`` None only reads and measures. ``owner``: the uid
    everything must belong to (default: the owner of ``source``). Names matching an ``ignore`` pattern
    (nbgrader's ``CourseDirectory.ignore``) are skipped silently; names in ``reserved`` at the top are
    refused. Notebooks at the top come first, then files, then folders, so that the limits cost a
    student their notebook last.
    Raises TreeError when ``source`` itself cannot be read.
    """
    own_source = not isinstance(source, int)
    src = open_folder(source) if own_source else source
    dst = None
    try:
        top = os.fstat(src)
        if owner is not None and top.st_uid != owner:
            raise TreeError(f"{shown(str(source))} is not a folder of yours (it belongs to another account)")
        if isinstance(target, int) or target is None:
            dst = target
        else:
            os.mkdir(target, 0o755)
            dst = open_folder(target)
        copier = _Copier(top.st_uid if owner is None else owner, limits, tuple(ignore), tuple(reserved))
        copier.copy(src, dst, "", 0)
        if copier.unnamed:
            copier.report.refused.append(Refusal("(more)", f"{copier.unnamed} more entries refused"))
        if copier.not_taken:
            copier.report.refused.append(Refusal(
                "(the rest)", f"{copier.not_taken} more entries not taken: {limits.entries} files and folders at most "
                              "are taken"))
        return copier.report
    finally:
        if own_source:
            os.close(src)
        if dst is not None and not isinstance(target, int):
            os.close(dst)


class _Copier:
    def __init__(self, owner: int, limits: TreeLimits, ignore: tuple[str, ...], reserved: tuple[str, ...]):
        self.owner, self.limits, self.ignore, self.reserved = owner, limits, ignore, reserved
        self.budget = limits.megabytes << 20
        self.report = CopyReport()
        self.not_taken = self.unnamed = 0

    def refuse(self, rel: str, reason: str):
        if len(self.report.refused) < REFUSALS_NAMED:
            self.report.refused.append(Refusal(shown(rel), reason))
        else:
            self.unnamed += 1

    def copy(self, src: int, dst: int | None, rel: str, depth: int):
        found = []
        for name in sorted(os.listdir(src)):
            path = f"{rel}{name}"
            if any(fnmatch.fnmatch(name, pattern) for pattern in self.ignore):
                continue
            if depth == 0 and name in self.reserved:
                self.refuse(path, "a name the hub writes itself; not taken from your folder")
                continue
            if not name.isprintable():
                self.refuse(path, "a name that is not printable text")
                continue
            if len(name) > self.limits.name_length:
                self.refuse(path, f"a name longer than {self.limits.name_length} characters")
                continue
            try:
                kind = stat.S_IFMT(os.stat(name, dir_fd=src, follow_symlinks=False).st_mode)
            except FileNotFoundError:
                continue  # gone since the folder was listed
            if kind in (stat.S_IFDIR, stat.S_IFREG):
                found.append((name, kind))
            else:
                self.refuse(path, _KINDS.get(kind, "not a regular file"))
        # the notebooks first, then the other files, then the folders: the limits cost what matters least
        found.sort(key=lambda entry: (not (depth == 0 and entry[0].endswith(".ipynb")), entry[1] == stat.S_IFDIR))
        for name, kind in found:
            if len(self.report.files) + self.report.folders >= self.limits.entries:
                self.not_taken += 1
            elif kind == stat.S_IFDIR:
                self.folder(src, dst, name, f"{rel}{name}", depth)
            else:
                self.file(src, dst, name, f"{rel}{name}")

    def folder(self, src: int, dst: int | None, name: str, path: str, depth: int):
        if depth + 1 > self.limits.depth:
            self.refuse(path, f"folders nested deeper than {self.limits.depth}")
            return
        try:
            fd = os.open(name, _OPEN_FOLDER, dir_fd=src)
        except OSError as exc:
            self.refuse(path, _why_not_opened(exc, "folder", name, src))
            return
        sub = None
        try:
            info = os.fstat(fd)
            if info.st_uid != self.owner:
                self.refuse(path, "a folder of another account")
                return
            if not self.take(path, disk_bytes(info)):
                return
            self.report.folders += 1
            if dst is not None:
                os.mkdir(name, 0o755, dir_fd=dst)
                sub = open_folder(name, dir_fd=dst)
            self.copy(fd, sub, f"{path}/", depth + 1)
        finally:
            os.close(fd)
            if sub is not None:
                os.close(sub)

    def file(self, src: int, dst: int | None, name: str, path: str):
        try:
            fd = os.open(name, _OPEN_FILE, dir_fd=src)
        except OSError as exc:
            self.refuse(path, _why_not_opened(exc, "file", name, src))
            return
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):  # swapped since the first look
                self.refuse(path, _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file"))
            elif info.st_uid != self.owner:
                self.refuse(path, "a file of another account (a hard link to it is not your work)")
            elif self.take(path, disk_bytes(info)):
                if dst is not None:
                    _copy_bytes(fd, name, dst, info.st_size)
                self.report.files.append(path)
        finally:
            os.close(fd)

    def take(self, path: str, cost: int) -> bool:
        """Whether ``cost`` bytes of disk are left for ``path``; they are spent if so."""
        if cost > self.budget:
            self.refuse(path, f"{_megabytes(cost)} on disk: over the {self.limits.megabytes} MB that are taken in all "
                              f"({_megabytes(self.budget)} left)")
            return False
        self.budget -= cost
        self.report.bytes += cost
        return True


def _copy_bytes(fd: int, name: str, dst: int, size: int):
    """At most ``size`` bytes of ``fd`` (a file that grows meanwhile is cut there) into a new file ``name``."""
    out = os.open(name, _CREATE_FILE, 0o644, dir_fd=dst)
    copied = 0
    try:
        while copied < size:
            chunk = memoryview(os.read(fd, min(_CHUNK, size - copied)))
            if not chunk:
                break
            copied += len(chunk)
            while chunk:
                chunk = chunk[os.write(out, chunk):]
    finally:
        os.close(out)


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size / 2**10:,.0f} KB"


def chown_tree(folder: int, uid: int, gid: int):
    """Give the folder ``folder`` (a descriptor) and all in it to ``uid``:``gid``, following no link."""
    os.fchown(folder, uid, gid)
    for name in os.listdir(folder):
        kind = stat.S_IFMT(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
        if kind == stat.S_IFDIR:
            sub = open_folder(name, dir_fd=folder)
            try:
                chown_tree(sub, uid, gid)
            finally:
                os.close(sub)
        else:
            os.chown(name, uid, gid, dir_fd=folder, follow_symlinks=False)


def open_beneath(root: Path, relative: Path) -> int:
    """A descriptor of the folder ``root/relative``, reached one component at a time with no link followed:
    a folder that is (or lies under) a link cannot be passed off as one inside ``root``."""
    if relative.is_absolute() or any(part in ("", ".", "..") for part in relative.parts):
        raise TreeError(f"{shown(str(relative))} is not a plain relative path")
    fd = open_folder(root)
    try:
        for part in relative.parts:
            sub = open_folder(part, dir_fd=fd)
            os.close(fd)
            fd = sub
    except BaseException:
        os.close(fd)
        raise
    return fd


def recorded_refusals(folder: Path) -> list[str]:
    """The lines of ``folder``'s refusals file, as data: printable, bounded, at most ``REFUSALS_NAMED + 2``."""
    try:
        fd = os.open(Path(folder) / REFUSALS_FILE, _OPEN_FILE)
    except OSError:
        return []
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return []
        text = os.read(fd, 64 << 10).decode("utf-8", errors="replace")
    finally:
        os.close(fd)
    return [shown(line, 300) for line in text.splitlines()[:REFUSALS_NAMED + 2] if line.strip()]
