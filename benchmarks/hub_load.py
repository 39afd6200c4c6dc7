"""How does the single-machine hub hold up when a class logs in?

Starts the real hub (`dlcourse hub`, as root) with a roster of simulated students. In each scenario
every student logs in, starts their server, opens a kernel and runs a cell, as a browser would
(tests/hub_client.py):

- ``cold-N``: N students at the same moment, no server running (N = 10, 30, 50);
- ``ramp-50``: 50 students arriving evenly over 2 minutes;
- ``warm-50``: 50 students at the same moment after `dlcourse hub --warm` started their servers.

Prints, per scenario, the p50 and p95 seconds from asking for the server to the server answering and
to the cell's result, the failures, the CPU-seconds per login (the machine's busy CPU time during the
scenario divided by the logins, and the part of it the hub's processes spent), the memory of an idle
server, then where the hub's CPU went (hub, proxy, servers, kernels, services, this client).

    sudo .venv/bin/python benchmarks/hub_load.py [--scenarios cold-10 cold-30 cold-50 ramp-50 warm-50]

The simulated accounts (hubload-NN) are removed afterwards.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from process_cpu import KINDS, PhaseCPU, idle_memory_mb, servers_of
from simulated_class import ROOT, class_roster

# tests/, on the path through simulated_class
from conftest import BIN, running_hub  # noqa: E402
from hub_client import HubUser  # noqa: E402

CELL = "import numpy as np\nprint(np.arange(10).sum())"
SCENARIOS = ("cold-10", "cold-30", "cold-50", "ramp-50", "warm-50")
RAMP_SECONDS = 120
STUDENT_BIN = str(ROOT / ".venv-student" / "bin")


@dataclass
class Outcome:
    name: str
    logins: int
    results: list[tuple[float, float, float]] = field(default_factory=list)  # login, to server, to cell
    failures: list[str] = field(default_factory=list)
    wall: float = 0.0
    machine_cpu: float = 0.0
    by_kind: dict[str, float] = field(default_factory=dict)
    memory: tuple[float, float] = (float("nan"), float("nan"))


def one_student(url: str, name: str, password: str, delay: float) -> tuple[float, float, float]:
    time.sleep(delay)
    user = HubUser(url, name)
    at_the_door = time.monotonic()
    user.login(password)
    started = time.monotonic()
    user.start_server(timeout=300)
    to_server = time.monotonic() - started
    if user.run_code(CELL, timeout=180).strip() != "45":
        raise AssertionError("the cell printed the wrong result")
    return started - at_the_door, to_server, time.monotonic() - started


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def running(admin: HubUser, names: list[str]) -> set[str]:
    users = {u["name"]: u for u in admin.hub_api("GET", "users").json()}
    return {n for n in names if users.get(n, {}).get("server") and not users[n].get("pending")}


def stop_servers(admin: HubUser, names: list[str]):
    for name in names:
        admin.hub_api("DELETE", f"users/{name}/server")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        users = {u["name"]: u for u in admin.hub_api("GET", "users").json()}
        if not any(users.get(n, {}).get("server") or users.get(n, {}).get("pending") for n in names):
            return
        time.sleep(1)


def scenario(name: str, hub, names: list[str], spread: float) -> Outcome:
    """Every student of ``names`` logs in, starts their server and runs a cell; arrivals spread over ``spread`` s."""
    outcome = Outcome(name, len(names))
    started = time.monotonic()
    with PhaseCPU(hub.process.pid, STUDENT_BIN) as meter, \
            concurrent.futures.ThreadPoolExecutor(max_workers=len(names)) as pool:
        futures = {pool.submit(one_student, hub.url, student, hub.password(student), i * spread / len(names)): student
                   for i, student in enumerate(names)}
        for future in concurrent.futures.as_completed(futures):
            try:
                outcome.results.append(future.result())
            except Exception as exc:  # a failed student is counted, the round goes on
                outcome.failures.append(f"{futures[future]}: {exc}")
    outcome.wall = time.monotonic() - started
    outcome.machine_cpu, outcome.by_kind = meter.machine, meter.by_kind
    time.sleep(3)  # the kernels are shut down; the servers idle
    outcome.memory = idle_memory_mb(servers_of(set(names), STUDENT_BIN))
    print(f"{name}: done in {outcome.wall:.1f} s, {len(outcome.failures)} failure(s)", flush=True)
    for failure in outcome.failures:
        print(f"  {failure}")
    return outcome


def wait_until_warm(hub, admin: HubUser, names: list[str], timeout: float = 600) -> float:
    started = time.monotonic()
    while len(running(admin, names)) < len(names):
        if time.monotonic() - started > timeout:
            raise AssertionError(f"only {len(running(admin, names))} of {len(names)} servers warm after {timeout:g} s")
        time.sleep(2)
    return time.monotonic() - started


def supports_warm() -> bool:
    return "--warm" in subprocess.run([str(BIN / "dlcourse"), "hub", "--help"], capture_output=True, text=True).stdout


def run(scenarios: list[str], names: list[str], folder: Path) -> list[Outcome]:
    roster, state = folder / "roster.csv", folder / "state"
    outcomes = []
    cold = [s for s in scenarios if not s.startswith("warm")]
    if cold:
        with running_hub(state, "--roster", str(roster)) as hub:
            admin = HubUser(hub.url, "loadadmin")
            admin.login(hub.password("loadadmin"))
            for name in cold:
                kind, n = name.split("-")
                class_ = names[:int(n)]
                outcomes.append(scenario(name, hub, class_, RAMP_SECONDS if kind == "ramp" else 0))
                stop_servers(admin, class_)
    for name in [s for s in scenarios if s.startswith("warm")]:
        class_ = names[:int(name.split("-")[1])]
        if not supports_warm():
            print(f"{name}: skipped, this checkout's `dlcourse hub` has no --warm")
            continue
        # the same state folder: the course is prepared already, so this start is the hub's alone
        with running_hub(state, "--roster", str(roster), "--warm") as hub:
            admin = HubUser(hub.url, "loadadmin")
            admin.login(hub.password("loadadmin"))
            took = wait_until_warm(hub, admin, class_)
            print(f"{name}: {len(class_)} servers warm {took:.0f} s after the hub came up", flush=True)
            time.sleep(10)  # the last batch settles
            outcomes.append(scenario(name, hub, class_, 0))
    return outcomes


def report(outcomes: list[Outcome]):
    print(f"\n{'scenario':<9} {'login p95':>9} {'server p50':>10} {'p95':>6} {'cell p50':>9} {'p95':>6} {'fail':>5} "
          f"{'CPU-s/login':>12} {'(hub procs)':>11} {'MB/idle server':>15} {'wall':>6}")
    for o in outcomes:
        login = [r[0] for r in o.results]
        server = [r[1] for r in o.results]
        cell = [r[2] for r in o.results]
        hub_cpu = sum(v for k, v in o.by_kind.items() if k != "clients")
        print(f"{o.name:<9} {percentile(login, 95):>8.1f}s {percentile(server, 50):>9.1f}s "
              f"{percentile(server, 95):>5.1f}s {percentile(cell, 50):>8.1f}s "
              f"{percentile(cell, 95):>5.1f}s {len(o.failures):>5} {o.machine_cpu / o.logins:>12.2f} "
              f"{hub_cpu / o.logins:>11.2f} {o.memory[0]:>7.0f} ({o.memory[1]:.0f}) {o.wall:>5.0f}s")
    print("login: the login form's answer (password hashing, one core fewer than the machine's at a time); "
          "server: from asking for the server to JupyterLab answering; cell: to the result of a cell in a new "
          "kernel. CPU-s/login: the machine's busy CPU time during the scenario / logins (other work on the "
          "machine included); (hub procs): the hub's processes' part. MB/idle server: PSS (RSS) of a server "
          "after its kernel closed.")
    print(f"\nCPU-s per login by process: {'  '.join(f'{k:>8}' for k in KINDS)}")
    for o in outcomes:
        print(f"{o.name:<27} {'  '.join(f'{o.by_kind.get(k, 0) / o.logins:>8.2f}' for k in KINDS)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS, metavar="NAME",
                        help=f"which to run, in this order (default: all of {', '.join(SCENARIOS)})")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("hub_load.py needs root: the hub it measures runs every student as their own unix account")
    biggest = max(int(s.split("-")[1]) for s in args.scenarios)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; a hub with {biggest} simulated "
          "students ...", flush=True)
    with class_roster("hubload", biggest, "loadadmin") as (folder, names):
        outcomes = run(args.scenarios, names, folder)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    report(outcomes)


if __name__ == "__main__":
    main()
