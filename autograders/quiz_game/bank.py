"""Question banks: the YAML files in a course's ``quiz_banks/`` folder, checked with errors that name the line.

A bank is written by hand by an instructor, so it is read as data and nothing else: strictyaml
(no implicit types, no tags, no flow style, duplicate keys refused) with a schema, and a numeric
answer is an arithmetic expression over the question's per-student numbers evaluated by
simpleeval (no attribute access, no calls beyond a few maths functions). Every mistake is
reported as ``FILE, line N: what is wrong``: the lines of the checks made here come from
ruamel.yaml's record of where each key and item stands (strictyaml's own line numbers are
recomputed from a re-dump of the document and drift past comments and folded text). The format
is documented in the README.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import string
from dataclasses import dataclass, field
from pathlib import Path

import simpleeval
import strictyaml as sy
from ruamel.yaml import YAML
from strictyaml.ruamel.error import MarkedYAMLError

from ..errors import DlcourseError

KINDS = ("choice", "multi", "number")
OPTION_KEYS = "ABCDEF"
SECONDS = range(3, 601)  # the time a question may be open, in seconds
DEFAULT_SECONDS = 20
MAX_BANK_BYTES = 256 * 1024
MAX_QUESTIONS = 100
MAX_TEXT = 1000  # characters of a question or an option
MAX_DRAWS = 10_000  # values one per-student number may take
CHECKED_DRAWS = 50  # draws on which an answer expression must compute, when the bank is read
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,59}")
_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]{0,30}"
# what an answer expression may call besides arithmetic
FUNCTIONS = {"abs": abs, "min": min, "max": max, "round": round, "floor": math.floor, "ceil": math.ceil,
             "sqrt": math.sqrt, "exp": math.exp, "log": math.log}

_QUESTION = sy.Map({
    **{sy.Optional(kind): sy.Str() for kind in KINDS},
    sy.Optional("options"): sy.MapPattern(sy.Regex(f"[{OPTION_KEYS}]"), sy.Str()),
    sy.Optional("answer"): sy.Str(),
    sy.Optional("tolerance"): sy.Float(),
    sy.Optional("numbers"): sy.MapPattern(sy.Regex(_IDENTIFIER), sy.Str()),
    sy.Optional("seconds"): sy.Int(),
})
_SCHEMA = sy.Map({"title": sy.Str(), sy.Optional("seconds"): sy.Int(), "questions": sy.Seq(_QUESTION)})


class BankError(DlcourseError):
    """A bank that cannot be played, with where the mistake is."""

    def __init__(self, where: str, line: int | None, message: str):
        self.where, self.line, self.message = where, line, message
        super().__init__(f"{where}, line {line}: {message}" if line else f"{where}: {message}")


class _Source:
    """Where a bank came from, and the line of each of its keys and items."""

    def __init__(self, where: str, text: str):
        self.where = where
        self.positions = YAML(typ="rt").load(text)  # read after strictyaml accepted it: the same structure

    def line(self, *path) -> int:
        node = self.positions
        for step in path[:-1]:
            node = node[step]
        last = path[-1]
        return (node.lc.item(last) if isinstance(last, int) else node.lc.key(last))[0] + 1

    def error(self, path: tuple, message: str) -> BankError:
        return BankError(self.where, self.line(*path), message)


@dataclass(frozen=True)
class Option:
    key: str
    text: str


@dataclass(frozen=True)
class Question:
    """One question. Its text may hold ``{name}`` placeholders for numbers drawn per student."""

    kind: str  # one of KINDS
    text: str
    seconds: int
    options: tuple[Option, ...] = ()
    key: frozenset[str] = frozenset()  # the right options of a choice or multi question
    answer: str = ""  # a number question's answer: an expression over its numbers
    tolerance: float = 0.0
    numbers: dict[str, tuple[float, ...]] = field(default_factory=dict)  # name -> the values drawn from
    salt: str = ""  # seeds the per-student draws: the bank's name and the question's place

    @property
    def per_student(self) -> bool:
        return bool(self.numbers)

    def numbers_for(self, student: str) -> dict[str, float]:
        draw = random.Random(hashlib.sha256(f"{self.salt}:{student}".encode()).digest())
        return {name: draw.choice(values) for name, values in sorted(self.numbers.items())}

    def text_for(self, student: str) -> str:
        return self.text.format(**self.numbers_for(student)) if self.numbers else self.text

    def host_text(self) -> str:
        """The text for the projector: each per-student number shown by its name."""
        if not self.numbers:
            return self.text
        return "".join(literal + (f"[{name}]" if name else "")
                       for literal, name, _, _ in string.Formatter().parse(self.text))

    def expected(self, student: str) -> frozenset[str] | float:
        if self.kind == "number":
            return _evaluate(self.answer, self.numbers_for(student))
        return self.key

    def is_correct(self, student: str, answer) -> bool:
        """``answer`` as ``read_answer`` returns it."""
        expected = self.expected(student)
        if self.kind == "number":
            return math.isclose(answer, expected, rel_tol=1e-9, abs_tol=self.tolerance)
        return frozenset([answer] if self.kind == "choice" else answer) == expected

    def read_answer(self, raw):
        """A student's answer as sent (untrusted JSON), in the form it is kept; ValueError says what is wrong."""
        keys = {o.key for o in self.options}
        if self.kind == "choice":
            if not isinstance(raw, str) or raw not in keys:
                raise ValueError(f"a choice answer is one of {', '.join(sorted(keys))}")
            return raw
        if self.kind == "multi":
            if (not isinstance(raw, list) or not raw or not all(isinstance(k, str) and k in keys for k in raw)
                    or len(set(raw)) != len(raw)):
                raise ValueError(f"a multi-select answer is a list of distinct options among {', '.join(sorted(keys))}")
            return sorted(raw)
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw) or abs(raw) > 1e15:
            raise ValueError("a numeric answer is a finite number")
        return float(raw)


@dataclass(frozen=True)
class Bank:
    name: str
    title: str
    questions: tuple[Question, ...]
    source: str | None = None  # the YAML text a file bank was read from (kept with each game)


def bank_name(path: Path) -> str:
    if not NAME.fullmatch(path.stem):
        raise BankError(str(path), None, "a bank's file name is letters, digits, '-' and '_' (at most 60) "
                                         "followed by .yaml")
    return path.stem


def load_file(path: Path) -> Bank:
    name = bank_name(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BANK_BYTES + 1)
    except OSError as exc:
        raise BankError(str(path), None, f"cannot be read: {exc.strerror}") from None
    if len(data) > MAX_BANK_BYTES:
        raise BankError(str(path), None, f"is over {MAX_BANK_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise BankError(str(path), line, "is not UTF-8 text") from None
    return load_text(name, text, str(path))


def load_text(name: str, text: str, where: str) -> Bank:
    """The bank ``name`` from its YAML ``text``; ``where`` names it in errors."""
    try:
        doc = sy.load(text, _SCHEMA, label=where).data
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(str(p).strip() for p in (exc.context, exc.problem) if p)
        raise BankError(where, mark.line + 1 if mark else None, message) from None
    source = _Source(where, text)
    default = _seconds(doc, ("seconds",), DEFAULT_SECONDS, source)
    title = _text(doc["title"], ("title",), source, "the title")
    entries = doc["questions"]
    if not entries:
        raise source.error(("questions",), "a bank needs at least one question")
    if len(entries) > MAX_QUESTIONS:
        raise source.error(("questions", MAX_QUESTIONS), f"a bank holds at most {MAX_QUESTIONS} questions")
    questions = tuple(_question(entry, ("questions", i), default, f"{name}:{i}", source)
                      for i, entry in enumerate(entries))
    return Bank(name, title, questions, text)


def _question(entry: dict, at: tuple, default_seconds: int, salt: str, source: _Source) -> Question:
    kinds = [k for k in KINDS if k in entry]
    if len(kinds) != 1:
        raise source.error(at, f"each question starts with one of {', '.join(KINDS)}: its kind, followed by its text")
    kind = kinds[0]
    text = _text(entry[kind], (*at, kind), source, "a question")
    seconds = _seconds(entry, (*at, "seconds"), default_seconds, source)
    if "answer" not in entry:
        raise source.error(at, "the question has no answer")
    answer_at = (*at, "answer")
    if kind == "number":
        if "options" in entry:
            raise source.error((*at, "options"), "a number question has no options")
        numbers = _numbers(entry["numbers"], (*at, "numbers"), source) if "numbers" in entry else {}
        _check_placeholders(text, numbers, (*at, kind), source)
        tolerance = entry.get("tolerance", 0.0)
        if not math.isfinite(tolerance) or tolerance < 0:
            raise source.error((*at, "tolerance"), "the tolerance is a number >= 0")
        question = Question(kind, text, seconds, answer=entry["answer"].strip(), tolerance=tolerance,
                            numbers=numbers, salt=salt)
        _check_expression(question, answer_at, source)
        return question
    for key in ("numbers", "tolerance"):
        if key in entry:
            raise source.error((*at, key), f"only number questions have {key}")
    if "options" not in entry:
        raise source.error(at, f"a {kind} question needs options (A, B, ...)")
    options = _options(entry["options"], (*at, "options"), source)
    keys = [k.strip() for k in entry["answer"].split(",")]
    given = {o.key for o in options}
    if kind == "choice" and len(keys) != 1:
        raise source.error(answer_at, "a choice question has one right option: use multi for several")
    if unknown := [k for k in keys if k not in given]:
        raise source.error(answer_at, f"the answer names {', '.join(repr(k) for k in unknown)}, which is not "
                                      f"among the options {', '.join(sorted(given))}")
    if len(set(keys)) != len(keys):
        raise source.error(answer_at, "the answer names an option twice")
    return Question(kind, text, seconds, options=options, key=frozenset(keys), salt=salt)


def _text(value: str, at: tuple, source: _Source, what: str) -> str:
    text = value.strip()
    if not text:
        raise source.error(at, f"{what} is empty")
    if len(text) > MAX_TEXT:
        raise source.error(at, f"{what} is over {MAX_TEXT} characters")
    return text


def _seconds(node: dict, at: tuple, default: int, source: _Source) -> int:
    if at[-1] not in node:
        return default
    seconds = node[at[-1]]
    if seconds not in SECONDS:
        raise source.error(at, f"seconds is the time to answer, from {SECONDS.start} to {SECONDS.stop - 1}")
    return seconds


def _options(node: dict, at: tuple, source: _Source) -> tuple[Option, ...]:
    keys = list(node)
    if len(keys) < 2 or keys != list(OPTION_KEYS[:len(keys)]):
        raise source.error(at, f"options are named A, B, C ... in order (2 to {len(OPTION_KEYS)})")
    return tuple(Option(key, _text(node[key], (*at, key), source, f"option {key}")) for key in keys)


_RANGE = re.compile(r"(\S+)\s+to\s+(\S+)(?:\s+step\s+(\S+))?")


def _numbers(node: dict, at: tuple, source: _Source) -> dict[str, tuple[float, ...]]:
    """Each number: a list of values (``28, 32, 64``) or a range (``0.5 to 6 step 0.5``, step 1 by default)."""
    numbers = {}
    for name, spec in node.items():
        try:
            if match := _RANGE.fullmatch(spec.strip()):
                low, high = _number(match[1]), _number(match[2])
                step = _number(match[3]) if match[3] else 1
                if step <= 0 or high < low:
                    raise ValueError("a range goes up: FROM to TO step STEP, with TO >= FROM and STEP > 0")
                count = math.floor((high - low) / step + 1e-9) + 1
                if count > MAX_DRAWS:
                    raise ValueError(f"a range holds at most {MAX_DRAWS} values")
                values = tuple(low + i * step if isinstance(low + step, int) else round(low + i * step, 12)
                               for i in range(count))
            else:
                values = tuple(_number(v) for v in spec.split(","))
        except ValueError as exc:
            raise source.error((*at, name), f"{name}: {exc}") from None
        numbers[name] = values
    return numbers


def _number(text: str) -> float:
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number; write values as '1, 2.5, 4' or a range as "
                         "'1 to 10' or '0.5 to 5 step 0.5'") from None
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return value


def _check_placeholders(text: str, numbers: dict, at: tuple, source: _Source):
    if not numbers:
        return
    try:
        for _, name, _, conversion in string.Formatter().parse(text):
            if name is not None and (name not in numbers or conversion):
                raise ValueError(f"{{{name}}} is not one of its numbers ({', '.join(numbers)}); "
                                 "write a literal brace as {{ or }}")
        text.format(**{n: v[0] for n, v in numbers.items()})
    except (ValueError, IndexError, KeyError) as exc:
        raise source.error(at, f"the text's placeholders: {exc}") from None


def _check_expression(question: Question, at: tuple, source: _Source):
    """The answer must compute for a spread of students' numbers."""
    try:
        for i in range(CHECKED_DRAWS if question.numbers else 1):
            question.expected(f"check-{i}")
    except (ValueError, ArithmeticError, TypeError, SyntaxError, simpleeval.InvalidExpression) as exc:
        raise source.error(at, f"the answer {question.answer!r} does not compute: {exc}") from None


def _evaluate(expression: str, numbers: dict[str, float]) -> float:
    value = simpleeval.SimpleEval(names=dict(numbers), functions=FUNCTIONS).eval(expression)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"gives {value!r}, not a finite number")
    return float(value)
