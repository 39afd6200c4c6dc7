"""``dlcourse selftest``: the hidden checks on the instructor's own notebook, for many seeds."""

from __future__ import annotations

from ..course import Course
from ..engine import check_seeds
from .options import add_course, positive_int


def add_parser(sub):
    selftest = sub.add_parser("selftest", help="check that the hidden checks pass the instructor's own notebook "
                                                 "for many seeds (a check that does not is flaky)")
    selftest.add_argument("assignments", nargs="*", metavar="NAME", help="assignments (default: all)")
    add_course(selftest)
    selftest.add_argument("--seeds", type=positive_int, default=10, metavar="N", help="seeds 0..N-1 (default 10)")
    selftest.set_defaults(run=cmd_selftest)


def cmd_selftest(args) -> int:
    course = Course(args.course)
    names = args.assignments or course.assignment_names()
    assignments = [course.assignment(name) for name in names]
    flaky = 0
    for assignment in assignments:
        outcomes = check_seeds(assignment, range(args.seeds))
        failed = [(seed, o) for seed, runs in outcomes.items() for o in runs if not o.passed]
        total = sum(len(runs) for runs in outcomes.values())
        print(f"{assignment.name}: {total - len(failed)} of {total} check runs passed "
              f"({len(outcomes[0])} checks x {args.seeds} seeds)")
        for seed, outcome in failed:
            print(f"  seed {seed}: {outcome.grade_id}: {outcome.name}: {outcome.message}")
        flaky += bool(failed)
    return 1 if flaky else 0
