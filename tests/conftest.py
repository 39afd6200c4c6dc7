import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograders.course import Course

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def venv_env():
    # nbgrader runs `alembic` from PATH, as it would in an activated virtualenv
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def run(args, cwd=None, check=True, timeout=900):
    proc = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=venv_env())
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def dlcourse(*args, cwd=None, check=True):
    return run([BIN / "dlcourse", *args], cwd=cwd, check=check)


def grade_all(paths, tmp_path, *options, course=None):
    """Run ``dlcourse grade`` and return its JSON results."""
    out = tmp_path / "results.json"
    dlcourse("grade", *paths, "--course", course or ROOT / "course", "--json", out, *options)
    return json.loads(out.read_text())["results"]


def grade(paths, tmp_path, *options, course=None):
    """Run ``dlcourse grade`` and return its JSON results, keyed by student."""
    return {r["student"]: r for r in grade_all(paths, tmp_path, *options, course=course)}


def cell_scores(result):
    return {c["grade_id"]: c["score"] for c in result["cells"]}


@pytest.fixture(scope="session")
def course_copy(tmp_path_factory):
    """A copy of the course with every assignment released by the real ``nbgrader generate_assignment``."""
    course = tmp_path_factory.mktemp("course") / "course"
    shutil.copytree(ROOT / "course", course, ignore=shutil.ignore_patterns(
        "gradebook.db", "release", "submitted", "autograded", "feedback", "__pycache__", ".ipynb_checkpoints"))
    for name in Course(course).assignment_names():
        run([BIN / "nbgrader", "generate_assignment", name, "--force"], cwd=course)
    return course


def released(course, assignment):
    return nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", as_version=4)
