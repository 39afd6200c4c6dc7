"""Kernels started ahead: the next notebook's kernel boots while the grader checks the current one.

A sandboxed kernel takes most of a second to start (bubblewrap, the sandbox user, ipykernel's imports), a
quarter of grading an activations notebook, and the grader's process waits for it. Nothing of a kernel's
start depends on the submission but the files of its home and the student's id, so a worker starts the next
one as soon as the current notebook's cells have run (``SpareKernels.start``), in a sandbox user and an empty
writable space of its own, while the checks run. The next notebook takes it (``take``), copies the
submission's folder into its home and tells it the student before any of its cells run: still a fresh
kernel, a fresh user and a fresh private folder per submission. Only sandboxed kernels are started ahead (a
plain kernel's working folder is the submission's own, known only when it comes).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from jupyter_core.utils import run_sync

from . import sandbox
from .runner import STUDENT_VARIABLE, SandboxedKernelManager, end_launch, kill_at_once, launch, seat

log = logging.getLogger(__name__)


def _key(kernel_name, env, limits) -> tuple:
    """What a kernel started ahead must share with a notebook's to be its kernel: everything but the student."""
    seen = sandbox.kernel_environment(env if env is not None else os.environ)
    seen.pop(STUDENT_VARIABLE, None)
    return kernel_name, limits, tuple(sorted(seen.items()))


class SpareKernel:
    """One sandboxed kernel started before its notebook is known: a sandbox user and an empty writable space of
    its own, nothing run in it. ``NotebookRunner`` takes it over (``ids``, ``space``, ``seat``, ``km``,
    ``socket_dir``, ``stderr``) or closes it."""

    def __init__(self, kernel_name: str, env: dict, limits: sandbox.Limits):
        self.key, self.env = _key(kernel_name, env, limits), env
        self.seat = contextlib.ExitStack()  # releases the user, unmounts the space
        try:
            self.ids, self.space = seat(self.seat, limits)
            self.km = SandboxedKernelManager(kernel_name=kernel_name)
            self.socket_dir, self.stderr = launch(self.km, env=env, limits=limits, ids=self.ids, space=self.space)
        except BaseException:
            self.seat.close()
            raise

    def fits(self, kernel_name, env, limits) -> bool:
        return self.key == _key(kernel_name, env, limits)

    def close(self):
        """Shut it down unused."""
        relay = self.km.relay
        kill_at_once(self.km)
        with contextlib.suppress(Exception):  # a kernel that already died has nothing left to stop
            run_sync(self.km.shutdown_kernel)(now=True)
        end_launch(relay, self.ids, self.stderr, self.socket_dir)
        self.seat.close()


class SpareKernels:
    """At most ``capacity`` kernels started ahead, for the next notebooks of one worker (or of the grading
    service's ``capacity`` slots). Owned by whoever runs those notebooks, who closes it when done."""

    def __init__(self, capacity: int = 1):
        self.capacity = capacity
        self._spares: list[SpareKernel] = []
        self._starting = 0
        self._lock = threading.Lock()
        # Kernels are started from a thread of their own that lives as long as this object: bubblewrap ends its
        # sandbox when the thread that started it ends (--die-with-parent), and the grading service grades each
        # request in a thread that ends with it. The grader's thread goes on with the checks meanwhile.
        self._starter = ThreadPoolExecutor(1, thread_name_prefix="spare-kernels")

    def take(self, kernel_name, env, limits) -> SpareKernel | None:
        """A kernel started ahead that fits this notebook's (the same kernel, environment and limits), or None."""
        with self._lock:
            for spare in self._spares:
                if spare.fits(kernel_name, env, limits):
                    self._spares.remove(spare)
                    return spare
        return None

    def start(self, kernel_name, env, limits):
        """Start a kernel for the next notebook, unless ``capacity`` are waiting or starting already."""
        with self._lock:
            if len(self._spares) + self._starting >= self.capacity:
                return
            self._starting += 1
        try:
            self._starter.submit(self._start, kernel_name, dict(env), limits)
        except RuntimeError:  # closed
            with self._lock:
                self._starting -= 1

    def _start(self, kernel_name, env, limits):
        try:
            spare = SpareKernel(kernel_name, env, limits)
        except Exception:  # the next notebook starts its own, as it would without this
            log.warning("could not start a kernel ahead", exc_info=True)
            spare = None
        with self._lock:
            self._starting -= 1
            if spare is not None:
                self._spares.append(spare)

    def close(self):
        self._starter.shutdown(wait=True)  # nothing is starting any more
        with self._lock:
            spares, self._spares = self._spares, []
        for spare in spares:
            spare.close()
