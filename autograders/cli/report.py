"""``dlcourse report``: the class report of the course's gradebook."""

from __future__ import annotations

from pathlib import Path

from .. import reports
from ..course import Course
from .options import add_course, check_writable


def add_parser(sub):
    report = sub.add_parser("report", help="write the class report of the course's gradebook: what each assignment's "
                                           "hidden checks caught, who is at risk, late and missing submissions")
    add_course(report)
    report.add_argument("--html", required=True, metavar="FILE", help="write the report as one HTML page to FILE")
    report.set_defaults(run=cmd_report)


def cmd_report(args) -> int:
    from .. import gradebook_analytics, report_page

    course = Course(args.course)
    check_writable("html", args.html)
    folder = Path(args.html).resolve().parent
    data = gradebook_analytics.load(course.root, lambda notebook: reports.file_link(notebook.autograded, folder))
    Path(args.html).write_text(report_page.render(data, f"Class report: {course.root.name}"))
    print(f"{args.html}: {len(data.students)} students, {len(data.assignments)} assignments")
    return 0
