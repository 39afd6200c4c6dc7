"""A game's results: the CSV the host downloads and the grades recorded in nbgrader's gradebook.

Both come from one table (``scores``), so they hold the same numbers. In the gradebook a game is
an assignment named after it with one notebook, ``quiz``, whose grade cells are its questions
(``q01`` ...), each worth MAX_POINTS; a player's grade for a question is the points they won.
Formgrader and ``nbgrader export`` show it like any other assignment. Only the course's students
get grades (an instructor who played along does not).
"""

from __future__ import annotations

import csv
import io
import math
from datetime import datetime, timezone
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory

from ..nbgrader_door import gradebook_lock
from ..nbgrader_door.config import course_config
from .game import MAX_POINTS, Game

NOTEBOOK = "quiz"


def cell_name(index: int) -> str:
    return f"q{index + 1:02d}"


def scores(game: Game) -> list[dict]:
    """One row per player: their points for each question played (0 when not answered) and the total."""
    played = [r.question for r in game.record.rounds]
    rows = []
    for standing in game.standings():
        row = {"student": standing.student, "points": standing.points, "correct": standing.correct}
        for index in played:
            answer = game.answers.get((index, standing.student))
            row[cell_name(index)] = answer.points if answer else 0
            row[f"{cell_name(index)}_answer"] = _shown(answer.answer) if answer else ""
        rows.append(row)
    return rows


def _shown(answer) -> str:
    if isinstance(answer, list):
        return "+".join(answer)
    if isinstance(answer, float):
        return repr(int(answer)) if answer.is_integer() and abs(answer) < 1e15 else repr(answer)
    return answer


def to_csv(game: Game) -> str:
    rows = scores(game)
    played = [cell_name(r.question) for r in game.record.rounds]
    columns = ["student", "points", "correct", *played, *(f"{c}_answer" for c in played)]
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


def _cell(value):
    # a spreadsheet runs a text cell starting with = + - @ as a formula: such text is quoted (numbers are not text)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def record_in_gradebook(game: Game, course_root: Path) -> dict:
    """Write the game's scores as the assignment ``game.id``; again replaces them. Returns who got grades."""
    config = course_config(Path(course_root))
    coursedir = CourseDirectory(config=config)
    coursedir.root = str(course_root)
    rows = scores(game)
    played = [r.question for r in game.record.rounds]
    ended = datetime.fromtimestamp(game.record.ended_at, timezone.utc)  # the submission's time in formgrader
    with gradebook_lock.holding(Path(course_root)), Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        students = {s.id for s in gb.students}
        gb.update_or_create_assignment(game.id)
        gb.update_or_create_notebook(NOTEBOOK, game.id)
        for index in played:
            gb.update_or_create_grade_cell(cell_name(index), NOTEBOOK, game.id, max_score=MAX_POINTS,
                                           cell_type="code")
        graded = []
        for row in rows:
            if row["student"] not in students:
                continue
            gb.update_or_create_submission(game.id, row["student"], timestamp=ended)
            for index in played:
                grade = gb.find_grade(cell_name(index), NOTEBOOK, game.id, row["student"])
                grade.auto_score = row[cell_name(index)]
                grade.manual_score = None
            gb.db.commit()
            graded.append(row["student"])
    return {"assignment": game.id, "graded": graded, "left_out": [r["student"] for r in rows if r["student"] not in graded]}
