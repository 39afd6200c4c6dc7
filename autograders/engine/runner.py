"""Run a notebook's student cells in a fresh kernel, and keep that kernel for the checks.

A cell that kills the kernel (``os._exit``) or leaves it unresponsive (an endless
loop that ignores interrupts) is "poisoned": the runner starts a new kernel and
replays every other cell that ran, so the functions the student did write are
still graded. Restarts are bounded so that a hostile notebook costs a known time.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import queue
import shutil
import tempfile
import time
from pathlib import Path

from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_output

from . import sandbox

log = logging.getLogger(__name__)
# nbclient logs each timeout and dead kernel as an error; the runner reports them in the result instead
_nbclient_log = log.getChild("nbclient")
_nbclient_log.setLevel(logging.CRITICAL)

TIMEOUT_ENAME = "CellTimeoutError"


class KernelUnavailable(RuntimeError):
    """No working kernel can be had for this notebook any more."""


class SandboxedKernelManager(AsyncKernelManager):
    """Starts the student environment's kernel inside the sandbox (``sandbox.command``)."""

    wrap = None  # argv -> sandboxed argv, set by the runner before the kernel starts
    owner = None  # (uid, gid) of the sandbox user, who must read the connection file

    def format_kernel_cmd(self, extra_arguments=None):
        # called once the connection file is written, just before the launch
        os.chown(self.connection_file, *self.owner)
        # a signal to the kernel's process group would reach bubblewrap first and end the sandbox:
        # interrupts travel as messages on the control channel instead
        self.kernel_spec.interrupt_mode = "message"
        return self.wrap([str(sandbox.student_python()), "-m", "ipykernel_launcher", "-f",
                          os.path.realpath(self.connection_file)])


class _BoundedOutputClient(NotebookClient):
    """A NotebookClient that keeps at most ``max_output_bytes`` of outputs per cell."""

    max_output_bytes = 1 << 20

    def output(self, outs, msg, display_id, cell_index):
        used = self.__dict__.setdefault("_output_bytes", {}).get(cell_index, 0)
        if used > self.max_output_bytes:
            return None  # already truncated
        used += len(str(msg["content"]))
        self._output_bytes[cell_index] = used
        if used > self.max_output_bytes:
            outs.append(new_output("stream", name="stderr", text=(
                f"\n[output truncated: this cell produced more than {self.max_output_bytes // 1024} KiB of output; "
                "the rest was dropped]\n")))
            return None
        return super().output(outs, msg, display_id, cell_index)


class NotebookRunner:
    def __init__(self, nb, cell_indices, *, kernel_name="python3", workdir=None, env=None,
                 cell_timeout=60, notebook_timeout=None, startup_timeout=60, max_restarts=3,
                 limits: sandbox.Limits | None = None, max_output_bytes=1 << 20):
        """``limits``: run the kernel in the sandbox with these limits (None: a plain kernel)."""
        self.nb = nb
        self.cell_indices = list(cell_indices)
        self.kernel_name = kernel_name
        self.workdir = workdir
        self.env = env
        self.cell_timeout = cell_timeout
        self.notebook_timeout = notebook_timeout
        self.startup_timeout = startup_timeout
        self.limits = limits
        self.max_output_bytes = max_output_bytes
        self._ids = None  # (uid, gid) of the sandbox user, held until close()
        self._sandbox_cleanup = contextlib.ExitStack()  # releases the user, removes the kernel's private home
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
        self._nbclient = _BoundedOutputClient(
            self.nb, kernel_name=self.kernel_name, timeout=self.cell_timeout,
            startup_timeout=self.startup_timeout, allow_errors=True, interrupt_on_timeout=True,
            error_on_timeout={"ename": TIMEOUT_ENAME,
                              "evalue": f"this cell ran longer than {self.cell_timeout:g} s and was stopped",
                              "traceback": []},
            record_timing=False, shutdown_kernel="immediate", on_cell_executed=_record_reply_error,
            log=_nbclient_log,
            **({"kernel_manager_class": SandboxedKernelManager} if self.limits else {}),
        )
        nbc = self._nbclient
        nbc.max_output_bytes = self.max_output_bytes
        nbc.km = nbc.create_kernel_manager()
        # unix sockets in a private folder, not TCP ports that any local user could reach
        self._socket_dir = tempfile.mkdtemp(prefix="dlcourse-kernel-")
        nbc.km.transport = "ipc"
        nbc.km.ip = os.path.join(self._socket_dir, "kernel")
        nbc.km.connection_file = os.path.join(self._socket_dir, "kernel.json")
        kwargs = {"env": self.env} if self.env is not None else {}
        if self.limits:
            kwargs = self._sandbox(nbc.km, kwargs)
        # The kernel process's own stdout and stderr (its banner, TensorFlow's C++ start-up lines; not the
        # cells' output, which the kernel captures) would interleave across parallel workers on the grader's
        # terminal: keep them aside.
        self._stderr = open(os.path.join(self._socket_dir, "kernel-output.log"), "wb")
        kwargs["stdout"] = kwargs["stderr"] = self._stderr
        if self.workdir and not self.limits:
            kwargs["cwd"] = str(self.workdir)
        nbc.start_new_kernel(**kwargs)
        nbc.start_new_kernel_client()
        self.client = BlockingKernelClient()
        self.client.load_connection_info(nbc.km.get_connection_info())
        self.client.start_channels()
        self.client.wait_for_ready(timeout=self.startup_timeout)

    def _sandbox(self, km, kwargs):
        """Set ``km`` up to start its kernel in the sandbox, as this runner's sandbox user, in a private home."""
        if self._ids is None:  # one user and one home for every kernel of this notebook (replays included)
            self._ids = self._sandbox_cleanup.enter_context(sandbox.sandbox_user())
            private = tempfile.mkdtemp(prefix="dlcourse-sandbox-")
            self._sandbox_cleanup.callback(shutil.rmtree, private, ignore_errors=True)
            self._home = Path(private) / "home"
            for refusal in sandbox.private_copy(self.workdir, self._home, *self._ids):
                self.problems.append(f"not copied into the kernel's home: {refusal}")
        uid, gid = km.owner = self._ids
        os.chown(self._socket_dir, uid, gid)
        km.wrap = lambda argv: sandbox.command(argv, uid=uid, gid=gid, home=str(self._home),
                                               socket_dir=self._socket_dir, limits=self.limits)
        return {**kwargs, "env": sandbox.kernel_environment(kwargs.get("env", os.environ)), "cwd": str(self._home)}

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
        if self._ids is not None:
            sandbox.end_processes_of(self._ids[0])
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if self._socket_dir:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None

    def close(self):
        self._stop()
        self._sandbox_cleanup.close()
        self._ids = None

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
        try:
            self._start()
        except RuntimeError as exc:  # "Kernel died before replying to kernel_info"
            self._stop()
            raise KernelUnavailable(f"{reason}, and a new kernel would not start ({exc})") from None
        for index in self._ran:
            if index not in self.poisoned:
                self._execute(copy.deepcopy(self.nb.cells[index]), index)

    # -- execution ---------------------------------------------------------
    def _execute(self, cell, index):
        self._nbclient.execute_cell(cell, index, store_history=True)

    def run(self):
        """Execute the student cells in order; outputs go into ``self.nb``."""
        self._start()
        started = time.monotonic()
        for index in self.cell_indices:
            cell = self.nb.cells[index]
            if self.notebook_timeout and time.monotonic() - started > self.notebook_timeout:
                self.problems.append(f"the notebook ran longer than {self.notebook_timeout:g} s in all; "
                                     f"cell {index + 1} and the cells after it were not run")
                for rest in self.cell_indices[self.cell_indices.index(index):]:
                    self.nb.cells[rest].outputs = [_error_output(
                        TIMEOUT_ENAME, f"not run: the notebook's time limit of {self.notebook_timeout:g} s was used up")]
                return
            try:
                self._execute(cell, index)
            except DeadKernelError:
                if not self._skip(index, "ended the kernel process", "KernelDied",
                                  "this cell ended the kernel process (os._exit, a crash, or running out of memory)"):
                    return
                continue
            except (ValueError, RuntimeError) as exc:
                # e.g. "Invalid Signature": processes forked from the kernel wrote over its message stream
                if not self._skip(index, f"garbled the kernel's messages ({str(exc)[:60]})", "KernelProtocolError",
                                  "this cell broke the kernel's messages (forked processes writing to them?)"):
                    return
                continue
            self._ran.append(index)
            if _timed_out(cell) and not self.responsive():
                if not self._skip(index, "ran past the time limit and ignored the interrupt"):
                    return

    def _skip(self, index, what, ename=None, evalue=None) -> bool:
        """Poison cell ``index`` (it ``what``), restart the kernel and replay the other cells.

        False when no kernel could be had again: the remaining cells are not run.
        """
        self.poisoned.add(index)
        self.problems.append(f"cell {index + 1} {what}; it was skipped and the notebook re-run without it")
        if ename:
            self.nb.cells[index].outputs = [_error_output(ename, evalue)]
        self._recover_or_stop(f"cell {index + 1} {what}")
        return self.client is not None

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
