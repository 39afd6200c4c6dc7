"""The files ``dlcourse hub`` puts into the course folder on the hub, written by the grader account itself.

The course folder is the grader account's: whoever acts as it (formgrader's terminal, any
instructor) may put links there. Root therefore never writes into it: it packs what the folder
should receive (the course's sources, the roster, the schedule, nbgrader's config) into an archive, from files
that are root's, and the grader account's own process (``python -m autograders.hub.course_files
COURSE_DIR``, archive on stdin) writes them. That process can reach nothing the grader account could
not, and it follows no link either: a link where a file or folder of the course belongs is replaced,
and what it pointed to is left as it was.
"""

from __future__ import annotations

import io
import os
import stat
import sys
import tarfile
import time
from pathlib import Path

from ..ignored_files import is_ignored

# what only the grader account may read; the sources keep their modes
PRIVATE_FILES = {"roster.csv", "nbgrader_config.py"}


def pack(files: dict[str, Path | bytes]) -> bytes:
    """An archive of ``files`` (name in the course folder -> root's file, or the content)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, source in sorted(files.items()):
            if isinstance(source, Path):
                with open(source, "rb") as file:  # what the file holds, should root's checkout link to it
                    tar.addfile(tar.gettarinfo(arcname=name, fileobj=file), file)
            else:
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.mtime = len(source), 0o600, time.time()
                tar.addfile(info, io.BytesIO(source))
    return out.getvalue()


def folder_files(folder: Path, into: str) -> dict[str, Path]:
    """The files of ``folder`` (the course's sources, its quiz banks) to go into ``into``, as ``pack`` takes
    them: every file but caches and checkpoints; none when there is no such folder."""
    return {f"{into}/{path.relative_to(folder)}": path for path in sorted(folder.rglob("*"))
            if path.is_file() and not is_ignored(path)}


def install(folder: Path, archive: bytes) -> list[str]:
    """Write the archive's files that ``folder`` lacks or holds differently; returns their names.

    Files only in ``folder`` stay: what the instructor added on the hub is theirs.
    """
    written = []
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()
            target = folder / member.name
            if _same(target, data):
                continue
            _real_folders(folder, target.parent)
            partial = target.with_name(f".{target.name}.partial")
            partial.unlink(missing_ok=True)
            mode = 0o600 if member.name in PRIVATE_FILES else member.mode & 0o755
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
            with open(fd, "wb") as file:
                file.write(data)
            os.utime(partial, (member.mtime, member.mtime))
            os.replace(partial, target)  # over a link, the link is replaced, not what it points to
            written.append(member.name)
    return written


def _same(target: Path, data: bytes) -> bool:
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)  # a link or a FIFO is not the file
    except OSError:
        return False
    with open(fd, "rb") as file:
        return stat.S_ISREG(os.fstat(fd).st_mode) and file.read(len(data) + 1) == data


def _real_folders(top: Path, folder: Path):
    """``folder`` and the folders between ``top`` and it, made where missing; a link among them is replaced."""
    path = top
    for part in folder.relative_to(top).parts:
        path = path / part
        if path.is_symlink() or (path.exists() and not path.is_dir()):
            path.unlink()
        if not path.exists():
            path.mkdir(mode=0o755)


if __name__ == "__main__":
    for name in install(Path(sys.argv[1]), sys.stdin.buffer.read()):
        print(f"course file updated: {name}")
