"""What a check counts towards and what it is about, declared in one line above it.

``@grades("test_softmax", property_of="softmax")`` is ``@pytest.mark.grades("test_softmax")`` (the
autograder test cell, ``engine/checks.py``) and ``@property_of("softmax")`` (it counts only when
softmax's values are right, ``engine/gating.py``): the two markers the engine reads, put on together.
"""

from __future__ import annotations

import pytest

from autograders.engine import gating


def grades(cell: str, *, values_of: str | tuple[str, ...] = (), property_of: str | tuple[str, ...] = ()):
    """The check counts towards the test cell ``cell``; it tests the values of the functions ``values_of``, or a
    property of the results of the functions ``property_of`` (a name or a tuple of names each)."""
    marks = [pytest.mark.grades(cell)]
    for marker, names in ((gating.values_of, values_of), (gating.property_of, property_of)):
        names = (names,) if isinstance(names, str) else tuple(names)
        if names:
            marks.append(marker(*names))

    def mark(check):
        for m in marks:
            check = m(check)
        return check
    return mark
