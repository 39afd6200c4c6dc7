"""`dlcourse audit` and the release step: students never get solution code, hidden checks or reference values."""

import shutil

import nbformat
import pytest

from autograders.audit import fingerprints
from autograders.course import Course
from conftest import BIN, dlcourse, run


@pytest.fixture
def course(course_copy, tmp_path):
    """A private copy of the released course, to plant leaks in."""
    shutil.copytree(course_copy, tmp_path / "course")
    return tmp_path / "course"


def hidden_line(course, what):
    """One line of hidden material of the activations assignment."""
    prints = fingerprints(Course(course).assignment("activations"))
    return next(line for line, kind in sorted(prints.items()) if kind == what)


def test_the_released_course_leaks_nothing(course_copy):
    proc = dlcourse("audit", "--course", course_copy)
    assert "no leaks" in proc.stdout


def test_a_hidden_check_planted_in_a_released_notebook_is_found(course):
    line = hidden_line(course, "hidden checks")
    path = course / "release" / "activations" / "activations.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(f"# handy:\n{line}"))
    nbformat.write(nb, path)
    proc = dlcourse("audit", "activations", "--course", course, check=False)
    assert proc.returncode == 1, proc.stdout
    assert f"release/activations/activations.ipynb: hidden checks: {line[:60]}" in proc.stdout


def test_a_reference_line_in_generated_feedback_is_found(course):
    line = hidden_line(course, "reference solution")
    feedback = course / "feedback" / "alice" / "activations"
    feedback.mkdir(parents=True)
    highlighted = "".join(f'<span class="n">{token}</span> ' for token in line.replace("<", "&lt;").split())
    (feedback / "activations.html").write_text(f"<html><body><pre>{highlighted}</pre></body></html>")
    proc = dlcourse("audit", "--course", course, check=False)
    assert proc.returncode == 1 and "feedback/alice/activations/activations.html: reference solution" in proc.stdout


def test_a_release_that_would_leak_is_refused(course):
    line = hidden_line(course, "hidden checks")
    with open(course / "source" / "activations" / "public_checks.py", "a") as helper:
        helper.write(f"\n\n# copied from the grader by mistake\n{line}\n")
    shutil.rmtree(course / "release" / "activations")
    proc = run([BIN / "nbgrader", "generate_assignment", "activations", "--force"], cwd=course, check=False)
    assert proc.returncode != 0
    assert "refusing to release" in proc.stdout + proc.stderr
    assert not (course / "release" / "activations" / "activations.ipynb").exists()


def test_another_assignments_solution_in_a_released_notebook_is_found(course):
    """All assignments are released together: dropout's notebook must not answer backprop's."""
    prints = fingerprints(Course(course).assignment("backprop"))
    line = next(line for line, kind in sorted(prints.items()) if kind == "solution code")
    path = course / "release" / "dropout" / "dropout.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(f"def helper(scores):\n    {line}"))
    nbformat.write(nb, path)
    proc = dlcourse("audit", "dropout", "--course", course, check=False)
    assert proc.returncode == 1, proc.stdout
    assert f"release/dropout/dropout.ipynb: solution code of backprop: {line[:60]}" in proc.stdout
