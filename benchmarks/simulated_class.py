"""A class of simulated students on the real hub, for the benchmarks that run as root.

Writes a roster of N students (unix accounts PREFIX-NN, created by ``dlcourse hub``) and an
instructor, starts the hub on it, and removes the accounts it created afterwards.
"""

from __future__ import annotations

import contextlib
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from conftest import running_hub  # noqa: E402


def _exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@contextlib.contextmanager
def class_roster(prefix: str, students: int, instructor: str):
    """Yields (folder, student names): ``folder/roster.csv`` lists them and the instructor; the hubs a benchmark
    starts on it keep their state in ``folder/state``, which is removed afterwards with the accounts it made."""
    names = [f"{prefix}-{i:02d}" for i in range(1, students + 1)]
    existed = {name for name in [*names, instructor] if _exists(name)}
    folder = Path(tempfile.mkdtemp(prefix=f"dlcourse-{prefix}-"))
    folder.chmod(0o755)
    (folder / "roster.csv").write_text("id,first_name,last_name,email,role\n"
                                       + "".join(f"{n},,,,student\n" for n in names) + f"{instructor},,,,instructor\n")
    try:
        yield folder, names
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        for name in [*names, instructor]:
            if name not in existed:
                subprocess.run(["userdel", "--remove", name], capture_output=True)


@contextlib.contextmanager
def simulated_class(prefix: str, students: int, instructor: str):
    """Yields (hub, student names); each account logs in with the password the hub issued it (``hub.password``)."""
    with class_roster(prefix, students, instructor) as (folder, names), \
            running_hub(folder / "state", "--roster", str(folder / "roster.csv")) as hub:
        yield hub, names
