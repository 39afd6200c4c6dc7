"""The kernel bridge: the only way a hidden check reaches the student's code.

A check asks for a named function to be called (or a named variable read) in the
student's namespace, with arguments it sends as plain data, and gets plain data
back, decoded strictly in the grader's process. Every call has a timeout (never
past the notebook's ``Deadline``) and a size cap; its reply is read with
``kernel_messages``' bounds. Nothing else from the kernel is trusted.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import queue
import time

import numpy as np

from . import wire
from .chain import Attr, Library, Names, Step
from .kernel_messages import MAX_REPLY_BYTES, MAX_REPLY_VALUES, SUBSCRIBE_RETRY_S, CallReplies, values
from .runner import KernelUnavailable, NotebookRunner

_INSTALL = """
import sys as _s, types as _t
_m = _t.ModuleType("_dlcourse_wire")
exec(compile({src!r}, "<dlcourse-wire>", "exec"), _m.__dict__)
_s.modules["_dlcourse_wire"] = _m
del _s, _t, _m
"""

# The request travels in the execute_request's content, not inside the code: IPython takes
# about a second to compile a megabyte of string literal, and no time to read a message field.
_CALL = ("__import__('IPython').display.publish_display_data("
         "{{{mime!r}: __import__('sys').modules['_dlcourse_wire'].handle("
         "__import__('IPython').get_ipython().user_ns, "
         "__import__('IPython').get_ipython().kernel.get_parent()['content']['dlcourse_request'])}})"
         ).format(mime=wire.MIME)


# What crosses the bridge, both ways (``wire.py``): never an object of the student's.
Plain = None | bool | int | float | str | np.ndarray | np.generic | list | tuple | dict | set


class CheckProblem(Exception):
    """Something about the student's code that a check reports to the student as is."""


class StudentError(CheckProblem):
    """The student's function raised an exception."""

    def __init__(self, name, type_name, mro, message, line=None):
        self.name, self.type_name, self.mro, self.message, self.line = name, type_name, mro, message, line
        if type_name == "NameError" and message == f"{name} is not defined in your notebook":
            text = message  # the grader's own lookup failed: nothing of the student's raised
        else:
            text = f"{name} raised {type_name}" + (f": {message}" if message else "")
            if line:
                text += f" (at `{line.strip()}`)"
        super().__init__(text)

    def is_a(self, exception_name: str) -> bool:
        """Whether the exception was ``exception_name`` or a subclass of it."""
        return exception_name in self.mro


class CallTimeout(CheckProblem):
    """A call ran past its time limit and was stopped; that function is not called again."""


class OutOfTime(CallTimeout):
    """The notebook's deadline has passed: nothing more is called."""


class KernelGone(CheckProblem):
    """No answer can come from the kernel: it died, or its messages were garbled."""


class NotPlainData(CheckProblem):
    """A reply that is not plain data (an object, a non-numeric array) or over the size caps."""


class StudentKernel:
    """What a hidden check holds (the ``student`` fixture): calls into the student's kernel.

    Arguments go as plain data (``Plain``); what comes back is plain data decoded strictly here.
    """

    def __init__(self, runner: NotebookRunner, call_timeout=30.0, max_reply_bytes=MAX_REPLY_BYTES):
        """Calls never run past the runner's deadline, nor return more than ``max_reply_bytes`` of JSON."""
        self.runner = runner
        self.call_timeout = call_timeout
        self.deadline = runner.deadline
        self.max_reply_bytes = max_reply_bytes
        self.calls = 0
        self._installed_for = None
        self._unreachable = None  # why no call can reach the kernel any more
        self._timed_out_names: set[str] = set()

    # -- public API for checks ---------------------------------------------
    def call(self, name: str, *args: Plain, timeout: float | None = None, strict: bool = False,
             **kwargs: Plain) -> Plain:
        """``name(*args, **kwargs)`` in the student's namespace: its result, as plain data.

        ``timeout`` (seconds) replaces the grading's ``--call-timeout`` for this call, never past the
        notebook's deadline. ``strict=True`` runs the call with numpy's floating-point errors and
        Python's warnings raised, so an overflow warning counts as a failure. Raises ``StudentError``
        (the function raised, or is missing), ``CallTimeout``, ``NotPlainData`` or ``KernelGone``;
        every ``CheckProblem`` reaches the student as its message.
        """
        return self.starmap(name, [args], timeout=timeout, strict=strict, **kwargs)[0]

    def call_with_inputs(self, name: str, *args: Plain, timeout: float | None = None, strict: bool = False,
                         **kwargs: Plain) -> tuple[Plain, list[Plain]]:
        """Like ``call``, and the positional arguments as they are after the call (to catch in-place changes)."""
        (reply,) = self._request([_step(name, args, kwargs, Names())], timeout, strict, inputs=True)
        return reply["value"], reply["inputs"]

    def map(self, name: str, inputs: list[Plain], *, timeout: float | None = None, strict: bool = False,
            **kwargs: Plain) -> list[Plain]:
        """``[name(x, **kwargs) for x in inputs]``, in one round trip to the kernel (``timeout`` for them all)."""
        return self.starmap(name, [(x,) for x in inputs], timeout=timeout, strict=strict, **kwargs)

    def starmap(self, name: str, arg_tuples: list[tuple], *, timeout: float | None = None, strict: bool = False,
                **kwargs: Plain) -> list[Plain]:
        """``[name(*args, **kwargs) for args in arg_tuples]``, in one round trip to the kernel.

        The first call that raises raises here; the others still ran.
        """
        steps = [_step(name, args, kwargs, Names()) for args in arg_tuples]
        return [r["value"] for r in self._request(steps, timeout, strict, inputs=False)]

    def chain(self, steps: list[Step], returns: list[str], *, timeout: float | None = None,
              strict: bool = False) -> list[Plain]:
        """Run dependent steps in the kernel, in order; return the results named in ``returns``, in that order.

        Each step (``chain.step``) names its result, and later steps pass it on with ``Ref(name)``:
        results stay in the kernel (a layer's cache is whatever the student made it), only those
        named in ``returns`` come back, as plain data. A step's target is the name of a student's
        function, an ``Attr`` (a method of an earlier result) or a ``Library`` function. The first
        step that raises ends the chain and raises here; only the student's own functions are named
        in messages. ``ChainError`` when a name is unknown or bound twice.
        """
        names, request = Names(), []
        for number, s in enumerate(steps):
            request.append(_step(s.target, s.args, s.kwargs, names))
            names.bind(number, s)
        picked = [names.result(name) for name in returns]
        (reply,) = self._request(request, timeout, strict, inputs=False,
                                 returns=[[r.step, r.index] for r in picked])
        return reply["value"]

    def device(self) -> str:
        """The device the kernel's TensorFlow computes on ("cpu" when the notebook never imported it)."""
        return self._request([_step(Library("_dlcourse_wire", "tensorflow_device"), (), {}, Names())],
                             None, False, inputs=False)[0]["value"]

    def get(self, name: str, timeout: float | None = None) -> Plain:
        """The value of the variable ``name`` in the student's namespace, as plain data."""
        return self._request([{"name": name, "get": True}], timeout, False, inputs=False)[0]["value"]

    # -- plumbing -----------------------------------------------------------
    def _client(self):
        client = self.runner.client
        if client is None:
            raise KernelGone("the notebook's kernel could not be kept running, so this could not be checked")
        if self._unreachable:
            raise KernelGone(self._unreachable)
        if self._installed_for is not client:
            try:
                _subscribe(client, self.deadline.limit(self.call_timeout))
            except KernelGone:
                # its messages no longer reach the grader (its own code broke them): one timeout, not one per check
                self._unreachable = ("the notebook's kernel stopped sending the grader its answers (did the notebook "
                                     "tamper with the kernel's sockets?), so this could not be checked")
                raise KernelGone(self._unreachable) from None
            self._execute(client, _INSTALL.format(src=_wire_source()), "the grader", self.call_timeout)
            self._installed_for = client
        return client

    def _request(self, steps, timeout, strict, inputs, returns=None):
        names = list(dict.fromkeys(s["name"] for s in steps if "module" not in s and "of" not in s)) \
            or [steps[0]["name"]]
        label = " / ".join(names)
        if self.deadline.passed():
            raise OutOfTime(f"{label} was not called: {self.deadline.note()}")
        for name in names:
            if name in self._timed_out_names:
                # one endless loop should cost one timeout, not one per check
                raise CallTimeout(f"{name} was not called again: it already ran past its time limit")
        self.calls += 1
        request = json.dumps({"steps": steps, "chain": returns is not None, "returns": returns,
                              "strict": strict, "inputs": inputs, "max_bytes": self.max_reply_bytes,
                              "max_values": MAX_REPLY_VALUES})
        timeout = self.call_timeout if timeout is None else timeout
        text = self._execute(self._client(), _CALL, names, timeout, request=request)
        if text is None:
            raise KernelGone(f"calling {label} gave no answer (did the notebook replace Python built-ins?)")
        too_big = NotPlainData(f"{label} returned more than {self.max_reply_bytes // 2**20} MiB of data or more "
                               f"than {MAX_REPLY_VALUES:,} values")
        if len(text) > self.max_reply_bytes or values(text) > MAX_REPLY_VALUES:
            raise too_big
        try:
            answer = json.loads(text)
            if type(answer) is dict and "too_big" in answer:
                raise too_big
            replies = answer["replies"]
            expected = 1 if returns is not None else len(steps)
            if type(replies) is not list or len(replies) != expected:
                raise ValueError("wrong number of replies")
            return [_check_reply(label, r, inputs) for r in replies]
        except CheckProblem:
            raise
        except wire.WireError as exc:
            raise NotPlainData(f"{label} returned data the grader cannot read ({exc})") from None
        except (KeyError, TypeError, ValueError, AttributeError, RecursionError, OverflowError):
            raise KernelGone(f"calling {label} gave a garbled answer") from None

    def _execute(self, client, code, names, timeout, request=None):
        """Run ``code`` (with ``request`` in the message), return the last reply it published, enforcing ``timeout``."""
        names = [names] if isinstance(names, str) else names
        name = " / ".join(names)
        content = {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": False, "dlcourse_request": request}
        message = client.session.msg("execute_request", content)
        client.shell_channel.send(message)
        msg_id = message["header"]["msg_id"]
        timeout = self.deadline.limit(timeout)
        deadline = time.monotonic() + timeout
        reply = None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self._timed_out(client, msg_id, names, timeout)
            try:
                msg = client.get_iopub_msg(timeout=min(left, 1.0))
            except queue.Empty:
                if not self.runner.alive():
                    self._recover(f"the kernel died while running {name}")
                    raise KernelGone(f"{name} ended the kernel process (os._exit, a crash or running out of memory)")
                continue
            except ValueError:  # a message with a bad signature: something else wrote to the kernel's stream
                self._timed_out_names.update(names)
                self._recover(f"{name} garbled the kernel's messages")
                raise KernelGone(f"{name} garbled the kernel's messages (processes forked from the kernel?) "
                                 "and was not called again") from None
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "display_data" and wire.MIME in content.get("data", {}):
                reply = content["data"][wire.MIME]
            elif kind == "status" and content.get("execution_state") == "idle":
                _drain_shell(client, msg_id)
                return reply if isinstance(reply, str) else None

    def _timed_out(self, client, msg_id, names, timeout):
        name = " / ".join(names)
        self._timed_out_names.update(names)
        self.runner.interrupt()
        if self.deadline.passed():
            # no time for a replay: the checks still to come fail at once
            raise OutOfTime(f"{name} was stopped: {self.deadline.note()}")
        if not _wait_idle(client, msg_id, 5.0):
            self._recover(f"{name} did not stop when interrupted")
        raise CallTimeout(f"{name} did not finish within {timeout:g} s (an endless loop?) and was stopped")

    def _recover(self, reason):
        self._installed_for = None
        try:
            self.runner.recover(reason)
        except KernelUnavailable:
            pass


def _step(target, args, kwargs, names: Names):
    if isinstance(target, Attr):
        step = {"name": target.method, "of": names.step_of(target)}
    elif isinstance(target, Library):
        step = {"name": target.name, "module": target.module}
    else:
        step = {"name": target}
    return {**step, "args": [wire.encode(names.resolve(a)) for a in args],
            "kwargs": [[k, wire.encode(names.resolve(v))] for k, v in kwargs.items()]}


def _check_reply(name, reply, inputs):
    if type(reply) is not dict:
        raise ValueError("a reply that is not an object")
    status = reply["status"]
    if status == "error":
        raise StudentError(str(reply.get("name", name))[:100], str(reply["type"])[:100], [str(c) for c in reply["mro"]][:50],
                           str(reply["message"])[:500], reply.get("line") and str(reply["line"])[:200])
    if status == "unplain":
        raise NotPlainData(f"{name} returned {str(reply['message'])[:200]}; "
                           "return numbers, numpy arrays, or tuples/lists/dicts of these")
    if status != "ok":
        raise ValueError("unknown status")
    out = {"value": wire.decode(reply["value"])}
    if inputs:
        out["inputs"] = wire.decode(reply["inputs"])
    return out


def _subscribe(client, timeout):
    """Connect the client's iopub channel, for replies only, and wait until the kernel's messages reach it
    (a subscriber misses what is published before its subscription has arrived)."""
    client.iopub_channel.admit = CallReplies.admit
    deadline = time.monotonic() + timeout
    asked = set()
    while time.monotonic() < deadline:
        asked.add(client.kernel_info())  # asked again until one answer arrives: the first is usually missed
        with contextlib.suppress(queue.Empty):
            # the notebook's own messages are read past, until the deadline: a flood of them cannot hold the grader
            while time.monotonic() < deadline:
                answered = client.get_iopub_msg(timeout=SUBSCRIBE_RETRY_S)["parent_header"].get("msg_id")
                if answered in asked:
                    _drain_shell(client, answered)
                    return
    raise KernelGone("the notebook's kernel did not answer the grader")


def _wait_idle(client, msg_id, timeout):
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            msg = client.get_iopub_msg(timeout=left)
        except queue.Empty:
            return False
        if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                and msg["content"].get("execution_state") == "idle"):
            _drain_shell(client, msg_id)
            return True
    return False


def _drain_shell(client, msg_id, timeout=5.0):
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            if client.get_shell_msg(timeout=left)["parent_header"].get("msg_id") == msg_id:
                return
        except queue.Empty:
            return


@functools.cache
def _wire_source():
    return inspect.getsource(wire)
