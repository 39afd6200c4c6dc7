"""How does the single-machine hub hold up when a class logs in at once?

Starts the real hub (`dlcourse hub`, as root) with a roster of simulated students, then for
each class size N: N students log in at the same moment, each starts their server, opens a
kernel and runs a cell, as a browser would (tests/hub_client.py). Prints, per N, the p50 and
p95 time from asking for a server to the server answering, and to the cell's result, and the
failures; then stops the N servers before the next round.

    sudo .venv/bin/python benchmarks/hub_load.py [--users 10 30]

The simulated accounts (hubload-NN) are removed afterwards.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import statistics
import sys
import time

from simulated_class import simulated_class

from hub_client import HubUser  # noqa: E402 (tests/, on the path through simulated_class)

CELL = "import numpy as np\nprint(np.arange(10).sum())"


def one_student(url: str, name: str, password: str) -> tuple[float, float]:
    user = HubUser(url, name)
    user.login(password)
    started = time.monotonic()
    user.start_server(timeout=300)
    to_server = time.monotonic() - started
    if user.run_code(CELL, timeout=180).strip() != "45":
        raise AssertionError("the cell printed the wrong result")
    return to_server, time.monotonic() - started


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def stop_servers(url: str, admin: HubUser, names: list[str]):
    for name in names:
        admin.hub_api("DELETE", f"users/{name}/server")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        users = {u["name"]: u for u in admin.hub_api("GET", "users").json()}
        if not any(users.get(n, {}).get("server") or users.get(n, {}).get("pending") for n in names):
            return
        time.sleep(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, nargs="+", default=[10, 30], metavar="N", help="class sizes to try")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("hub_load.py needs root: the hub it measures runs every student as their own unix account")
    biggest = max(args.users)
    print(f"{os.cpu_count()} cores; starting the hub with {biggest} simulated students ...", flush=True)
    rows = []
    with simulated_class("hubload", biggest, "loadadmin") as (hub, names):
        admin = HubUser(hub.url, "loadadmin")
        admin.login(hub.password("loadadmin"))
        for n in args.users:
            class_ = names[:n]
            started = time.monotonic()
            with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
                futures = {pool.submit(one_student, hub.url, name, hub.password(name)): name for name in class_}
                results, failures = [], []
                for future in concurrent.futures.as_completed(futures):
                    try:
                        results.append(future.result())
                    except Exception as exc:  # a failed student is counted, the round goes on
                        failures.append(f"{futures[future]}: {exc}")
            wall = time.monotonic() - started
            rows.append((n, results, failures, wall))
            print(f"N={n}: done in {wall:.1f} s, {len(failures)} failure(s)", flush=True)
            for failure in failures:
                print(f"  {failure}")
            stop_servers(hub.url, admin, class_)
    print(f"\n{'N':>4} {'server p50':>11} {'server p95':>11} {'cell p50':>9} {'cell p95':>9} {'failures':>9} {'wall':>7}")
    for n, results, failures, wall in rows:
        server = [r[0] for r in results] or [float("nan")]
        cell = [r[1] for r in results] or [float("nan")]
        print(f"{n:>4} {statistics.median(server):>10.1f}s {percentile(server, 95):>10.1f}s "
              f"{statistics.median(cell):>8.1f}s {percentile(cell, 95):>8.1f}s {len(failures):>9} {wall:>6.1f}s")
    print("server: from asking for the server to JupyterLab answering; cell: from asking for the server to the "
          "result of a cell in a new kernel")


if __name__ == "__main__":
    main()
