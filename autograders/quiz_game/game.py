"""One game: its phases, who may answer what and when, points, and what each screen is shown.

A game goes lobby -> question 1 open -> revealed -> question 2 open -> ... -> ended. The server's
clock decides: an answer counts only while its question is open and before its deadline, once per
student, from a student who joined before the question opened (latecomers play from the next
one). What a student is sent is built for that student alone: their question with their own
numbers and option order, their own answer and, after the reveal only, the right answer, their
points and their place. The answers of others reach only the host's screen, and as counts.
Every change is written to the store before it is applied here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from tornado.web import HTTPError

from .bank import Bank, Question
from .store import AlreadyAnswered, Answer, GameRecord, Round, Store

MAX_POINTS = 1000  # a right answer given at once; half of it at the last moment (as the deck's game does)
LEADERBOARD_SIZE = 10  # places shown on the projector


class Refused(HTTPError):
    """A request the game turns down, with the HTTP status and the sentence that say why."""

    def __init__(self, status: int, message: str):
        super().__init__(status, "%s", message)  # as an argument: a bank's text may hold a %


def points(correct: bool, elapsed: float, seconds: int) -> int:
    if not correct:
        return 0
    return round(MAX_POINTS * (1 - min(max(elapsed / seconds, 0.0), 1.0) / 2))


def option_order(game_id: str, question: int, student: str, keys: list[str]) -> list[str]:
    """The order a student sees a question's options in: the same on every reload, different per student."""
    return sorted(keys, key=lambda k: hashlib.sha256(f"{game_id}:{question}:{student}:{k}".encode()).digest())


@dataclass
class Standing:
    student: str
    points: int
    correct: int


class Game:
    def __init__(self, store: Store, record: GameRecord, bank: Bank):
        self.store, self.record, self.bank = store, record, bank
        self.answers: dict[tuple[int, str], Answer] = {(a.question, a.student): a for a in record.answers}

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def round(self) -> Round | None:
        return self.record.rounds[-1] if self.record.rounds else None

    @property
    def phase(self) -> str:
        if self.record.ended_at is not None:
            return "ended"
        if self.round is None:
            return "lobby"
        return "open" if self.round.closed_at is None else "revealed"

    def question(self, index: int) -> Question:
        return self.bank.questions[index]

    # -- what players do ---------------------------------------------------------------------------
    def join(self, student: str, now: float):
        if self.phase == "ended":
            raise Refused(409, "the game is over")
        if student not in self.record.players:
            self.store.add_player(self.id, student, now)
            self.record.players[student] = now

    def eligible(self, student: str, round_: Round) -> bool:
        joined = self.record.players.get(student)
        return joined is not None and joined < round_.opened_at

    def answer(self, student: str, game_id, question, raw, now: float) -> Answer:
        """Keep ``student``'s answer, or refuse it with the reason. ``now`` is when the request arrived."""
        if game_id != self.id or self.phase == "ended":
            raise Refused(409, "this game is not running")
        current = self.round
        if current is None or question != current.question:
            raise Refused(409, "that question is not open")
        if student not in self.record.players:
            raise Refused(409, "join the game first")
        if not self.eligible(student, current):
            raise Refused(409, "you joined during this question: you play from the next one")
        if (question, student) in self.answers:
            raise Refused(409, "you already answered this question")
        if current.closed_at is not None or now > current.deadline:
            raise Refused(409, "time is up for this question")
        q = self.question(question)
        try:
            value = q.read_answer(raw)
        except ValueError as exc:
            raise Refused(400, str(exc)) from None
        correct = q.is_correct(student, value)
        answer = Answer(question, student, value, now, correct, points(correct, now - current.opened_at, q.seconds))
        try:
            self.store.add_answer(self.id, answer)
        except AlreadyAnswered:
            raise Refused(409, "you already answered this question") from None
        self.answers[(question, student)] = answer
        return answer

    def everyone_answered(self) -> bool:
        current = self.round
        eligible = [s for s in self.record.players if self.eligible(s, current)]
        return bool(eligible) and all((current.question, s) in self.answers for s in eligible)

    # -- what the host does -------------------------------------------------------------------------
    def open_next(self, now: float) -> Round:
        if self.phase not in ("lobby", "revealed"):
            raise Refused(409, "the current question is still open" if self.phase == "open" else "the game is over")
        index = 0 if self.round is None else self.round.question + 1
        if index >= len(self.bank.questions):
            raise Refused(409, "that was the last question: end the game")
        round_ = Round(index, now, now + self.question(index).seconds)
        self.store.open_round(self.id, round_)
        self.record.rounds.append(round_)
        return round_

    def close(self, now: float):
        """Close the open question (its time is up, everyone answered, or the host says so)."""
        if self.phase != "open":
            return
        self.store.close_round(self.id, self.round.question, now)
        self.round.closed_at = now

    def end(self, now: float):
        self.close(now)
        self.store.end_game(self.id, now)
        self.record.ended_at = now

    # -- results -------------------------------------------------------------------------------------
    def standings(self) -> list[Standing]:
        """Every player by points (then by name), counting the questions that have closed."""
        closed = {r.question for r in self.record.rounds if r.closed_at is not None}
        table = {s: Standing(s, 0, 0) for s in self.record.players}
        for (question, student), answer in self.answers.items():
            if question in closed and student in table:
                table[student].points += answer.points
                table[student].correct += answer.correct
        return sorted(table.values(), key=lambda s: (-s.points, s.student))

    def distribution(self, index: int) -> dict:
        question, round_ = self.question(index), self.record.rounds[index]
        given = [a for (q, _), a in self.answers.items() if q == index]
        eligible = sum(self.eligible(s, round_) for s in self.record.players)
        counts = {o.key: 0 for o in question.options}
        for answer in given:
            for key in ([answer.answer] if question.kind == "choice" else answer.answer if question.kind == "multi"
                        else []):
                counts[key] += 1
        right = sum(a.correct for a in given)
        return {"options": [{"key": o.key, "text": o.text, "count": counts[o.key], "correct": o.key in question.key}
                            for o in question.options],
                "right": right, "wrong": len(given) - right, "none": max(eligible - len(given), 0),
                "answered": len(given), "eligible": eligible}

    # -- what each screen is sent ---------------------------------------------------------------------
    def _summary(self) -> dict:
        return {"id": self.id, "title": self.bank.title, "bank": self.bank.name, "phase": self.phase,
                "questions": len(self.bank.questions), "recorded": self.record.recorded_at is not None}

    def host_view(self) -> dict:
        view = {**self._summary(), "players": sorted(self.record.players)}
        current = self.round
        if current is not None:
            q = self.question(current.question)
            view["question"] = {
                "index": current.question, "kind": q.kind, "text": q.host_text(), "per_student": q.per_student,
                "options": [{"key": o.key, "text": o.text} for o in q.options], "seconds": q.seconds,
                "deadline": current.deadline, "closed_at": current.closed_at,
                "answered": sum(1 for (i, _) in self.answers if i == current.question),
                "eligible": sum(self.eligible(s, current) for s in self.record.players)}
            if current.closed_at is not None:
                view["question"]["distribution"] = self.distribution(current.question)
                if q.kind == "number" and not q.per_student:
                    view["question"]["expected"] = q.expected("")
        if self.phase in ("revealed", "ended"):
            view["leaderboard"] = [vars(s) for s in self.standings()[:LEADERBOARD_SIZE]]
        if self.phase == "ended":
            view["accuracy"] = [{"index": r.question, "text": self.question(r.question).host_text(),
                                 **{k: v for k, v in self.distribution(r.question).items() if k != "options"}}
                                for r in self.record.rounds]
        return view

    def player_view(self, student: str) -> dict:
        view = {**self._summary(), "joined": student in self.record.players}
        current = self.round
        if current is not None and view["joined"]:
            q = self.question(current.question)
            mine = self.answers.get((current.question, student))
            order = option_order(self.id, current.question, student, [o.key for o in q.options])
            texts = {o.key: o.text for o in q.options}
            view["question"] = {
                "index": current.question, "kind": q.kind, "text": q.text_for(student), "seconds": q.seconds,
                "options": [{"key": k, "text": texts[k]} for k in order], "deadline": current.deadline,
                "closed_at": current.closed_at,
                "eligible": self.eligible(student, current), "answered": mine is not None,
                "answer": mine.answer if mine else None}
            if current.closed_at is not None:
                expected = q.expected(student)
                view["question"]["result"] = {
                    "correct": bool(mine and mine.correct), "points": mine.points if mine else 0,
                    "expected": sorted(expected) if isinstance(expected, frozenset) else expected}
        if self.phase in ("revealed", "ended") and view["joined"]:
            table = self.standings()
            place = next(i for i, s in enumerate(table, 1) if s.student == student)
            view["standing"] = {"place": place, "of": len(table), "points": table[place - 1].points}
        return view
