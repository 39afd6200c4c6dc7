"""Run a notebook's student cells in a fresh kernel, and keep that kernel for the checks.

A cell that kills the kernel (``os._exit``) or leaves it unresponsive (an endless
loop that ignores interrupts) is "poisoned": the runner starts a new kernel and
replays every other cell that ran, so the functions the student did write are
still graded. Restarts are bounded, and every cell, start and replay runs within
the notebook's ``Deadline``, so that a hostile notebook costs a known time. The
kernel's messages are read with ``kernel_messages``' bounds: what the cells print
costs the grader at most the output budget, however much they print.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import math
import os
import queue
import shutil
import tempfile
import time
from typing import TYPE_CHECKING

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_output
from traitlets import Type

from ..errors import DlcourseError
from . import kernel_relay, sandbox
from .deadline import Deadline
from .step_times import StepClock

if TYPE_CHECKING:
    from .spare_kernels import SpareKernel
from .kernel_messages import (DROPPED, MAX_IOPUB_FRAME_BYTES, BoundedAsyncKernelClient, BoundedKernelClient, CellOutput,
                              bounded_context)

log = logging.getLogger(__name__)
# nbclient logs each timeout and dead kernel as an error; the runner reports them in the result instead
_nbclient_log = log.getChild("nbclient")
_nbclient_log.setLevel(logging.CRITICAL)

TIMEOUT_ENAME = "CellTimeoutError"
STUDENT_VARIABLE = "JUPYTERHUB_USER"  # whose notebook a kernel runs, as the student's own server would have it
# ipykernel's history in memory, as nbclient asks for it: a grading kernel writes no history file
KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]
MAX_NOTE_CHARS = 160  # of an exception's name or message quoted in a note


class KernelUnavailable(DlcourseError):
    """No working kernel can be had for this notebook any more."""


class BoundedKernelManager(AsyncKernelManager):
    """A kernel manager whose sockets, and its clients' (nbclient's), have ``kernel_messages``' bounds."""

    client_factory = Type(BoundedAsyncKernelClient, klass=AsyncKernelClient)

    def _context_default(self):
        self._created_context = True
        return bounded_context(super()._context_default())


class SandboxedKernelManager(BoundedKernelManager):
    """Starts the student environment's kernel inside the sandbox (``sandbox.command``)."""

    wrap = None  # argv -> sandboxed argv, set by the runner before the kernel starts
    owner = None  # (uid, gid) of the sandbox user, who runs the kernel and its relay
    relay = None  # the kernel_relay process between the kernel's sockets and the grader's

    def format_kernel_cmd(self, extra_arguments=None):
        # called once the connection file is written, just before the launch
        inner_file, self.relay = kernel_relay.start(self.connection_file, *self.owner)
        # a signal to the kernel's process group would reach bubblewrap first and end the sandbox:
        # interrupts travel as messages on the control channel instead
        self.kernel_spec.interrupt_mode = "message"
        return self.wrap([str(sandbox.student_python()), "-m", "ipykernel_launcher", "-f",
                          os.path.realpath(inner_file)])

    async def _async_is_alive(self):
        # without its relay, a kernel is as unreachable as a dead one
        return (self.relay is None or self.relay.poll() is None) and await super()._async_is_alive()

    is_alive = _async_is_alive


def seat(stack: contextlib.ExitStack, limits: sandbox.Limits):
    """A sandbox user and an empty writable space of its own, released by ``stack``: ``(ids, space)``."""
    ids = stack.enter_context(sandbox.sandbox_user())
    return ids, stack.enter_context(sandbox.writable_space(*ids, limits.writable_mb))


def launch(km, *, env, limits, ids=None, space=None, cwd=None):
    """Start ``km``'s kernel, without waiting for it to answer: in the sandbox (as ``ids``, in ``space``) when
    ``limits`` are given, else as a plain kernel in ``cwd``. Its sockets are unix sockets in a private folder,
    not TCP ports that any local user could reach. Returns ``(socket folder, file of the kernel's own output)``."""
    socket_dir = space.folder("sockets-") if limits else tempfile.mkdtemp(prefix="dlcourse-kernel-")
    km.transport = "ipc"
    km.ip = os.path.join(socket_dir, "kernel")
    km.connection_file = os.path.join(socket_dir, "kernel.json")
    kwargs = {"env": env} if env is not None else {}
    if limits:
        uid, gid = km.owner = ids
        km.wrap = lambda argv: sandbox.command(argv, uid=uid, gid=gid, space=space,
                                               binds=[kernel_relay.kernel_side(socket_dir)], limits=limits)
        kwargs = {**kwargs, "env": sandbox.kernel_environment(kwargs.get("env", os.environ)), "cwd": str(space.home)}
    elif cwd:
        kwargs["cwd"] = str(cwd)
    # The kernel process's own stdout and stderr (its banner, TensorFlow's C++ start-up lines; not the cells'
    # output, which the kernel captures) would interleave across parallel workers on the grader's terminal:
    # kept aside.
    output = open(os.path.join(socket_dir, "kernel-output.log"), "wb")
    kwargs["stdout"] = kwargs["stderr"] = output
    try:
        run_sync(km.start_kernel)(extra_arguments=KERNEL_ARGUMENTS if km.ipykernel else [], **kwargs)
    except BaseException:
        end_launch(getattr(km, "relay", None), ids, output, socket_dir)
        raise
    return socket_dir, output


def kill_at_once(km):
    """Kill the kernel and reap it now: jupyter_client's shutdown then finds it gone, where it would poll the
    kernel it killed every 0.1 s (a tenth of a second of most notebooks' grading)."""
    process = getattr(km.provisioner, "process", None)
    if process is None:
        return
    with contextlib.suppress(Exception):  # jupyter_client's shutdown, which comes next, tries again its own way
        run_sync(km.provisioner.kill)()
        process.wait(timeout=5)
        run_sync(km.provisioner.wait)()  # reaped: forgets the process, so no signal goes to its group id again


def end_launch(relay, ids, output, socket_dir):
    """What ``launch`` left once its kernel is shut down: the relay, the sandbox user's processes, the files."""
    if relay is not None:  # reaped first: end_processes_of would wait for its zombie
        relay.kill()
        relay.wait()
    if ids is not None:
        sandbox.end_processes_of(ids[0])
    if output is not None:
        output.close()
    if socket_dir:
        shutil.rmtree(socket_dir, ignore_errors=True)


class _BoundedOutputClient(NotebookClient):
    """A NotebookClient that decodes the cells' output only within ``budget`` and says where it cut."""

    budget: CellOutput = None

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        kc.iopub_channel.admit = self.budget.admit
        return kc

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] != DROPPED:
            return super().output(outs, msg, display_id, cell_index)
        if not any(o.get("name") == "stderr" and "[output truncated" in o.get("text", "") for o in outs):
            budget = self.budget
            what = (f"the notebook produced more than {budget.per_notebook // 2**20} MiB of output"
                    if budget.over_notebook(msg["content"]["bytes"])
                    else f"this cell produced more than {budget.per_cell // 1024} KiB of output")
            outs.append(new_output("stream", name="stderr",
                                   text=f"\n[output truncated: {what}; the rest was dropped]\n"))
        return None


class NotebookRunner:
    def __init__(self, nb, cell_indices, *, kernel_name="python3", workdir=None, env=None,
                 cell_timeout=60, deadline: Deadline | None = None, startup_timeout=60, max_restarts=3,
                 limits: sandbox.Limits | None = None, max_output_bytes=1 << 20, max_notebook_output_bytes=8 << 20,
                 clock: StepClock | None = None, spare: SpareKernel | None = None):
        """``limits``: run the kernel in the sandbox with these limits (None: a plain kernel).
        ``deadline``: when every cell, kernel start and replay must be done (None: no overall limit).
        ``clock``: where the sandbox, kernel start, cells and cleanup's seconds are added up.
        ``spare``: a kernel started ahead (``SpareKernel``), taken as this notebook's first kernel if it was
        started the same way (else closed); this runner closes it in any case."""
        self.nb = nb
        self.cell_indices = list(cell_indices)
        self.kernel_name = kernel_name
        self.workdir = workdir
        self.env = env
        self.cell_timeout = cell_timeout
        self.deadline = deadline or Deadline(None)
        self.startup_timeout = startup_timeout
        self.limits = limits
        self.output = CellOutput(max_output_bytes, max_notebook_output_bytes)
        self._ids = None  # (uid, gid) of the sandbox user, held until close()
        self._space = None  # the sandbox's WritableSpace, held until close()
        self._sandbox_cleanup = contextlib.ExitStack()  # releases the user, unmounts the kernel's space
        self.restarts_left = max_restarts
        self.problems: list[str] = []  # notebook-level messages for the report
        self.poisoned: set[int] = set()
        self._ran: list[int] = []
        self._checking = False  # the cells have run; what runs now is the checks' (a replay included)
        self._nbclient = None
        self._socket_dir = None
        self._stderr = None
        self.client: BoundedKernelClient | None = None
        self.clock = clock or StepClock()
        self._spare = spare

    # -- kernel lifecycle -------------------------------------------------
    def _start(self):
        if self.deadline.passed():
            raise KernelUnavailable(self.deadline.note())
        self._nbclient = _BoundedOutputClient(
            self.nb, kernel_name=self.kernel_name, timeout_func=lambda cell: self.deadline.limit(self.cell_timeout),
            startup_timeout=math.ceil(self.deadline.limit(self.startup_timeout)), allow_errors=True,
            interrupt_on_timeout=True,
            record_timing=False, shutdown_kernel="immediate", on_cell_executed=_record_reply_error,
            log=_nbclient_log,
            kernel_manager_class=SandboxedKernelManager if self.limits else BoundedKernelManager,
        )
        nbc = self._nbclient
        nbc.budget = self.output
        spare, self._spare = self._spare, None
        if spare is not None and not spare.fits(self.kernel_name, self.env, self.limits):
            spare.close()
            spare = None
        with self.clock.step("sandbox"):
            if spare is not None:  # started ahead, in a sandbox of its own; nothing has run in it
                self._ids, self._space, self._sandbox_cleanup = spare.ids, spare.space, spare.seat
                nbc.km, self._socket_dir, self._stderr = spare.km, spare.socket_dir, spare.stderr
                self.problems += sandbox.private_copy(self.workdir, self._space)
            elif self.limits:
                self._prepare_sandbox()
        with self.clock.step("kernel start"):
            if spare is None:
                nbc.km = nbc.create_kernel_manager()
                self._socket_dir, self._stderr = launch(nbc.km, env=self.env, limits=self.limits, ids=self._ids,
                                                        space=self._space, cwd=self.workdir)
            nbc.start_new_kernel_client()
            # the bridge's client: its shell channel now, its iopub channel once checks call (bridge.py)
            self.client = BoundedKernelClient()
            self.client.load_connection_info(nbc.km.get_connection_info())
            self.client.start_channels(iopub=False, stdin=False, hb=False, control=False)
            if spare is not None:
                self._set_student(spare)

    def _set_student(self, spare):
        """A kernel started ahead did not know whose notebook it would run: it learns it before any cell runs."""
        user = (self.env or os.environ).get(STUDENT_VARIABLE)
        if user == spare.env.get(STUDENT_VARIABLE):
            return
        code = (f"__import__('os').environ[{STUDENT_VARIABLE!r}] = {user!r}" if user is not None
                else f"__import__('os').environ.pop({STUDENT_VARIABLE!r}, None)")
        if not self._silent(code, self.deadline.limit(self.startup_timeout)):
            raise RuntimeError("the kernel started ahead did not answer")

    def _silent(self, code: str, timeout: float) -> bool:
        """Run the grader's ``code`` in the kernel without a trace in its history; whether it answered in time."""
        msg_id = self.client.execute(code, silent=True, store_history=False)
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                msg = self.client.get_shell_msg(timeout=left)
            except queue.Empty:
                break
            if msg["parent_header"].get("msg_id") == msg_id:
                return True
        return False

    def _prepare_sandbox(self):
        """One sandbox user and one writable space for every kernel of this notebook (replays included)."""
        if self._ids is not None:
            return
        self._ids, self._space = seat(self._sandbox_cleanup, self.limits)
        self.problems += sandbox.private_copy(self.workdir, self._space)

    def note_full_space(self):
        """Say so in ``problems`` if the notebook has used up what it may write (once)."""
        if self._space is not None and self._space.full():
            note = self._space.full_note()
            if note not in self.problems:
                self.problems.append(note)

    def cells_done(self):
        """The student's cells have run: nbclient's channels close, so that nothing fills them while checks run."""
        self._checking = True
        if self._nbclient is not None and self._nbclient.kc is not None:
            self._nbclient.kc.stop_channels()
        self.note_full_space()

    def _stop(self):
        if self.client is not None:
            self.client.stop_channels()
            self.client = None
        relay = getattr(self._nbclient.km, "relay", None) if self._nbclient is not None else None
        if self._nbclient is not None and self._nbclient.km is not None:
            kill_at_once(self._nbclient.km)
            try:
                self._nbclient._cleanup_kernel()
            except Exception:  # a kernel that already died has nothing left to clean
                log.debug("kernel cleanup failed", exc_info=True)
        self._nbclient = None
        end_launch(relay, self._ids, self._stderr, self._socket_dir)
        self._stderr = self._socket_dir = None

    def close(self):
        if self._spare is not None:  # never started: taken by no kernel
            self._spare.close()
            self._spare = None
        self._stop()
        self._sandbox_cleanup.close()
        self._ids = self._space = None

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
        return self._silent("", timeout)

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
        if self._checking:
            self.cells_done()

    # -- execution ---------------------------------------------------------
    def _execute(self, cell, index):
        self.output.start_cell()
        nbc = self._nbclient
        if self.deadline.limit(self.cell_timeout) < self.cell_timeout:
            stopped = f"the notebook's time limit of {self.deadline.seconds:g} s was used up while this cell ran"
        else:
            stopped = f"this cell ran longer than {self.cell_timeout:g} s and was stopped"
        nbc.error_on_timeout = {"ename": TIMEOUT_ENAME, "evalue": stopped, "traceback": []}
        nbc.kc.disconnects.new()
        try:
            nbc.execute_cell(cell, index, store_history=True)
        finally:
            if nbc.kc is not None and nbc.kc.disconnects.new():
                cell.outputs.append(new_output("stream", name="stderr", text=(
                    f"\n[output truncated: this cell printed a message of more than {MAX_IOPUB_FRAME_BYTES // 2**20} "
                    "MiB at once; it was dropped]\n")))

    def run(self):
        """Execute the student cells in order; outputs go into ``self.nb``."""
        self._start()
        with self.clock.step("student cells"):
            self._run_cells()
        self.cells_done()

    def _run_cells(self):
        for index in self.cell_indices:
            cell = self.nb.cells[index]
            if self.deadline.passed():
                self.problems.append(f"{self.deadline.note()}; cell {index + 1} and the cells after it were not run")
                for rest in self.cell_indices[self.cell_indices.index(index):]:
                    self.nb.cells[rest].outputs = [_error_output(TIMEOUT_ENAME, f"not run: {self.deadline.note()}")]
                break
            try:
                self._execute(cell, index)
            except DeadKernelError:
                if not self._skip(index, "ended the kernel process", "KernelDied",
                                  "this cell ended the kernel process (os._exit, a crash, running out of memory, "
                                  "or a message too big for the grader)"):
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

    def raised(self) -> list[str]:
        """One line per student cell that ended in an error, for the result's notes: a cell that crashed
        explains points lost further down. Skipped and unrun cells are told in ``problems`` already."""
        found = []
        for index in self._ran:
            errors = [o for o in self.nb.cells[index].get("outputs", []) if o.get("output_type") == "error"]
            if errors and index not in self.poisoned:
                last = errors[-1]  # a timeout's own error follows the interrupt's KeyboardInterrupt
                found.append(f"cell {index + 1} raised {_one_line(last.get('ename'))}: {_one_line(last.get('evalue'))}")
        return found

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


def _one_line(text, limit=MAX_NOTE_CHARS) -> str:
    """The student's exception text as one bounded, printable line (it reaches terminals and logs)."""
    line = str(text or "").strip().split("\n", 1)[0][:limit]
    return line if line.isprintable() else ascii(line)


def _timed_out(cell) -> bool:
    return any(o.get("output_type") == "error" and o.get("ename") == TIMEOUT_ENAME for o in cell.get("outputs", []))


def _error_output(ename, evalue):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])
