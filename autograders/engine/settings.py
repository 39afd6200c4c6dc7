"""Each grading setting declared once: its type, default, unit and help.

Everything else is derived from this declaration: ``dlcourse grade``'s options (``cli/grade.py``), the configurable
traits of nbgrader's engine step (``nbgrader_door/engine_step.py``), what root's grading service takes from the
nbgrader that asks it (``nbgrader_door/grading_service.py``), and what a batch hands its workers (the settings
object itself). A new setting is a new field here, and nothing else.
"""

import dataclasses
import math
import re
from dataclasses import dataclass

from ..errors import UsageError
from .sandbox import Limits, unavailable_reason, warn_once

_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")  # a text setting names something: a kernel



class InvalidSetting(UsageError):
    """A setting's value of the wrong type or out of its range; the message names the setting."""


def _setting(default, help: str, *, unit: str | None = None, option: str | None = None, from_client: bool = True):
    """A field of ``GradingSettings``. ``unit``: what its number counts (said in its help; such a number must be
    positive and finite). ``option``: its command-line option, when it is not ``--<name>``; a switch's option turns
    its default around. ``from_client``: whether root's grading service takes it from the nbgrader that asks."""
    return dataclasses.field(default=default, metadata={"help": help, "unit": unit, "option": option,
                                                        "from_client": from_client})


@dataclass(frozen=True, kw_only=True)
class GradingSettings:
    kernel_name: str = _setting("python3", "the kernel that runs submissions", option="--kernel")
    cell_timeout: float = _setting(60.0, "how long one student cell may run", unit="seconds")
    call_timeout: float = _setting(30.0, "how long one call of a hidden check into the student's code may run",
                                   unit="seconds")
    seed: int = _setting(0, "the seed of the hidden checks' random inputs, fixed so that a grade is reproducible")
    notebook_timeout: float = _setting(900.0, "how long everything of one notebook may take: its cells, the hidden "
                                              "checks' calls and the model's evaluation", unit="seconds")
    sandbox: bool = _setting(True, "run kernels in the grading sandbox (an unprivileged user, limits, no network) "
                                   "where the machine allows it; off is for debugging trusted notebooks only: a "
                                   "hostile one can then read and do what the grader can",
                             option="--no-sandbox", from_client=False)
    allow_network: bool = _setting(False, "let the sandboxed kernels reach the network", from_client=False)

    def __post_init__(self):
        for spec in SETTINGS:
            spec.check(getattr(self, spec.name))

    @classmethod
    def from_client(cls, asked: dict) -> "GradingSettings":
        """The settings root's grading service grades with: what its client asked of those it may choose, each
        checked, the others their defaults (the sandbox always on, the network always off)."""
        if not isinstance(asked, dict):
            raise InvalidSetting(f"the settings must be an object, got {type(asked).__name__}")
        if refused := sorted(set(asked) - {s.name for s in SETTINGS if s.from_client}):
            raise InvalidSetting(f"the grading service chooses these settings itself: {', '.join(map(str, refused))}")
        return cls(**asked)

    def for_service(self) -> dict:
        """What a client of root's grading service asks for (``from_client`` reads it)."""
        return {s.name: getattr(self, s.name) for s in SETTINGS if s.from_client}

    def limits(self) -> Limits | None:
        """The sandbox's limits, or None for a plain kernel (not asked for, or not possible here: warned)."""
        if not self.sandbox:
            return None
        if reason := unavailable_reason():
            warn_once(reason)
            return None
        return Limits(network=self.allow_network)


@dataclass(frozen=True)
class Setting:
    """One field of ``GradingSettings`` as its declaration says it."""

    name: str
    type: type
    default: object
    help: str
    unit: str | None
    option: str
    from_client: bool

    @property
    def described(self) -> str:
        """The help that every place showing the setting shows: what it is, its unit, its default."""
        unit = f", in {self.unit}" if self.unit else ""
        return f"{self.help}{unit} (default: {self.shown(self.default)})"

    @property
    def metavar(self) -> str:
        return "S" if self.unit == "seconds" else {int: "N", float: "X", str: "NAME"}.get(self.type, "")

    @staticmethod
    def shown(value) -> str:
        if isinstance(value, bool):
            return "on" if value else "off"
        return f"{value:g}" if isinstance(value, float) else str(value)

    def check(self, value):
        """``value`` if it is one this setting can take; otherwise InvalidSetting, which says why."""
        number = self.type in (int, float)
        fits = type(value) is self.type or (self.type is float and type(value) is int)
        if not fits:
            raise InvalidSetting(f"{self.name} must be {'a number' if number else self.type.__name__}, "
                                 f"got {type(value).__name__}")
        if self.type is str and not _NAME.fullmatch(value):
            raise InvalidSetting(f"{self.name} must be a name of letters, digits, '.', '_' or '-', got {value[:80]!r}")
        if self.unit and not (math.isfinite(value) and value > 0):
            raise InvalidSetting(f"{self.name} must be positive and finite ({self.unit}), got {value:g}")
        return value

    def parse(self, text: str):
        """The value a command-line argument gives this setting (ValueError if it gives none)."""
        return self.check(self.type(text))


SETTINGS = tuple(Setting(f.name, f.type, f.default, f.metadata["help"], f.metadata["unit"],
                         f.metadata["option"] or f"--{f.name.replace('_', '-')}", f.metadata["from_client"])
                 for f in dataclasses.fields(GradingSettings))
