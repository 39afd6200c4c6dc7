"""What Jupyter and Python leave beside a course's files (checkpoints, bytecode): never released, copied, compared
or graded as the course's own."""

from __future__ import annotations

from pathlib import Path

IGNORED_FOLDERS = ("__pycache__", ".ipynb_checkpoints")


def is_ignored(path: Path) -> bool:
    """Whether ``path`` lies in one of ``IGNORED_FOLDERS``."""
    return not set(IGNORED_FOLDERS).isdisjoint(Path(path).parts)
