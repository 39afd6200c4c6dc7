"""``dlcourse hub``: prepare the state folder, start JupyterHub, say where and how to log in."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

from ..formgrader_report import URL as CLASS_REPORT_URL
from ..process_env import OWN_BIN, with_own_bin
from .hub_log import relay
from .prepare import CHECKOUT
from .settings import SETTINGS_ENV, HubSettings

CONFIG = CHECKOUT / "hub_config" / "jupyterhub_config.py"


def start(settings: HubSettings, authenticator: str) -> subprocess.Popen:
    """JupyterHub on ``settings``, in its own process group (stopping it stops its services too); its output, and
    that of everything it starts, passed on to ours escaped (``hub_log.py``)."""
    env = dict(os.environ)
    env.update({SETTINGS_ENV: str(settings.layout.settings_file), "DLCOURSE_AUTHENTICATOR": authenticator,
                "PATH": with_own_bin(env.get("PATH", ""))})
    process = subprocess.Popen([str(OWN_BIN / "jupyterhub"), "-f", str(CONFIG)],
                               cwd=settings.layout.hub_dir, env=env, start_new_session=True,
                               preexec_fn=_interruptible, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    relay(process.stdout, sys.stdout)
    relay(process.stderr, sys.stderr)
    return process


def _interruptible():
    # JupyterHub stops its services and servers with SIGINT first; started from a script or in the
    # background, SIGINT arrives ignored and each of them would wait out JupyterHub's 10 s before SIGTERM
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_until_up(settings: HubSettings, process: subprocess.Popen, timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{settings.url}/hub/api/", timeout=2) as reply:
                if reply.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def stop(process: subprocess.Popen, timeout: float = 60):
    """SIGTERM, as JupyterHub expects (it stops servers and services); SIGKILL what is left after timeout."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _signal(process: subprocess.Popen, sig: int):
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def banner(settings: HubSettings, authenticator: str) -> str:
    lines = ["", f"The course is up: {settings.url}"]
    if authenticator == "firstuse":
        lines.append(f"Log in with a roster id and the password issued to it, in {settings.layout.initial_passwords} "
                     "(root only); `dlcourse new-password ID` issues a new one.")
    lines.append(f"  students:    {', '.join(settings.students) or '(none)'}")
    lines.append(f"  instructors: {', '.join(settings.instructors) or '(none)'} (they administer the hub; formgrader is the "
                 f"'{settings.course_id}' service on the hub's home page, the class report "
                 f"{settings.url}/services/{settings.course_id}/{CLASS_REPORT_URL})")
    if not settings.multiuser:
        lines += ["",
                  "!" * 78,
                  "!! DEVELOPMENT MODE: not run as root, so every user's server runs as YOUR account.",
                  "!! Students can read each other's files, the course's solutions and the hidden checks,",
                  "!! and autograding runs kernels without the sandbox. Never use this for a real class:",
                  "!! run `sudo .venv/bin/dlcourse hub` for real unix accounts per student.",
                  "!" * 78]
    lines.append("Stop with Ctrl-C.")
    return "\n".join(lines)


def run(settings: HubSettings, authenticator: str) -> int:
    process = start(settings, authenticator)
    # JupyterHub has its own session: a SIGTERM to this command is passed on, and it waits for the hub
    # below (waiting inside the handler would deadlock with that wait); Ctrl-C comes here only
    signal.signal(signal.SIGTERM, lambda *_: _signal(process, signal.SIGTERM))
    try:
        if not wait_until_up(settings, process):
            stop(process)
            print(f"dlcourse hub: JupyterHub did not come up on {settings.url} (its log is above)", file=sys.stderr)
            return 1
        print(banner(settings, authenticator), flush=True)
        return process.wait()
    except KeyboardInterrupt:
        print("\nstopping the hub ...", flush=True)
        stop(process)
        return 0
