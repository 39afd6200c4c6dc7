"""The concepts quiz as a bank: its questions from the course's notebook, its key from the hidden reference.

Nothing is copied: the questions' order and titles are read from the source notebook's headings,
their texts, options and per-student numbers from the quiz's own ``quiz.py`` (so a student meets the
same numbers in the game as in their notebook; the game shuffles the options itself), the answers
(the right options' texts) from ``autograders/assignments/concepts_quiz/reference.py``. The key stays
on the server: the game sends a student only their question, and the answer after the reveal.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from ..assignments.concepts_quiz import reference
from ..course import Course
from .bank import OPTION_KEYS, Bank, Option, Question

NAME = "concepts_quiz"
TITLE = "Concepts quiz"
SECONDS = {"choice": 30, "multi": 40, "number": 90}  # per-student numbers want pen and paper
_HEADING = re.compile(r"^###\s+(q\d+)\s*(?::\s*(.*))?$")


@dataclass(frozen=True)
class VariantQuestion(Question):
    """A question whose numbers ``quiz.py`` draws from the student's id, answered by the reference."""

    qid: str = ""
    title: str = ""
    quiz: ModuleType | None = None

    @property
    def per_student(self) -> bool:
        return True

    def text_for(self, student: str) -> str:
        return self.quiz.question_text(self.qid, student)

    def host_text(self) -> str:
        return f"{self.title[:1].upper()}{self.title[1:]}: each student has their own numbers."

    def expected(self, student: str) -> float:
        return float(reference.variant_answers(self.quiz.variant(student))[self.qid])


def load(course_root: Path) -> Bank:
    assignment = Course(course_root).assignment(NAME)
    quiz = _quiz_module(assignment.source_dir / "quiz.py")
    questions = []
    for qid, title in _questions(assignment.source_nb):
        kind = quiz.FORMS[qid]  # named as the game's kinds: choice, multi, number
        if qid in quiz.VARIANT_QUESTIONS:
            questions.append(VariantQuestion(kind, title, SECONDS[kind], tolerance=reference.TOLERANCE[qid],
                                             qid=qid, title=title, quiz=quiz))
            continue
        text, texts = quiz.OPTION_QUESTIONS[qid]
        options = tuple(Option(key, option) for key, option in zip(OPTION_KEYS, texts))
        key = frozenset(o.key for o in options if o.text in reference.right_options(qid))
        questions.append(Question(kind, text, SECONDS[kind], options=options, key=key))
    return Bank(NAME, TITLE, tuple(questions))


def _questions(nb):
    """(id, title) of each question's markdown cell, in the notebook's order."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = [line.strip() for line in cell.source.splitlines() if line.strip()]
        if lines and (heading := _HEADING.match(lines[0])):
            yield heading[1], heading[2] or heading[1]


def _quiz_module(path: Path) -> ModuleType:
    """The course's ``quiz.py`` (the instructor's own, student-visible helper), loaded from the course."""
    spec = importlib.util.spec_from_file_location("dlcourse_concepts_quiz_helpers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
