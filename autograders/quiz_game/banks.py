"""The banks a course offers: every ``quiz_banks/*.yaml`` in the course folder, and the concepts quiz."""

from __future__ import annotations

from pathlib import Path

from . import concepts_bank
from .bank import Bank, BankError, load_file, load_text

FOLDER = "quiz_banks"
BUILT_IN = {concepts_bank.NAME: concepts_bank.load}


def bank_files(course_root: Path) -> dict[str, Path]:
    folder = Path(course_root) / FOLDER
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}


def names(course_root: Path) -> list[str]:
    return sorted(set(BUILT_IN) | set(bank_files(course_root)))


def load(course_root: Path, name: str, source: str | None = None) -> Bank:
    """The bank ``name``; ``source``: the YAML text a game kept of it (a bank edited mid-game stays as it was)."""
    if name in BUILT_IN:
        if name in bank_files(course_root):
            raise BankError(str(bank_files(course_root)[name]), None,
                            f"'{name}' is the name of the course's built-in bank: rename the file")
        return BUILT_IN[name](course_root)
    if source is not None:
        return load_text(name, source, f"{FOLDER}/{name}.yaml")
    files = bank_files(course_root)
    if name not in files:
        raise BankError(f"{FOLDER}/{name}.yaml", None, "no such bank")
    return load_file(files[name])
