"""``dlcourse audit``: released files and feedback checked for hidden material."""

from __future__ import annotations

from ..course import Course
from .options import add_course


def add_parser(sub):
    audit = sub.add_parser("audit", help="check that released files and feedback hold no solution code, hidden checks "
                                         "or reference values (exit 1 if they do)")
    audit.add_argument("assignments", nargs="*", metavar="NAME", help="assignments (default: all)")
    add_course(audit)
    audit.set_defaults(run=cmd_audit)


def cmd_audit(args) -> int:
    from ..audit import audit_course

    course = Course(args.course)
    for name in args.assignments:
        course.assignment(name)  # unknown names are a usage error
    leaks, files = audit_course(course, args.assignments or None)
    for leak in leaks:
        print(f"LEAK {leak}")
    print(f"{files} student-visible files audited: " + (f"{len(leaks)} leak(s)" if leaks else "no leaks"))
    return 1 if leaks else 0
