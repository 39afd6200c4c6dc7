"""Run a notebook's student cells in a fresh kernel, and keep that kernel for the checks.

A cell that kills the kernel (``os._exit``) or leaves it unresponsive (an endless
loop that ignores interrupts) is "poisoned": the runner starts a new kernel and
replays every other cell that ran, so the functions the student did write are
still graded. Restarts are bounded so that a hostile notebook costs a known time.
"""

from __future__ import annotations

import copy
import logging
import os
import queue
import shutil
import tempfile
import time

from jupyter_client.blocking import BlockingKernelClient
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_output

log = logging.getLogger(__name__)
# nbclient logs each timeout and dead kernel as an error; the runner reports them in the result instead
_nbclient_log = log.getChild("nbclient")
_nbclient_log.setLevel(logging.CRITICAL)

TIMEOUT_ENAME = "CellTimeoutError"


class KernelUnavailable(RuntimeError):
    """No working kernel can be had for this notebook any more."""


class NotebookRunner:
    def __init__(self, nb, cell_indices, *, kernel_name="python3", workdir=None, env=None,
                 cell_timeout=60, startup_timeout=60, max_restarts=3):
        self.nb = nb
        self.cell_indices = list(cell_indices)
        self.kernel_name = kernel_name
        self.workdir = workdir
        self.env = env
        self.cell_timeout = cell_timeout
        self.startup_timeout = startup_timeout
        self.restarts_left = max_restarts
        self.problems: list[str] = []  # notebook-level messages for the report
        self.poisoned: set[int] = set()
        self._ran: list[int] = []
        self._nbclient = None
        self._socket_dir = None
        self._stderr = None
        self.client: BlockingKernelClient | None = None

    # -- kernel lifecycle -------------------------------------------------
    def _start(self):
        self._nbclient = NotebookClient(
            self.nb, kernel_name=self.kernel_name, timeout=self.cell_timeout,
            startup_timeout=self.startup_timeout, allow_errors=True, interrupt_on_timeout=True,
            error_on_timeout={"ename": TIMEOUT_ENAME,
                              "evalue": f"this cell ran longer than {self.cell_timeout:g} s and was stopped",
                              "traceback": []},
            record_timing=False, shutdown_kernel="immediate", on_cell_executed=_record_reply_error,
            log=_nbclient_log,
        )
        nbc = self._nbclient
        nbc.km = nbc.create_kernel_manager()
        # unix sockets in a private folder, not TCP ports that any local user could reach
        self._socket_dir = tempfile.mkdtemp(prefix="dlcourse-kernel-")
        nbc.km.transport = "ipc"
        nbc.km.ip = os.path.join(self._socket_dir, "kernel")
        kwargs = {"env": self.env} if self.env is not None else {}
        # The kernel process's own stderr (TensorFlow's C++ start-up lines, not the cells' output, which the
        # kernel captures) would interleave across parallel workers on the grader's terminal: keep it aside.
        self._stderr = open(os.path.join(self._socket_dir, "kernel-stderr.log"), "wb")
        kwargs["stderr"] = self._stderr
        if self.workdir:
            kwargs["cwd"] = str(self.workdir)
        nbc.start_new_kernel(**kwargs)
        nbc.start_new_kernel_client()
        self.client = BlockingKernelClient()
        self.client.load_connection_info(nbc.km.get_connection_info())
        self.client.start_channels()
        self.client.wait_for_ready(timeout=self.startup_timeout)

    def _stop(self):
        if self.client is not None:
            self.client.stop_channels()
            self.client = None
        if self._nbclient is not None and self._nbclient.km is not None:
            try:
                self._nbclient._cleanup_kernel()
            except Exception:  # a kernel that already died has nothing left to clean
                log.debug("kernel cleanup failed", exc_info=True)
        self._nbclient = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if self._socket_dir:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None

    def close(self):
        self._stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def alive(self) -> bool:
        nbc = self._nbclient
        return bool(nbc and nbc.km and run_sync(nbc.km.is_alive)())

    def interrupt(self):
        if self.alive():
            run_sync(self._nbclient.km.interrupt_kernel)()

    def responsive(self, timeout=5.0) -> bool:
        """Whether the kernel answers a trivial request within ``timeout`` seconds."""
        if not self.alive():
            return False
        # an execute request, not kernel_info: ipykernel may answer kernel_info while its main thread is stuck
        msg_id = self.client.execute("", silent=True, store_history=False)
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                msg = self.client.get_shell_msg(timeout=left)
            except queue.Empty:
                break
            if msg["parent_header"].get("msg_id") == msg_id:
                return True
        return False

    def recover(self, reason: str):
        """Start a new kernel and replay the cells that ran, without their outputs."""
        self._stop()
        if self.restarts_left <= 0:
            raise KernelUnavailable(reason)
        self.restarts_left -= 1
        log.info("restarting the kernel (%s)", reason)
        self._start()
        for index in self._ran:
            if index not in self.poisoned:
                self._execute(copy.deepcopy(self.nb.cells[index]), index)

    # -- execution ---------------------------------------------------------
    def _execute(self, cell, index):
        self._nbclient.execute_cell(cell, index, store_history=True)

    def run(self):
        """Execute the student cells in order; outputs go into ``self.nb``."""
        self._start()
        for index in self.cell_indices:
            cell = self.nb.cells[index]
            try:
                self._execute(cell, index)
            except DeadKernelError:
                self.poisoned.add(index)
                self.problems.append(f"cell {index + 1} ended the kernel process; "
                                     "it was skipped and the notebook re-run without it")
                cell.outputs = [_error_output("KernelDied", "this cell ended the kernel process "
                                              "(os._exit, a crash, or running out of memory)")]
                self._recover_or_stop(f"cell {index + 1} ended the kernel")
                if self.client is None:
                    return
                continue
            self._ran.append(index)
            if _timed_out(cell) and not self.responsive():
                self.poisoned.add(index)
                self.problems.append(f"cell {index + 1} ran past the time limit and ignored the interrupt; "
                                     "it was skipped and the notebook re-run without it")
                self._recover_or_stop(f"cell {index + 1} did not stop when interrupted")
                if self.client is None:
                    return

    def _recover_or_stop(self, reason):
        try:
            self.recover(reason)
        except KernelUnavailable:
            self.problems.append("the kernel had to be restarted too often; the remaining cells were not run")


def _record_reply_error(cell, cell_index, execute_reply):
    # nbclient reports a timeout only in the reply; put it in the outputs, as nbgrader's Execute does
    content = execute_reply["content"]
    if content.get("status") == "error" and not any(
            o.get("output_type") == "error" and o.get("ename") == content.get("ename") for o in cell.outputs):
        cell.outputs.append(_error_output(content.get("ename", "Error"), content.get("evalue", "")))


def _timed_out(cell) -> bool:
    return any(o.get("output_type") == "error" and o.get("ename") == TIMEOUT_ENAME for o in cell.get("outputs", []))


def _error_output(ename, evalue):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])
