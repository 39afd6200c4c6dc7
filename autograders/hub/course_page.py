"""The course page on the hub's home page: what a student sees first after logging in.

The text is the course page notebook's (``source/00_course_page``, written by the instructor), with
the schedule's table in place of its marker, rendered to HTML once when the hub starts.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from ..course import COURSE_PAGE, Course
from ..schedule import TABLE_MARKER, read_schedule


def course_page_html(course_dir: Path) -> str:
    """The page as HTML; empty for a course that has none."""
    notebook = course_dir / "source" / COURSE_PAGE / f"{COURSE_PAGE}.ipynb"
    if not notebook.is_file():
        return ""
    course = Course(course_dir)
    schedule = read_schedule(course.root, course.assignment_names())
    text = "\n\n".join(cell.source for cell in nbformat.read(notebook, as_version=4).cells
                       if cell.cell_type == "markdown")
    return markdown2html_mistune(text.replace(TABLE_MARKER, schedule.markdown_table()))
