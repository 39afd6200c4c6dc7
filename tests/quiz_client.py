"""The quiz service as a browser's scripts use it, over HTTP and websockets, for the tests and the benchmark.

Logging in is tests/hub_client.py's: opening the quiz's page goes through the hub's OAuth, which
sets the service's cookies (its XSRF token included).
"""

from __future__ import annotations

import json
import os
import pwd
import signal
import time
from pathlib import Path

import websocket
from hub_client import HubUser

PREFIX = "/services/quiz/"
# the game of the browser test and of benchmarks/quiz_load.py: multiple choice, multi-select, numbers per student
THREE_QUESTIONS = """\
title: Three questions
seconds: 60
questions:
  - choice: Which activation outputs values between 0 and 1?
    options:
      A: ReLU
      B: sigmoid
      C: tanh
      D: the identity <img src=x onerror="document.title='pwned'">
    answer: B
  - multi: Which of these help a model that overfits?
    options:
      A: more data
      B: more epochs
      C: dropout
    answer: A, C
  - number: A layer has {i} inputs and {o} outputs. How many weights and biases does it have?
    numbers:
      i: 2 to 40
      o: 2 to 40
    answer: i * o + o
"""


class QuizUser(HubUser):
    def open_quiz(self) -> QuizUser:
        self.open_page(PREFIX)
        return self

    def post(self, path: str, body=None, headers: dict | None = None, **kwargs):
        """A POST as the quiz's scripts send it: JSON, with the XSRF token of the quiz's page."""
        return self.http.post(f"{self.base}{PREFIX}{path}", json={} if body is None else body,
                              headers={"X-XSRFToken": self.xsrf(PREFIX), **(headers or {})}, **kwargs)

    def get(self, path: str, **kwargs):
        return self.http.get(f"{self.base}{PREFIX}{path}", **kwargs)

    def state(self, view: str = "player") -> dict:
        reply = self.get("api/state", params={"view": view})
        reply.raise_for_status()
        return reply.json()

    def answer(self, game: dict, value, **kwargs):
        return self.post("api/answer", {"game": game["id"], "question": game["question"]["index"], "answer": value},
                         **kwargs)

    def events(self, view: str = "player", origin: str | None = None, timeout: float = 30) -> websocket.WebSocket:
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        return websocket.create_connection(f"ws://{self.base.split('://', 1)[1]}{PREFIX}api/events?view={view}",
                                           header=[f"Cookie: {cookies}"], origin=origin or self.base, timeout=timeout)


def end_running_game(host: QuizUser):
    """A test starts from no running game, whatever a test before it left."""
    game = host.state("host")["game"]
    if game and game["phase"] != "ended":
        host.post(f"api/games/{game['id']}/end").raise_for_status()


def logged_in(hub, name: str) -> QuizUser:
    """``name`` logged in to the test's ``hub`` with the password it issued, the quiz opened."""
    user = QuizUser(hub.url, name)
    user.login(hub.password(name))
    return user.open_quiz()


def install_bank(state: Path, name: str, text: str) -> Path:
    """Write a bank into the hub's course as an instructor would (owned by the course's grader account)."""
    folder = state / "course" / "quiz_banks"
    path = folder / f"{name}.yaml"
    path.write_text(text)
    owner = folder.stat()
    os.chown(path, owner.st_uid, owner.st_gid)
    return path


def service_pid(state: Path, command: tuple[str, ...] = ("quiz", "serve")) -> int | None:
    """The service (the quiz's, unless ``command`` says) the hub started for this state folder (the test started
    that hub)."""
    wanted = [*command, "--course", str(state / "course")]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if any(args[i:i + len(wanted)] == wanted for i in range(len(args))):
            return int(entry.name)
    return None


def kill_service(state: Path) -> int:
    pid = service_pid(state)
    assert pid, "the quiz service is not running"
    os.kill(pid, signal.SIGKILL)
    return pid


def wait_for_service(user: QuizUser, state: Path, old_pid: int, timeout: float = 90) -> float:
    """Wait until the hub has started the service again and it answers; returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        pid = service_pid(state)
        if pid and pid != old_pid and user.get("api/state").status_code == 200:
            return time.monotonic() - started
        time.sleep(0.5)
    raise AssertionError(f"the hub did not restart the quiz service within {timeout:g} s")


def grader_account(state: Path) -> pwd.struct_passwd:
    return pwd.getpwuid((state / "course").stat().st_uid)


def receive_json(ws: websocket.WebSocket) -> dict:
    return json.loads(ws.recv())
