"""A relay between a sandboxed kernel and the grader, so that no message costs the grader more than its bounds.

zmq bounds each frame of a message (``zmq.MAXMSGSIZE``) but not how many frames a message has, and
it hands a message over only once all of its frames have arrived: a kernel that sends one message
of ten thousand 8 MiB frames (one buffer, sent again and again, costs it nothing) would make the
grader's zmq hold 80 GB before the grader saw any of it. So a sandboxed kernel's sockets are not
the ones the grader connects to: a relay process (``kernel_relay_main.py``, pyzmq in the student
environment, as the kernel's sandbox user, with its own memory limit) connects to the kernel's
and binds those the grader's clients use. Only the kernel's own folder (``kernel_side``) is bound
into its sandbox: the relay's sockets, beside it, are out of the kernel's sight, so it cannot put
sockets of its own in their place for the grader to connect to. It forwards what the grader sends
as it is, and what the kernel sends only within ``kernel_messages``' frame bounds: a request's
reply over them is dropped, an output over them becomes a small message that keeps whom it
answered (the cell then says its output was cut). A message too big for the relay's own memory ends the relay, not the
grader: the kernel then counts as dead, and the runner replays the notebook without the cell.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from . import sandbox
from .kernel_messages import MAX_ENVELOPE_BYTES, MAX_IOPUB_FRAME_BYTES, RELAY_DROPPED

MEMORY_MB = 256  # address space: its Python and zmq (~100 MB) and a few of the largest messages the grader takes
MAX_PARTS = 16  # frames in one message of the kernel's: a jupyter message has 7, and a routing prefix
_CHANNELS = ("shell", "iopub", "stdin", "control", "hb")


def _endpoints(info: dict) -> dict:
    return {channel: f"ipc://{info['ip']}-{info[f'{channel}_port']}" for channel in _CHANNELS}


def kernel_side(folder: str) -> str:
    """The folder, in the relay's ``folder``, of the kernel's own connection file and sockets: the only part of
    ``folder`` that its sandbox may see."""
    return os.path.join(folder, "kernel")


def start(connection_file: str, uid: int, gid: int) -> tuple[str, subprocess.Popen]:
    """Start the relay for the kernel whose grader-side connection file is ``connection_file``, in a folder of
    the sandbox user's that the sandbox does not see.

    Returns the kernel's own connection file (in ``kernel_side``), and the relay's process.
    """
    info = json.loads(Path(connection_file).read_text())
    folder = kernel_side(os.path.dirname(connection_file))
    os.mkdir(folder, 0o700)
    os.chown(folder, uid, gid)
    inner = {**info, "ip": os.path.join(folder, "kernel")}
    inner_file = Path(folder, "kernel.json")
    inner_file.write_text(json.dumps(inner))
    os.chown(inner_file, uid, gid)
    script = Path(connection_file).with_name("kernel_relay_main.py")
    shutil.copy(Path(__file__).with_name("kernel_relay_main.py"), script)
    spec = {"front": _endpoints(info), "back": _endpoints(inner), "max_frame": MAX_IOPUB_FRAME_BYTES,
            "max_parts": MAX_PARTS, "max_envelope": MAX_ENVELOPE_BYTES, "dropped": RELAY_DROPPED.decode()}
    argv = [*sandbox.as_user(uid, gid), "--", "prlimit", f"--as={MEMORY_MB * 2**20}", "--core=0", "--",
            str(sandbox.student_python()), "-E", "-s", "-B", str(script), json.dumps(spec)]
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    return str(inner_file), process
