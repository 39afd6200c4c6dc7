"""Where the machine's CPU goes while a benchmark phase runs: the whole machine (/proc/stat) and the
hub's processes (those descended from ``dlcourse hub``) by kind (hub, proxy, students' servers, kernels,
the hub's services), and this client.

A process's CPU is read from /proc/<pid>/stat every ``interval`` seconds while the phase runs, so a
process that lives through the phase is counted whole and a short-lived one (a kernel) up to its last
reading. The machine's figure holds everything else running on it too (other users' work included).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
KINDS = ("hub", "proxy", "servers", "kernels", "services", "clients")


def machine_cpu() -> float:
    """CPU-seconds all cores spent busy since boot (idle and I/O wait excluded)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / TICKS


def kind_of(cmdline: list[str], student_bin: str) -> str | None:
    text = " ".join(cmdline)
    if "configurable-http-proxy" in text:
        return "proxy"
    if "ipykernel_launcher" in text:
        return "kernels"
    if "jupyterhub-singleuser" in text:
        return "servers" if text.startswith(student_bin) else "services"  # formgrader runs the grader's
    if any(part.endswith("/jupyterhub") for part in cmdline[:2]):
        return "hub"
    # the culler, the warm-up, and the dlcourse services (grading, intake, quiz)
    if "jupyterhub_idle_culler" in text or "autograders.hub." in text or cmdline[0].endswith("/dlcourse"):
        return "services"
    return None


def _stat(pid: str) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _process_cpu(pid: str) -> float:
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / TICKS


def _descends_from(pid: str, root: int) -> bool:
    while pid not in ("0", "1"):
        if int(pid) == root:
            return True
        pid = _stat(pid)[1]
    return False


class PhaseCPU:
    """``with PhaseCPU(hub_pid, student_bin) as meter: ...``; then ``meter.machine`` and ``meter.by_kind``."""

    def __init__(self, hub_pid: int, student_bin: str, interval: float = 0.5):
        self.hub_pid, self.student_bin, self.interval = hub_pid, student_bin, interval
        self._kinds: dict[str, str | None] = {}
        self._start: dict[str, float] = {}
        self._last: dict[str, float] = {}
        self._stop = threading.Event()
        self.machine = 0.0
        self.by_kind = dict.fromkeys(KINDS, 0.0)

    def _read(self) -> dict[str, float]:
        seen = {}
        for entry in os.scandir("/proc"):
            pid = entry.name
            if not pid.isdigit():
                continue
            try:
                if pid not in self._kinds:
                    argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
                    if int(pid) == os.getpid():
                        self._kinds[pid] = "clients"
                    else:
                        self._kinds[pid] = _descends_from(pid, self.hub_pid) and kind_of(argv, self.student_bin)
                if self._kinds[pid]:
                    seen[pid] = _process_cpu(pid)
            except (OSError, ValueError, IndexError):
                continue  # gone meanwhile
        return seen

    def _sample(self):
        while not self._stop.wait(self.interval):
            self._last.update(self._read())

    def __enter__(self):
        self._start = self._read()
        self._last = dict(self._start)
        self._machine_start = machine_cpu()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._last.update(self._read())
        self.machine = machine_cpu() - self._machine_start
        for pid, cpu in self._last.items():
            self.by_kind[self._kinds[pid]] += cpu - self._start.get(pid, 0.0)


def idle_memory_mb(pids: list[int]) -> tuple[float, float]:
    """Mean proportional (PSS) and resident (RSS) memory of these processes, in MB."""
    pss, rss = [], []
    for pid in pids:
        try:
            fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
        except OSError:
            continue
        pss.append(int(fields["Pss"].split()[0]) / 1024)
        rss.append(int(fields["Rss"].split()[0]) / 1024)
    return (sum(pss) / len(pss), sum(rss) / len(rss)) if pss else (float("nan"), float("nan"))


def servers_of(users: set[str], student_bin: str) -> list[int]:
    """Pids of the students' servers of these accounts."""
    import pwd

    uids = {pwd.getpwnam(u).pw_uid for u in users}
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                argv = Path(f"/proc/{entry.name}/cmdline").read_bytes().decode(errors="replace").split("\0")
                if kind_of(argv, student_bin) == "servers" and entry.stat().st_uid in uids:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found
