"""Do floods of logins slow the hub down for everyone else?

Starts the real hub (`dlcourse hub`, as root, the demo roster) and, while one user's requests to the hub
(GET /hub/api/user) are timed, sends from 32 threads:

- "guessing": 400 logins as one student with wrong passwords (each from the same address);
- "a class at once": 200 logins with the right passwords, of the roster's three students.

Prints the other user's request times (p50, p95, max) when the hub is quiet and during each flood, and
what became of the logins. Password checks cost about 0.25 s of CPU each (bcrypt).

    sudo .venv/bin/python benchmarks/login_flood.py
"""

from __future__ import annotations

import collections
import concurrent.futures
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from conftest import running_hub  # noqa: E402
from hub_client import HubUser  # noqa: E402

THREADS = 32


def login_outcome(url: str, name: str, password: str) -> str:
    reply = HubUser(url, name).try_login(password)
    if reply.status_code == 302:
        return "logged in"
    return "refused by the back-off" if "Too many failed logins" in reply.text else "wrong password"


def timed_requests(user: HubUser, stop: threading.Event) -> list[float]:
    times = []
    while not stop.is_set():
        started = time.monotonic()
        user.hub_api("GET", "user").raise_for_status()
        times.append(time.monotonic() - started)
        time.sleep(0.05)
    return times


def during(user: HubUser, flood) -> tuple[list[float], float, collections.Counter]:
    stop = threading.Event()
    with concurrent.futures.ThreadPoolExecutor(1) as timer:
        times = timer.submit(timed_requests, user, stop)
        started = time.monotonic()
        outcomes = flood()
        wall = time.monotonic() - started
        stop.set()
        return times.result(), wall, outcomes


def row(label: str, times: list[float], wall: float | None = None, outcomes=None) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    text = (f"{label:<34} p50 {statistics.median(times) * 1000:6.0f} ms  p95 {p95 * 1000:6.0f} ms  "
            f"max {times[-1] * 1000:6.0f} ms  ({len(times)} requests)")
    if outcomes is not None:
        text += f"; {wall:.1f} s: " + ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items()))
    return text


def main():
    if os.geteuid() != 0:
        sys.exit("login_flood.py needs root: the hub it measures runs every student as their own unix account")
    folder = Path(tempfile.mkdtemp(prefix="dlcourse-login-flood-"))
    folder.chmod(0o755)
    try:
        with running_hub(folder / "state") as hub:
            watcher = HubUser(hub.url, "instructor")
            watcher.login(hub.password("instructor"))
            quiet = during(watcher, lambda: time.sleep(3) or collections.Counter())[0]

            def flood(logins):
                with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
                    return collections.Counter(pool.map(lambda args: login_outcome(hub.url, *args), logins))

            guessing = during(watcher, lambda: flood([("bob", f"guess-{i}") for i in range(400)]))
            students = ["alice", "bob", "carol"]
            time.sleep(11)  # bob's first refusal (CourseAuthenticator.first_lock) is over
            class_ = during(watcher, lambda: flood([(students[i % 3], hub.password(students[i % 3]))
                                                     for i in range(200)]))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\n{os.cpu_count()} cores; another user's GET /hub/api/user while {THREADS} threads log in:")
    print(row("quiet", quiet))
    print(row("400 wrong passwords of one student", *guessing))
    print(row("200 right passwords of 3 students", *class_))


if __name__ == "__main__":
    main()
