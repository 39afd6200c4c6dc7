"""Can the live quiz keep up with a class? 50 simulated students play one game on the real hub.

Starts the real hub (`dlcourse hub`, as root) with a roster of simulated students, logs each in
and opens the quiz as its page does (through the hub's OAuth and proxy), connects each student's
screen (a websocket) and has every student join. The host then runs a game from a bank of three
questions (multiple choice, multi-select, numeric with per-student numbers); each student answers
every question at a random moment within 2 s of seeing it open. Prints the p50/p95 time from an
answer sent to the answer recorded (the service replies once it is on disk), and from a question's
reveal (the server's time of closing it) to each student's screen showing it (the same machine's
clock), and the answers lost (sent and acknowledged, but missing from the game's CSV).

    sudo .venv/bin/python benchmarks/quiz_load.py [--students 50]

The simulated accounts (quizload-NN) are removed afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import csv
import io
import json
import os
import random
import statistics
import sys
import time

import aiohttp
from hub_load import percentile
from simulated_class import simulated_class

from quiz_client import PREFIX, THREE_QUESTIONS, QuizUser, install_bank  # noqa: E402 (tests/, on the path through simulated_class)

ANSWER_WITHIN = 2.0  # seconds after a question opens


def log_in(hub, name: str) -> QuizUser:
    user = QuizUser(hub.url, name)
    user.login(hub.password(name))
    return user.open_quiz()


class Student:
    """One simulated student's screen and answers, in the benchmark's event loop."""

    def __init__(self, user: QuizUser, session: aiohttp.ClientSession):
        self.user, self.session = user, session
        self.headers = {"Cookie": "; ".join(f"{c.name}={c.value}" for c in user.http.cookies),
                        "X-XSRFToken": user.xsrf(PREFIX), "Origin": user.base}
        self.answered, self.revealed = set(), set()
        self.answer_seconds, self.reveal_seconds, self.late, self.refused = [], [], [], []
        self.acknowledged = {}  # question -> the answer the service said it recorded
        self.tasks = []

    async def play(self, ready: asyncio.Event):
        url = f"{self.user.base.replace('http', 'ws', 1)}{PREFIX}api/events?view=player"
        async with self.session.ws_connect(url, headers=self.headers, heartbeat=None) as ws:
            ready.set()
            async for message in ws:
                received = time.time()
                game = json.loads(message.data)["game"]
                if game is None:
                    continue
                question = game.get("question")
                if game["phase"] == "ended":
                    break
                if not question:
                    continue
                index = question["index"]
                if game["phase"] == "open" and question["eligible"] and index not in self.answered:
                    self.answered.add(index)
                    self.tasks.append(asyncio.create_task(self.answer(game, question)))
                elif game["phase"] == "revealed" and index not in self.revealed:
                    self.revealed.add(index)
                    self.reveal_seconds.append(received - question["closed_at"])
        await asyncio.gather(*self.tasks)

    async def answer(self, game: dict, question: dict):
        await asyncio.sleep(random.uniform(0, ANSWER_WITHIN - 0.3))
        if question["kind"] == "choice":
            value = random.choice(question["options"])["key"]
        elif question["kind"] == "multi":
            value = random.sample([o["key"] for o in question["options"]], 2)
        else:
            i, o = map(int, [w for w in question["text"].replace("?", "").split() if w.isdigit()][:2])
            value = i * o + o + random.choice([0, 1])
        opened = question["deadline"] - question["seconds"]
        sent = time.time()
        if sent - opened > ANSWER_WITHIN:
            self.late.append(sent - opened)
        body = {"game": game["id"], "question": question["index"], "answer": value}
        async with self.session.post(f"{self.user.base}{PREFIX}api/answer", json=body, headers=self.headers) as reply:
            await reply.read()
            if reply.status == 200:
                self.answer_seconds.append(time.time() - sent)
                self.acknowledged[question["index"]] = value
            else:
                self.refused.append(f"{self.user.name} q{question['index'] + 1}: HTTP {reply.status}")


async def run_game(host: QuizUser, users: list[QuizUser]) -> tuple[list[Student], str, float]:
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        students = [Student(u, session) for u in users]
        reply = await loop.run_in_executor(None, lambda: host.post("api/games", {"bank": "load_test"}))
        reply.raise_for_status()
        game_id = reply.json()["game"]
        connected = [asyncio.Event() for _ in students]
        playing = [asyncio.create_task(s.play(e)) for s, e in zip(students, connected)]
        await asyncio.gather(*(e.wait() for e in connected))
        for student in students:
            async with session.post(f"{student.user.base}{PREFIX}api/join", json={}, headers=student.headers) as r:
                r.raise_for_status()
        started = time.monotonic()
        for _ in range(3):
            await loop.run_in_executor(None, lambda: host.post(f"api/games/{game_id}/next").raise_for_status())
            while (await loop.run_in_executor(None, host.state, "host"))["game"]["phase"] != "revealed":
                await asyncio.sleep(0.2)
            await asyncio.sleep(1)  # the room looks at the chart
        await loop.run_in_executor(None, lambda: host.post(f"api/games/{game_id}/end").raise_for_status())
        await asyncio.wait_for(asyncio.gather(*playing), 60)
        return students, game_id, time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=50, metavar="N", help="simulated students (default 50)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("quiz_load.py needs root: the hub it measures runs with a unix account per student")
    print(f"{os.cpu_count()} cores; starting the hub with {args.students} simulated students ...", flush=True)
    with simulated_class("quizload", args.students, "quizhost") as (hub, names):
        install_bank(hub.state, "load_test", THREE_QUESTIONS)
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            users = list(pool.map(lambda name: log_in(hub, name), names))
            host = log_in(hub, "quizhost")
        print(f"{len(users)} students logged in and on the quiz's page; playing ...", flush=True)
        students, game_id, wall = asyncio.run(run_game(host, users))
        table = list(csv.DictReader(io.StringIO(host.get(f"api/games/{game_id}/results.csv").text)))
    kept = {(row["student"], i) for row in table for i in range(3) if row[f"q{i + 1:02d}_answer"]}
    acknowledged = {(s.user.name, i) for s in students for i in s.acknowledged}
    lost = len(acknowledged - kept)
    answers = [x for s in students for x in s.answer_seconds]
    reveals = [x for s in students for x in s.reveal_seconds]
    refused = [x for s in students for x in s.refused]
    late = [x for s in students for x in s.late]
    print(f"\n{args.students} students, 3 questions, game played in {wall:.1f} s (answers sent within "
          f"{ANSWER_WITHIN:g} s of each opening; {len(late)} sent later by the simulation itself)")
    print(f"{'':<28} {'n':>5} {'p50':>8} {'p95':>8} {'max':>8}")
    for label, values in (("answer sent -> recorded", answers), ("reveal -> student's screen", reveals)):
        print(f"{label:<28} {len(values):>5} {1000 * statistics.median(values):>6.0f}ms "
              f"{1000 * percentile(values, 95):>6.0f}ms {1000 * max(values):>6.0f}ms")
    print(f"answers recorded: {len(acknowledged)} of {3 * args.students}; refused: {len(refused)}; "
          f"lost (acknowledged, not in the CSV): {lost}")
    for line in refused[:10]:
        print(f"  {line}")


if __name__ == "__main__":
    main()
