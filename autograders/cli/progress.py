"""Progress of a grading run: a live bar with ETA in a terminal, one line per submission otherwise."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from ..plain_text import plain
from ..reports import score_text


class GradingProgress:
    def __init__(self, total: int, interactive: bool | None = None):
        self.total = total
        self.done = 0
        self.failures = 0
        self.console = Console(stderr=True, highlight=False)
        self.interactive = sys.stderr.isatty() if interactive is None else interactive
        self._bar = None

    def __enter__(self):
        if self.interactive:
            self._bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[failures]} failed"), TimeElapsedColumn(),
                                 TextColumn("ETA"), TimeRemainingColumn(), console=self.console)
            self._bar.start()
            self._task = self._bar.add_task("grading", total=self.total, failures=0)
        return self

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.stop()

    def finished(self, job):
        self.done += 1
        self.failures += any(r.error for r in job.results)
        if self._bar is not None:
            self._bar.update(self._task, advance=1, failures=self.failures)
            return
        for r in job.results:
            status = f"error: {r.error}" if r.error else score_text(r)
            print(plain(f"[{self.done}/{self.total}] {job.label} {status} ({r.seconds:.1f} s)"), file=sys.stderr,
                  flush=True)
