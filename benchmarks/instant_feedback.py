"""How long from submitting to feedback, when the hub grades on arrival?

Starts the real hub (`dlcourse hub`, as root) with a roster of simulated students and grades the numpy
assignment `activations` on arrival (a correct notebook each time). Then:

- one: one student submits, waits for the feedback, and submits again, ROUNDS times;
- burst: every student submits at once (each through the intake, as their own account);
- killed: every student submits at once again, and the service is killed (SIGKILL) once a third of them are
  graded; the hub starts it again and it finishes the queue.

Prints, for each, p50 and p95 seconds from the submission being sent to its feedback being released (the
journal's time of release; the assignment list shows it at its next look, within 2 s), the spread of the
arrivals, the wall time, the submissions lost (sent but never graded) and the pairs taken out of arrival order
(a worker takes the oldest waiting submission, so there should be none; ``instant_client.overtaken``).

    sudo .venv/bin/python benchmarks/instant_feedback.py [--students 30] [--rounds 10]

The simulated accounts (instant-NN) are removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from simulated_class import simulated_class

from instant_client import (instant_feedback_pid, journal, overtaken, policy, prepare, submit,  # noqa: E402
                            wait_for_service, wait_for_sockets)  # (tests/, on the path)

ASSIGNMENT = "activations"
POLICY = f"""
[{ASSIGNMENT}]
instant_feedback = true
shown_before_deadline = "failed_checks"
counts = "last"
"""


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def released(state, students: list[str], sent: dict[str, float], timeout: float = 900,
             on_progress=lambda done: None) -> dict[str, float]:
    """Seconds from sending to release for each submission (its intake folder) in ``sent``."""
    deadline = time.monotonic() + timeout
    while True:
        rows = {r["folder"]: r for r in journal(state, students) if r["folder"] in sent}
        done = {f: r["finished_at"] - sent[f] for f, r in rows.items() if r["feedback"] == "released"}
        if len(done) == len(sent) or time.monotonic() > deadline:
            return done
        on_progress(done)
        time.sleep(1)


def out_of_order(state, students: list[str], folders) -> int:
    return len(overtaken([r for r in journal(state, students) if r["folder"] in folders]))


def one_at_a_time(state, student: str, rounds: int) -> tuple[list[float], int]:
    seconds, lost = [], 0
    for _ in range(rounds):
        started = time.time()
        receipt = submit(state, student, ASSIGNMENT)
        done = released(state, [student], {receipt["folder"]: started}, timeout=300)
        seconds += done.values()
        lost += 1 - len(done)
    return seconds, lost


def burst(state, students: list[str], kill: bool = False) -> tuple[list[float], int, float, int]:
    """Every student submits at once; with ``kill``, the service is killed once a third are graded."""
    def send(student):
        started = time.time()
        return student, submit(state, student, ASSIGNMENT), started

    with ThreadPoolExecutor(len(students)) as pool:
        receipts = list(pool.map(send, students))
    refused = [f"{s}: {r['error']}" for s, r, _ in receipts if "error" in r]
    for line in refused:
        print(f"  refused: {line}")
    sent = {r["folder"]: started for _s, r, started in receipts if "error" not in r}
    spread = max(sent.values()) - min(sent.values())
    killed = []

    def kill_once(done):
        if kill and not killed and len(done) >= len(sent) // 3:
            pid = instant_feedback_pid(state)
            os.kill(pid, signal.SIGKILL)
            killed.append(len(done))
            print(f"  killed the service with {len(done)} of {len(sent)} released; the hub started it again in "
                  f"{wait_for_service(state, pid):.1f} s", flush=True)

    done = released(state, students, sent, on_progress=kill_once)
    return list(done.values()), len(students) - len(done), spread, out_of_order(state, students, sent)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=30, help="the class submitting at once")
    parser.add_argument("--rounds", type=int, default=10, help="submissions of one student, one after the other")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("instant_feedback.py needs root: the hub it measures runs every student as their own unix account")
    print(f"{os.cpu_count()} cores; starting the hub with {args.students} simulated students ...", flush=True)
    rows = []
    with simulated_class("instant", args.students, "instantadmin") as (hub, names):
        wait_for_sockets(hub.state)
        with policy(hub.state, POLICY):
            for name in names:
                prepare(hub.state, name, ASSIGNMENT, "correct_np_where")
            started = time.monotonic()
            seconds, lost = one_at_a_time(hub.state, names[0], args.rounds)
            rows.append(("one", len(seconds) + lost, seconds, lost, 0.0, 0, time.monotonic() - started))
            print(f"one: {rows[-1][1]} submissions in {rows[-1][-1]:.1f} s", flush=True)
            for label, kill in (("burst", False), ("killed", True)):
                started = time.monotonic()
                seconds, lost, spread, late = burst(hub.state, names, kill)
                rows.append((label, len(names), seconds, lost, spread, late, time.monotonic() - started))
                print(f"{label}: {len(names)} submissions in {rows[-1][-1]:.1f} s", flush=True)
    print(f"\n{'':>6} {'submissions':>11} {'sent within':>11} {'p50':>7} {'p95':>7} {'max':>7} {'lost':>5} "
          f"{'out of order':>12} {'wall':>7}")
    for label, count, seconds, lost, spread, late, wall in rows:
        values = seconds or [float("nan")]
        print(f"{label:>6} {count:>11} {spread:>10.1f}s {statistics.median(values):>6.1f}s "
              f"{percentile(values, 95):>6.1f}s {max(values):>6.1f}s {lost:>5} {late:>12} {wall:>6.1f}s")
    print("seconds from a submission being sent to its feedback being released; one: each waits for the one before")


if __name__ == "__main__":
    main()
