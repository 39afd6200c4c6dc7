"""Chained calls into the student's kernel, written as the computation they run.

A forward pass's cache, a Keras model or a ``tf.data.Dataset`` is whatever the student made it: it
must stay in the kernel, and only plain data comes back. A chain is a list of steps whose results
stay there; each step names its result as an assignment would, and later steps use it by that
name::

    [step("out, cache", "affine_forward", x, W, b),          # out, cache = affine_forward(x, W, b)
     step("grads", "affine_backward", dout, Ref("cache"))]   # grads = affine_backward(dout, cache)

with ``returns=["out", "grads"]`` naming what comes back. The names exist only in the grader: they
are resolved here into the wire's step numbers (``wire.StepResult``), so what crosses to the kernel
is the same plain, size-bounded data as any call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import wire


class ChainError(ValueError):
    """A chain that names a result wrongly: the hidden check's mistake, not the student's."""


@dataclass(frozen=True)
class Ref:
    """In a step's arguments: the result named ``name`` by an earlier step of the same chain."""

    name: str


@dataclass(frozen=True)
class Attr:
    """A step's target: the method ``method`` (dotted names allowed) of the earlier result named ``of``,
    e.g. ``Attr("model", "to_json")``."""

    of: str
    method: str


@dataclass(frozen=True)
class Library:
    """A step's target: a function of a module installed in the kernel,
    e.g. ``Library("keras.utils", "set_random_seed")``."""

    module: str
    name: str


Target = str | Attr | Library


@dataclass(frozen=True)
class Step:
    """``names = target(*args, **kwargs)`` in the kernel. ``names`` is one name (the whole result), several
    separated by commas (its items, in order, as ``out, cache = ...`` unpacks them) or None (nothing kept)."""

    names: str | None
    target: Target
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    def bound(self) -> list[str]:
        """The names this step's result gives, as written."""
        return [] if self.names is None else [n.strip() for n in self.names.split(",")]


def step(names: str | None, target: Target, /, *args, **kwargs) -> Step:
    """``names = target(*args, **kwargs)``, a step of a chain (any keyword goes to the target)."""
    return Step(names, target, args, kwargs)


class Names:
    """The names bound so far in a chain, each to a step's number and, for an unpacked result, its item."""

    def __init__(self):
        self._where: dict[str, tuple[int, int | None]] = {}

    def bind(self, number: int, s: Step) -> None:
        names = s.bound()
        for item, name in enumerate(names):
            if not name.isidentifier():
                raise ChainError(f"step {number} names its result {s.names!r}: each name must be an identifier")
            if name in self._where:
                raise ChainError(f"step {number} names its result {name!r} again: each name is bound once")
            self._where[name] = (number, item if len(names) > 1 else None)

    def result(self, name: str) -> wire.StepResult:
        """The wire's reference to the result named ``name``."""
        if name not in self._where:
            raise ChainError(f"no earlier step names its result {name!r}")
        return wire.StepResult(*self._where[name])

    def step_of(self, attr: Attr) -> int:
        """The number of the step whose whole result ``attr`` is a method of."""
        number, item = self._where.get(attr.of, (None, None))
        if number is None or item is not None:
            raise ChainError(f"Attr({attr.of!r}, ...) must name the whole result of an earlier step")
        return number

    def resolve(self, value):
        """``value`` with every ``Ref`` (also inside lists, tuples and dicts) replaced by the wire's reference."""
        if type(value) is Ref:
            return self.result(value.name)
        if type(value) in (list, tuple):
            return type(value)(self.resolve(v) for v in value)
        if type(value) is dict:
            return {k: self.resolve(v) for k, v in value.items()}
        return value
