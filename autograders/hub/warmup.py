"""The hub's warm-up service: the roster's servers running before a class walks in.

Thirty students logging in at once each wait for a server start that costs a second or more of CPU;
started a few minutes earlier, one batch after another, the same starts cost nobody a wait. Within a
class's window (``classes.py``: from ``warm_minutes_before`` its start to ``keep_warm_minutes_after``
it), or from ``dlcourse hub --warm`` on, this service starts each student's server once, through the
hub's API (so as their own account, with their limits, like a login would), ``batch`` at a time, the
next batch only when the last one answers and while the machine keeps ``KEEP_FREE`` of its memory free.
Until the window ends it reports the warm servers active, so the idle culler leaves them alone; after
that, the culler's own timeout applies. The reports come from a thread of their own: a batch whose start
outlasts the culler's timeout must not cost the servers started before it.

Run by the hub (``hub_config/jupyterhub_config.py``) with its API token in the environment.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import requests

from . import classes
from .settings import SETTINGS_ENV, HubSettings

log = logging.getLogger("dlcourse.warmup")
# the share of the machine's memory warm-up leaves free, for the kernels a class starts (a TensorFlow
# kernel training the course's CNN takes about 1.5 GB)
KEEP_FREE = 0.25
SERVER_MEMORY = 200 * 2**20  # what one more idle server may take (README, Load: about 110 MB, PSS)


def available_memory() -> tuple[int, int]:
    """(available, total) bytes, from /proc/meminfo."""
    info = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    return int(info["MemAvailable"].split()[0]) * 1024, int(info["MemTotal"].split()[0]) * 1024


def room_for(servers: int) -> bool:
    available, total = available_memory()
    return available - servers * SERVER_MEMORY >= KEEP_FREE * total


class HubAPI:
    def __init__(self, url: str, token: str):
        self.url = url.rstrip("/")
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"token {token}"

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        reply = self.http.request(method, f"{self.url}/{path}", timeout=30, **kwargs)
        if reply.status_code >= 400 and reply.status_code != 429:
            raise RuntimeError(f"{method} {path}: HTTP {reply.status_code} {reply.text[:200]}")
        return reply

    def servers(self, names: list[str]) -> dict[str, str]:
        """'ready', 'pending' or 'stopped' for each of ``names``."""
        users = {u["name"]: u for u in self.call("GET", "users").json()}
        states = {}
        for name in names:
            server = users.get(name, {}).get("servers", {}).get("")
            states[name] = "stopped" if not server else "pending" if server.get("pending") or not server.get(
                "ready") else "ready"
        return states

    def start(self, name: str) -> bool:
        """False when the hub asks to come back later (too many starts at once)."""
        return self.call("POST", f"users/{name}/server").status_code != 429

    def report_active(self, names: list[str]):
        now = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
        for name in names:
            self.call("POST", f"users/{name}/activity", json={"last_activity": now,
                                                              "servers": {"": {"last_activity": now}}})


class WarmUp:
    def __init__(self, api: HubAPI, students: list[str], course_root: Path, *, now: bool, batch: int,
                 start_timeout: float):
        self.api, self.students, self.course_root = api, students, course_root
        self.batch, self.start_timeout = batch, start_timeout
        self.schedule = classes.Schedule()
        self.schedule_stamp = None
        # ``dlcourse hub --warm``: a class starting now
        self.asked_at = datetime.now() if now else None
        self.warmed: dict[datetime, set[str]] = {}  # per class start, who was started (once each)

    def read_schedule(self):
        path = self.course_root / classes.FILE_NAME
        stamp = path.stat().st_mtime if path.exists() else None
        if stamp != self.schedule_stamp:
            try:
                self.schedule = classes.load(self.course_root)
                log.info("class schedule %s: %d single class(es), %d weekly", self.schedule.source,
                         len(self.schedule.once), len(self.schedule.weekly))
            except classes.ScheduleError as exc:
                log.error("%s (keeping the schedule read before)", exc)
            self.schedule_stamp = stamp

    def windows(self, now: datetime) -> list[datetime]:
        starts = self.schedule.starts_near(now)
        if self.asked_at and now < self.asked_at + self.schedule.keep_warm_after:
            starts.append(self.asked_at)
        return starts

    def step(self):
        self.read_schedule()
        starts = self.windows(datetime.now())
        if not starts:
            self.warmed.clear()
            return
        states = self.api.servers(self.students)
        running = [n for n, state in states.items() if state != "stopped"]
        started = set().union(*(self.warmed.setdefault(s, set()) for s in starts))
        cold = [n for n in self.students if states[n] == "stopped" and n not in started]
        for first in range(0, len(cold), self.batch):
            batch = cold[first:first + self.batch]
            if not room_for(len(batch)):
                log.warning("warm-up stops at %d of %d servers: the machine keeps %d%% of its memory free for "
                            "kernels", len(running), len(self.students), KEEP_FREE * 100)
                return
            batch = [name for name in batch if self.api.start(name)]
            for start in starts:
                self.warmed[start].update(batch)
            self.wait_for(batch)
            running += batch
        if cold:
            log.info("warm-up: %d of %d students' servers running", len(running), len(self.students))

    def keep_warm(self, api: HubAPI):
        """Within a class's window, tell the hub the students' running servers are active (the idle culler
        leaves them). Called from the reporting thread, with an API session of its own."""
        if self.windows(datetime.now()):
            states = api.servers(self.students)
            api.report_active([n for n, state in states.items() if state == "ready"])

    def wait_for(self, names: list[str]):
        deadline = time.monotonic() + self.start_timeout
        while names and time.monotonic() < deadline:
            time.sleep(1)
            states = self.api.servers(names)
            names = [n for n in names if states[n] == "pending"]
        if names:
            log.warning("warm-up: servers of %s not up after %g s", ", ".join(names), self.start_timeout)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Start the roster's servers before a class (a hub service).")
    parser.add_argument("--now", action="store_true", help="a class starts now (dlcourse hub --warm)")
    parser.add_argument("--batch", type=int, default=max(1, (os.cpu_count() or 1) - 1),
                        help="servers started at once (default: one core fewer than the machine has, so the "
                             "servers already running keep a core)")
    parser.add_argument("--every", type=float, default=30,
                        help="seconds between checks of the schedule; also how often warm servers are reported "
                             "active, so keep it under the idle culler's timeout")
    parser.add_argument("--start-timeout", type=float, default=120, help="seconds a batch may take to start")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[%(levelname).1s %(asctime)s %(name)s] %(message)s")
    settings = HubSettings.load(os.environ[SETTINGS_ENV])

    def api() -> HubAPI:
        return HubAPI(os.environ["JUPYTERHUB_API_URL"], os.environ["JUPYTERHUB_API_TOKEN"])

    warm = WarmUp(api(), settings.students, Path(settings.course_root), now=args.now, batch=max(1, args.batch),
                  start_timeout=args.start_timeout)
    reporter = api()
    threading.Thread(target=_every, args=(args.every, warm.keep_warm, reporter), daemon=True).start()
    try:
        _every(args.every, warm.step)
    except KeyboardInterrupt:  # the hub stops its services with SIGINT
        return 0


def _every(seconds: float, task, *args):
    while True:
        try:
            task(*args)
        except (requests.RequestException, RuntimeError) as exc:
            log.warning("warm-up: %s", exc)
        time.sleep(seconds)


if __name__ == "__main__":
    sys.exit(main())
