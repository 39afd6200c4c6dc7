"""The release a grading computes from a source notebook, kept in the course's cache by its content."""

import shutil
import stat

import nbformat
import pytest

from autograders import course as course_module
from autograders.course import Course
from conftest import ROOT


@pytest.fixture
def course(tmp_path):
    root = tmp_path / "course"
    shutil.copytree(ROOT / "course", root, ignore=shutil.ignore_patterns(
        "gradebook.db", "release", "submitted", "autograded", "feedback", ".dlcourse-cache", "__pycache__"))
    return root


def test_a_release_is_kept_for_every_grading_account_and_read_back_without_nbgrader(course, monkeypatch):
    released = Course(course).assignment("activations").released_nb
    (kept,) = (course / ".dlcourse-cache" / "release").glob("activations-*.ipynb")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o644  # root's grading and the instructor's read the same cache
    monkeypatch.setattr(course_module, "_release", lambda nb: pytest.fail("released again"))
    assert Course(course).assignment("activations").released_nb == released


def test_a_changed_source_or_a_garbled_cache_is_released_again_and_other_assignments_keep_theirs(course):
    cache = course / ".dlcourse-cache" / "release"
    first = Course(course).assignment("activations").released_nb
    (kept,) = cache.glob("activations-*.ipynb")
    other = cache / f"activations-extra-{'0' * 20}.ipynb"  # another assignment's, whose name begins the same way
    other.write_text("{}")
    kept.write_text("not a notebook")
    assert Course(course).assignment("activations").released_nb == first
    source = course / "source" / "activations" / "activations.ipynb"
    nb = nbformat.read(source, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("A new introduction."))
    nbformat.write(nb, source)
    again = Course(course).assignment("activations").released_nb
    assert again.cells[0].source == "A new introduction."
    left = {p.name for p in cache.iterdir()}
    assert other.name in left and kept.name not in left and len(left) == 2  # the new release and the other's
