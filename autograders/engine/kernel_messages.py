"""Messages from a student's kernel, read by the grader with bounds on its own memory.

A student's code can send anything on the kernel's sockets: a cell's output of any size, a
flood of messages while nobody reads them, a huge "reply". jupyter_client would receive each
message whole and decode its JSON, so the grader's memory would follow the submission's. Here:

- every socket of the grader's kernel clients has a maximum frame size (``zmq.MAXMSGSIZE``:
  zmq drops a connection that sends a bigger one, before allocating it) and a short receive
  queue (``zmq.RCVHWM``: beyond it, the kernel's side holds or drops messages, in the
  kernel's memory, which the sandbox bounds);
- a message's content is decoded only when a budget admits its size, counted on the raw bytes:
  a cell's output (``CellOutput``: per cell and per notebook) or a call's reply
  (``CallReplies``); the rest is replaced by a ``DROPPED`` message that keeps only whom it
  answered, so that the cell's feedback can say its output was cut;
- decoding JSON costs memory per value, not per byte (7.9 MB of ``[],`` is 2.7 million lists): a
  content is decoded only if it holds at most ``MAX_MESSAGE_VALUES`` values, counted on the raw bytes;
- header, parent header and metadata must be small, and messages carry no extra buffers;
- a message over the frame size never arrives, so the cells' client counts the connections zmq
  dropped (``Disconnects``), and the runner says in the cell's output that some of it was lost.
"""

from __future__ import annotations

import math
import queue
import time

import zmq
import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel, ZMQSocketChannel

MAX_REPLY_BYTES = 8 * 2**20  # one reply of the kernel bridge (its JSON text); the largest check needs < 4 MiB
MAX_REPLY_VALUES = 100_000  # JSON values in one reply (see values()); the largest check needs 2,500
MAX_MESSAGE_VALUES = MAX_REPLY_VALUES + 2**10  # a reply's, and its message's own few
MAX_ENVELOPE_BYTES = 2**16  # header, parent header, metadata; and the content of anything but outputs and replies
# a reply's JSON travels as a string inside the message's JSON, where escaping can double it
MAX_IOPUB_FRAME_BYTES = 2 * MAX_REPLY_BYTES + MAX_ENVELOPE_BYTES
MAX_OTHER_FRAME_BYTES = 2**20  # shell, control, stdin: requests' replies are small
QUEUED_MESSAGES = 4  # per socket, in the grader; the kernel holds the rest (or drops them) in its own memory
DROPPED = "dlcourse_dropped"  # the msg_type of a message whose content was not decoded
RELAY_DROPPED = b"dlcourse-relay:dropped"  # in place of a signature: an output the relay cut (kernel_relay.py)
# how long a new client waits for the kernel's status message before asking again: a subscription takes a moment
# to reach the publisher (the relay's, in front of the kernel), and what is published before is missed
SUBSCRIBE_RETRY_S = 0.02
OUTPUT_TYPES = frozenset({"stream", "display_data", "execute_result", "error", "update_display_data"})


class CellOutput:
    """How much of the student's cells' output the grader decodes: ``per_cell`` and ``per_notebook`` bytes."""

    def __init__(self, per_cell: int, per_notebook: int):
        self.per_cell, self.per_notebook = per_cell, per_notebook
        self.cell_bytes = self.notebook_bytes = 0

    def start_cell(self):
        self.cell_bytes = 0

    def admit(self, msg_type: str, size: int) -> bool:
        if msg_type not in OUTPUT_TYPES:
            return size <= MAX_ENVELOPE_BYTES
        if self.cell_bytes + size > self.per_cell or self.notebook_bytes + size > self.per_notebook:
            return False
        self.cell_bytes += size
        self.notebook_bytes += size
        return True

    def over_notebook(self, size: int) -> bool:
        """Whether output of ``size`` bytes more was dropped for the notebook's budget (not the cell's)."""
        return self.notebook_bytes + size > self.per_notebook


class CallReplies:
    """While hidden checks call the kernel: only replies (display data) are decoded, up to their cap."""

    @staticmethod
    def admit(msg_type: str, size: int) -> bool:
        if msg_type == "display_data":
            return size <= MAX_IOPUB_FRAME_BYTES
        return msg_type not in OUTPUT_TYPES and size <= MAX_ENVELOPE_BYTES


def _small(msg_type: str, size: int) -> bool:
    return size <= MAX_OTHER_FRAME_BYTES


def values(data) -> int:
    """An upper bound on the number of values in JSON ``data`` (each but the first follows a ',', '[' or '{'),
    counted without decoding it."""
    if isinstance(data, str):
        return data.count(",") + data.count("[") + data.count("{")
    return data.count(b",") + data.count(b"[") + data.count(b"{")


def read(session, frames, admit) -> dict:
    """The message in ``frames`` (zmq frames, undecoded), its content decoded only if ``admit(msg_type, size)``."""
    _, parts = session.feed_identities(frames, copy=False)
    # [signature, header, parent header, metadata, content]: the grader takes no extra buffers
    if len(parts) != 5 or any(len(parts[i]) > MAX_ENVELOPE_BYTES for i in (1, 2, 3)):
        return _dropped({"header": {}, "parent_header": {}, "metadata": {}}, keep_parent=False)
    try:
        if len(parts[0]) == len(RELAY_DROPPED) and parts[0].bytes == RELAY_DROPPED:
            return _cut_by_relay(session, parts)
        message = session.deserialize(parts, content=False, copy=False)
        if not isinstance(message["msg_type"], str) or not isinstance(message["parent_header"], dict):
            raise TypeError
    except (TypeError, KeyError, AttributeError):  # signed, but not a jupyter message: it answers nobody
        return _dropped({"header": {}, "parent_header": {}, "metadata": {}}, keep_parent=False)
    content = message["content"]
    if values(content) <= MAX_MESSAGE_VALUES and admit(message["msg_type"], len(content)):
        message["content"] = session.unpack(content)
        return message
    return _dropped(message, keep_parent=message["msg_type"] in OUTPUT_TYPES, size=len(content))


def _cut_by_relay(session, parts) -> dict:
    """An output the relay cut. It is unsigned, so it is only ever read as "something was cut": a kernel
    that sends one itself only loses its own output (and whatever its fields hold, they are checked here)."""
    header, parent, content = (_object(session, parts[i]) for i in (1, 2, 4))
    msg_type, size = header.get("msg_type"), content.get("bytes")
    message = {"header": header, "parent_header": parent, "metadata": {}, "msg_type": msg_type}
    return _dropped(message, keep_parent=isinstance(msg_type, str) and msg_type in OUTPUT_TYPES,
                    size=size if isinstance(size, int) and 0 <= size < 2**63 else 0)


def _object(session, frame) -> dict:
    """A small frame's JSON object, or {}."""
    try:
        value = session.unpack(frame.bytes) if len(frame) <= MAX_ENVELOPE_BYTES else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _dropped(message, keep_parent, size=0) -> dict:
    # an output keeps whom it answered, so that its cell can say it was cut; anything else answers nobody
    message.update(msg_type=DROPPED, content={"bytes": size}, buffers=[],
                   parent_header=message["parent_header"] if keep_parent else {})
    message.setdefault("msg_id", None)
    return message


class _BoundedChannel(ZMQSocketChannel):
    admit = staticmethod(_small)

    def _recv(self, **kwargs):
        return read(self.session, self.socket.recv_multipart(copy=False), self.admit)


class _BoundedAsyncChannel(AsyncZMQSocketChannel):
    admit = staticmethod(_small)

    async def _recv(self, **kwargs):
        return read(self.session, await self.socket.recv_multipart(copy=False), self.admit)


def bounded_context(context):
    context.setsockopt(zmq.MAXMSGSIZE, MAX_OTHER_FRAME_BYTES)
    context.setsockopt(zmq.RCVHWM, QUEUED_MESSAGES)
    return context


def _connect_iopub(client, identity=None):
    # as jupyter_client's connect_iopub, with room for a reply's frame (options apply from connect on)
    socket = client.context.socket(zmq.SUB)
    socket.linger = 1000
    socket.setsockopt(zmq.MAXMSGSIZE, MAX_IOPUB_FRAME_BYTES)
    socket.setsockopt(zmq.SUBSCRIBE, b"")
    socket.connect(client._make_url("iopub"))
    return socket


class Disconnects:
    """How often zmq has dropped a socket's connection (a frame over its maximum size, among others)."""

    def __init__(self, socket):
        self._monitor = socket.get_monitor_socket(zmq.EVENT_DISCONNECTED)  # owned by the socket's context
        self._events = zmq.Socket.shadow(self._monitor.underlying)  # read without an event loop
        self.seen = 0

    def new(self) -> int:
        """Disconnections since the last call."""
        count = 0
        while True:
            try:
                self._events.recv_multipart(zmq.NOBLOCK)
            except (zmq.Again, zmq.ZMQError):
                self.seen += count
                return count
            count += 1


class BoundedKernelClient(BlockingKernelClient):
    """The bridge's client: bounded sockets; its iopub channel decodes what ``iopub_channel.admit`` allows."""

    shell_channel_class = iopub_channel_class = stdin_channel_class = control_channel_class = _BoundedChannel

    def _context_default(self):
        self._created_context = True
        return bounded_context(zmq.Context())

    connect_iopub = _connect_iopub


class BoundedAsyncKernelClient(AsyncKernelClient):
    """nbclient's client (the student's cells): the same bounds."""

    shell_channel_class = iopub_channel_class = stdin_channel_class = control_channel_class = _BoundedAsyncChannel

    disconnects: Disconnects = None  # of its iopub socket

    def _context_default(self):
        self._created_context = True
        return bounded_context(zmq.asyncio.Context())

    def connect_iopub(self, identity=None):
        socket = _connect_iopub(self)
        self.disconnects = Disconnects(socket)
        return socket

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """Wait until the kernel answers on its shell channel and its messages reach the iopub channel, asking
        again every ``SUBSCRIBE_RETRY_S``: jupyter_client asks again only after 0.2 s, and a new client's first
        ask is usually missed on iopub (a fifth of a second of every notebook's grading)."""
        deadline = time.monotonic() + (math.inf if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except queue.Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:
                    await self.iopub_channel.get_msg(timeout=SUBSCRIBE_RETRY_S)
                except queue.Empty:
                    pass
                else:
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
