"""Modules the grader needs only once a notebook's cells have run, imported while they run.

nbgrader's package costs about 0.8 CPU-seconds to import (``cells.py`` says why). While the kernel runs the
student's cells the grader only waits for its messages, so a thread can import it then on the other core: a
process that grades one notebook no longer pays for it on top of the notebook's own time, and one that grades
many has it from the first notebook on.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading

log = logging.getLogger(__name__)
AFTER_CELLS = ("nbgrader.utils",)


class Preload:
    """``start()`` imports ``modules`` in a thread unless they are imported already; ``wait()`` before using
    them, so that only one thread imports them at a time."""

    def __init__(self, modules=AFTER_CELLS):
        self.modules = [m for m in modules if m not in sys.modules]
        self._thread: threading.Thread | None = None

    def start(self) -> Preload:
        if self.modules:
            self._thread = threading.Thread(target=self._import, name="dlcourse-preload", daemon=True)
            self._thread.start()
        return self

    def _import(self):
        for module in self.modules:
            try:
                importlib.import_module(module)
            except Exception:  # the import's own error is raised again where the module is used
                log.debug("preloading %s failed", module, exc_info=True)

    def wait(self):
        if self._thread is not None:
            self._thread.join()
