"""Credit gated on correctness: a check of a function's properties counts only when its values are right.

A stub that returns zeros of the right shape and dtype passes every check of a property (dtype,
shape, no in-place change, stability, a numerical derivative of its own zero function...), so
counted alone those checks give points for code that computes nothing. Each hidden check
therefore says what it is about, with a marker:

- ``@values_of("sigmoid")``: it checks sigmoid's values (against the reference);
- ``@property_of("sigmoid")``: it checks a property of sigmoid's results, and counts towards its
  cell only when every ``values_of("sigmoid")`` check of the same cell passed.

A check with neither marker counts on its own. The rule holds per cell and per function, so what
is right keeps its points (sigmoid right and sigmoid_grad wrong: sigmoid's checks still count).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

import pytest

VALUES, PROPERTY = "values_of", "property_of"
MARKERS = {
    VALUES: "values_of(*functions): this check tests these functions' values",
    PROPERTY: "property_of(*functions): counts only when every values_of check of these functions in its cell passed",
}
values_of = getattr(pytest.mark, VALUES)
property_of = getattr(pytest.mark, PROPERTY)


def functions_named(item, marker: str) -> tuple[str, ...]:
    """The functions a check's markers of one kind name (a parametrized check may carry them per case)."""
    names = []
    for mark in item.iter_markers(marker):
        names += [name for name in mark.args if name not in names]
    return tuple(names)


def declaration_errors(checks) -> list[str]:
    """``checks``: (node id, grade_id, values_of, property_of) per collected check. A property of a function
    whose values no check of the same cell tests could never count: the instructor's mistake, said at once."""
    checks = list(checks)
    tested = defaultdict(set)
    for _, grade_id, values, _ in checks:
        tested[grade_id].update(values)
    return [f"{node_id} is marked property_of({name!r}), but no check of {grade_id} is marked values_of({name!r})"
            for node_id, grade_id, _, properties in checks for name in properties if name not in tested[grade_id]]


def gate(outcomes: list) -> list:
    """The outcomes as they count: a passed property check of a function whose values are wrong (a values
    check of it failed in the same cell) becomes a failure that says so. Its own failure message is kept
    when it failed anyway: that one says what to fix."""
    wrong = defaultdict(list)  # grade_id -> functions with a failed values check, in order
    for outcome in outcomes:
        if not outcome.passed:
            wrong[outcome.grade_id] += [f for f in outcome.values_of if f not in wrong[outcome.grade_id]]
    gated = []
    for outcome in outcomes:
        blocked = [f for f in outcome.property_of if f in wrong[outcome.grade_id]]
        if outcome.passed and blocked:
            names = " and ".join(blocked)
            outcome = dataclasses.replace(outcome, passed=False, message=(
                f"not counted: {names}'s values are wrong (see the check of its values); "
                "this check counts once they are right"))
        gated.append(outcome)
    return gated
