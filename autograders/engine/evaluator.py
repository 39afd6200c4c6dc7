"""An assignment's evaluator: a process of the student environment, sandboxed like a kernel, that
answers the grader's own requests with plain data.

Some references need the libraries students use, and some checks judge what a student built: the
CNN's convolution is defined by ``tf.nn.conv2d``, and a student's trained model must be rebuilt and
made to predict digits whose labels never reach the student. Neither belongs in the grader's
process (TensorFlow would cost it 700 MB, and building a model from a student's description is
the kind of work a submission could aim at), nor in the student's kernel (which could lie). So an
assignment that needs this has an ``evaluator_ops.py``: functions of plain data, run by
``evaluator_main.py`` in a fresh process of the student environment (``.venv-student``) that only
the grader talks to, over a pipe. When the grader can sandbox, it runs as a sandbox user of its
own, without network, with the kernel's limits and a ``WritableSpace``, and without GPUs.

The process starts with the grading of a notebook (``start``), so that its imports run while the
student's cells do, and serves every check of that notebook. Every request waits at most what is
left of the notebook's ``Deadline``; replies are size-capped before they are decoded.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import shutil
import struct
import subprocess
import tempfile
import time
from pathlib import Path

from .. import quiet
from ..errors import DlcourseError
from . import sandbox, wire
from .deadline import Deadline

log = logging.getLogger(__name__)
MAX_REPLY_BYTES = 16 * 2**20
MAX_STARTS = 3  # the evaluator is started again after a failure, at most this often per notebook
_ENGINE = Path(__file__).parent


class EvaluatorFailed(DlcourseError):
    """The evaluator could not answer (it crashed, timed out or garbled its reply): the grader's problem."""


class EvaluatorError(DlcourseError):
    """The request failed on the data it was given (e.g. weights that do not fit a model): its message says why."""


class Evaluator:
    def __init__(self, ops_file: Path, *, limits: sandbox.Limits | None, deadline: Deadline, env: dict,
                 timeout: float = 120.0):
        """``ops_file``: the assignment's module of operations; ``limits``: sandbox it (None: a plain process)."""
        self.ops_file, self.limits, self.deadline, self.env, self.timeout = ops_file, limits, deadline, env, timeout
        self.starts = 0
        self._process = None
        self._resources = contextlib.ExitStack()  # sandbox user, space or temporary folder, log
        self._ids = None

    def start(self):
        """Start the process (returns at once: it imports its libraries while the grader goes on)."""
        if self._process is not None:
            return
        if self.starts >= MAX_STARTS:
            raise EvaluatorFailed(f"the evaluator failed {MAX_STARTS} times")
        self.starts += 1
        argv = [str(sandbox.student_python()), "-E", "-s", "-B", "evaluator_main.py", self.ops_file.stem]
        env = {**sandbox.kernel_environment(self.env), "CUDA_VISIBLE_DEVICES": "", quiet.LOG_LEVEL: quiet.WARNINGS_OFF}
        if self.limits:
            self._ids = self._resources.enter_context(sandbox.sandbox_user())
            space = self._resources.enter_context(sandbox.writable_space(*self._ids, self.limits.writable_mb))
            folder, log_path = space.home, space.root / "evaluator.log"
            argv = sandbox.command(argv, uid=self._ids[0], gid=self._ids[1], space=space, limits=self.limits,
                                   gpus=False)
        else:
            folder = Path(self._resources.enter_context(tempfile.TemporaryDirectory(prefix="dlcourse-evaluator-")))
            log_path = folder / "evaluator.log"
        for source in (_ENGINE / "evaluator_main.py", _ENGINE / "wire.py", self.ops_file):
            shutil.copy(source, folder / source.name)
        self._log = log_path
        stderr = self._resources.enter_context(open(log_path, "wb"))
        self._process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                                         cwd=folder, env=env, start_new_session=True)
        for stream in (self._process.stdin, self._process.stdout):
            os.set_blocking(stream.fileno(), False)

    def call(self, op: str, *args, timeout: float | None = None):
        return self.starmap(op, [args], timeout=timeout)[0]

    def starmap(self, op: str, arg_tuples, timeout: float | None = None) -> list:
        """``[op(*args) for args in arg_tuples]``, computed by the evaluator in one round trip."""
        if self.deadline.passed():
            raise EvaluatorFailed(self.deadline.note())
        self.start()
        end = time.monotonic() + self.deadline.limit(timeout or self.timeout)
        request = wire.dumps({"op": op, "calls": [list(args) for args in arg_tuples]}).encode("utf-8")
        try:
            self._write(struct.pack(">Q", len(request)) + request, end)
            (size,) = struct.unpack(">Q", self._read(8, end))
            if size > MAX_REPLY_BYTES:
                raise EvaluatorFailed(f"the evaluator's reply of {size:,} bytes is over the cap")
            reply = wire.loads(self._read(size, end).decode("utf-8"))
        except (EvaluatorFailed, wire.WireError, UnicodeDecodeError) as exc:
            self._fail(exc)
            raise EvaluatorFailed(f"the evaluator failed while computing {op}: {exc}") from None
        if "error" in reply:
            raise EvaluatorError(str(reply["error"]))
        return reply["ok"]

    def _write(self, data: bytes, end: float):
        fd = self._process.stdin.fileno()
        while data:
            self._wait(fd, end, write=True)
            try:
                data = data[os.write(fd, data[:2**20]):]
            except BrokenPipeError:
                raise EvaluatorFailed("it ended") from None

    def _read(self, size: int, end: float) -> bytes:
        fd, chunks = self._process.stdout.fileno(), []
        while size:
            self._wait(fd, end)
            chunk = os.read(fd, min(size, 2**20))
            if not chunk:
                raise EvaluatorFailed("it ended")
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def _wait(self, fd, end, write=False):
        left = end - time.monotonic()
        ready = select.select([], [fd], [], max(left, 0)) if write else select.select([fd], [], [], max(left, 0))
        if left <= 0 or not any(ready):
            raise EvaluatorFailed("it did not answer in time" if not self.deadline.passed() else self.deadline.note())

    def _fail(self, exc):
        tail = self._log.read_bytes()[-2000:].decode(errors="replace") if self._log.exists() else ""
        log.warning("the evaluator %s failed (%s); its last output:\n%s", self.ops_file, exc, tail)
        self.close()

    def close(self):
        if self._process is not None:
            with contextlib.suppress(OSError):
                self._process.kill()
            self._process.wait()
            for stream in (self._process.stdin, self._process.stdout):
                with contextlib.suppress(OSError):
                    stream.close()
            self._process = None
        if self._ids is not None:
            sandbox.end_processes_of(self._ids[0])
            self._ids = None
        self._resources.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
