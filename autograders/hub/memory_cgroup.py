"""A per-user memory limit for servers started as plain processes, through the kernel's cgroups.

JupyterHub's LocalProcessSpawner accepts ``mem_limit`` but does not enforce it (only container
spawners do). As root, the hub can: each user's server is placed, before it runs, in a memory
cgroup of its own with that limit, and its kernels inherit it. cgroup v2 and v1 are handled; where
neither can be written (a container without cgroup access), ``unavailable_reason`` says why.
"""

from __future__ import annotations

import functools
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PARENT = "dlcourse-hub"


@functools.cache
def _hierarchy() -> tuple[Path, str, str] | None:
    """(folder for our cgroups, limit file name, version) or None."""
    if (ROOT / "cgroup.controllers").is_file():  # v2, unified
        if "memory" not in (ROOT / "cgroup.controllers").read_text().split():
            return None
        return ROOT / PARENT, "memory.max", "v2"
    if (ROOT / "memory" / "memory.limit_in_bytes").is_file():  # v1
        return ROOT / "memory" / PARENT, "memory.limit_in_bytes", "v1"
    return None


@functools.cache  # the parent cgroup is made once; each spawn asks again
def unavailable_reason() -> str | None:
    hierarchy = _hierarchy()
    if hierarchy is None:
        return f"no writable memory cgroup under {ROOT}"
    parent, _, version = hierarchy
    try:
        parent.mkdir(exist_ok=True)
        if version == "v2":
            (parent.parent / "cgroup.subtree_control").write_text("+memory")
            (parent / "cgroup.subtree_control").write_text("+memory")
    except OSError as exc:
        return f"cannot create memory cgroups in {parent.parent} ({exc.strerror})"
    return None


def prepare(name: str, limit_bytes: int) -> Path:
    """The cgroup for ``name`` with its memory limit; put a process in it with :func:`enter`."""
    parent, limit_file, _ = _hierarchy()
    group = parent / name
    group.mkdir(exist_ok=True)
    (group / limit_file).write_text(str(limit_bytes))
    return group


def enter(group: Path):
    """Move this process into ``group`` (a spawner's preexec: before the server runs, so all it starts inherits it)."""
    (group / "cgroup.procs").write_text("0")


def remove(group: Path):
    """Remove the cgroup once its processes are gone (a kernel may outlive its server briefly)."""
    try:
        group.rmdir()
    except OSError:
        pass


def limit_of(pid: int) -> int | None:
    """The memory limit (bytes) of the cgroup ``pid`` is in, if it is one of ours."""
    hierarchy = _hierarchy()
    if hierarchy is None:
        return None
    parent, limit_file, version = hierarchy
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if (version == "v2" and controllers == "") or (version == "v1" and "memory" in controllers.split(",")):
            group = parent.parent / path.lstrip("/")
            if group.parent == parent:
                value = (group / limit_file).read_text().strip()
                return None if value == "max" else int(value)
    return None
