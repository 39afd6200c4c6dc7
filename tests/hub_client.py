"""A browser-like client of the hub, for the hub tests and benchmarks/hub_load.py.

It does over HTTP what the browser does: the login form, the spawn page, the OAuth redirects
to the user's server, the server's REST API with its XSRF token, a kernel's websocket.
"""

from __future__ import annotations

import contextlib
import json
import pwd
import shutil
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import requests
import websocket


COURSE = {"course_id": "dl-course"}
FORMGRADER = "/services/dl-course/"


class HubError(AssertionError):
    pass


class HubUser:
    def __init__(self, base_url: str, name: str):
        self.base = base_url.rstrip("/")
        self.name = name
        self.http = requests.Session()

    # -- the hub -----------------------------------------------------------------------------
    def login(self, password: str):
        reply = self.try_login(password)
        if reply.status_code != 302:
            raise HubError(f"{self.name} could not log in: HTTP {reply.status_code}")
        return reply

    def try_login(self, password: str) -> requests.Response:
        """The login form sent as a browser sends it; 302 when it worked."""
        self.http.get(f"{self.base}/hub/login").raise_for_status()
        return self.http.post(f"{self.base}/hub/login", allow_redirects=False, data={
            "username": self.name, "password": password, "_xsrf": self.xsrf("/hub/")})

    def start_server(self, timeout: float = 180) -> float:
        """Ask for the server as the spawn page does, wait until it answers; returns the seconds taken."""
        started = time.monotonic()
        while True:
            reply = self.http.get(f"{self.base}/hub/spawn/{self.name}")
            if reply.status_code != 429:  # too many spawns at once: the page says to retry in a moment
                break
            if time.monotonic() - started > timeout:
                raise HubError(f"{self.name}: the hub kept refusing to spawn (429)")
            time.sleep(float(reply.headers.get("Retry-After", 2)))
        reply.raise_for_status()
        self._wait_for_progress(timeout - (time.monotonic() - started))
        while time.monotonic() - started < timeout:
            # JupyterLab's page: the server's own, reached through its OAuth redirects, which also set the
            # server's cookies (XSRF included)
            reply = self.http.get(self.server_url("lab"))
            if reply.ok and urlsplit(reply.url).path.startswith(f"/user/{self.name}/"):
                return time.monotonic() - started
            time.sleep(0.5)
        raise HubError(f"{self.name}'s server did not start within {timeout:g} s")

    def _wait_for_progress(self, timeout: float):
        """Until the hub's progress events say the server is ready, as the spawn page's browser waits."""
        url = f"{self.base}/hub/api/users/{self.name}/server/progress"
        with self.http.get(url, stream=True, timeout=max(1.0, timeout)) as events:
            events.raise_for_status()
            for line in events.iter_lines():
                if line.startswith(b"data:"):
                    event = json.loads(line[5:])
                    if event.get("failed"):
                        raise HubError(f"{self.name}'s server failed to start: {event.get('message')}")
                    if event.get("ready"):
                        return

    def hub_api(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.http.request(method, f"{self.base}/hub/api/{path}",
                                 headers={"X-XSRFToken": self.xsrf("/hub/")}, **kwargs)

    # -- the user's server, or a hub service (formgrader) ---------------------------------------
    def server_url(self, path: str = "", user: str | None = None) -> str:
        return f"{self.base}/user/{user or self.name}/{path}"

    def open_page(self, prefix: str, path: str = "") -> requests.Response:
        """A page under ``prefix`` (e.g. ``/services/dl-course/``), through the hub's OAuth as a browser goes."""
        reply = self.http.get(f"{self.base}{prefix}{path}")
        reply.raise_for_status()
        return reply

    def api(self, method: str, prefix: str, path: str, **kwargs) -> requests.Response:
        """A REST call under ``prefix`` with the XSRF token its pages set (open one first)."""
        return self.http.request(method, f"{self.base}{prefix}{path}", headers={"X-XSRFToken": self.xsrf(prefix)},
                                 **kwargs)

    def server_api(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.api(method, f"/user/{self.name}/", path, **kwargs)

    def assignments(self, action: str | None = None, **data) -> list | dict:
        """nbgrader's assignment list extension, as its panel in JupyterLab calls it."""
        if action is None:
            reply = self.server_api("GET", "assignments", params=data)
        else:
            reply = self.server_api("POST", f"assignments/{action}", data=data)
        reply.raise_for_status()
        answer = reply.json()
        if isinstance(answer, dict) and not answer.get("success", True):
            raise HubError(f"{self.name}: assignments/{action} failed: {answer}")
        return answer

    def run_code(self, code: str, timeout: float = 120) -> str:
        """Start a kernel, run ``code`` in it over its websocket, return its stdout (errors raise)."""
        with self.kernel() as run:
            return run(code, timeout)

    @contextlib.contextmanager
    def kernel(self):
        """A kernel of this user's server for several cells: yields ``run(code, timeout=120) -> stdout``."""
        kernel = self.server_api("POST", "api/kernels", json={"name": "python3"})
        kernel.raise_for_status()
        kernel_id = kernel.json()["id"]
        try:
            yield lambda code, timeout=120: self._execute(kernel_id, code, timeout)
        finally:
            self.server_api("DELETE", f"api/kernels/{kernel_id}")

    def _execute(self, kernel_id: str, code: str, timeout: float) -> str:
        url = urlsplit(self.server_url(f"api/kernels/{kernel_id}/channels"))
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        ws = websocket.create_connection(f"ws://{url.netloc}{url.path}", timeout=timeout,
                                         header=[f"Cookie: {cookies}"], origin=self.base)
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": self.name,
                       "session": uuid.uuid4().hex, "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        out, error, idle, replied = [], None, False, False
        deadline = time.monotonic() + timeout
        try:
            while not (idle and replied):
                if time.monotonic() > deadline:
                    raise HubError(f"{self.name}: the cell did not finish within {timeout:g} s")
                msg = json.loads(ws.recv())
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["msg_type"]
                if kind == "stream":
                    out.append(msg["content"]["text"])
                elif kind == "error":
                    error = f"{msg['content']['ename']}: {msg['content']['evalue']}"
                elif kind == "status" and msg["content"]["execution_state"] == "idle":
                    idle = True
                elif kind == "execute_reply":
                    replied = True
        finally:
            ws.close()
        if error:
            raise HubError(f"{self.name}'s cell failed: {error}")
        return "".join(out)

    def xsrf(self, path: str) -> str:
        for cookie in self.http.cookies:
            if cookie.name == "_xsrf" and cookie.path == path:
                return cookie.value
        raise HubError(f"no XSRF cookie for {path} yet: open a page under it first")


def logged_in(hub, name, *, server=True) -> HubUser:
    """``name`` logged in to the test's ``hub`` with the password it issued (conftest's ``RunningHub``)."""
    return hub.logged_in(name, server=server)


def formgrader(instructor: HubUser, method: str, path: str):
    """formgrader's REST API, as its pages call it (open a formgrader page first)."""
    reply = instructor.api(method, FORMGRADER, f"formgrader/api/{path}")
    reply.raise_for_status()
    answer = reply.json()
    if isinstance(answer, dict) and answer.get("success") is False:
        raise AssertionError(f"formgrader {path}: {answer.get('error')}\nits log:\n{answer.get('log')}")
    return answer


def entries(listing, assignment, status):
    """The assignment list's entries of ``assignment`` in ``status`` (one per submission once submitted)."""
    return [a for a in listing["value"] if a["assignment_id"] == assignment and a["status"] == status]


def forget_assignment(account: str, assignment: str):
    """Remove a demo account's fetched copy of ``assignment`` and its nbgrader cache (submissions, feedback)."""
    try:
        home = Path(pwd.getpwnam(account).pw_dir)
    except KeyError:
        return
    shutil.rmtree(home / assignment, ignore_errors=True)
    shutil.rmtree(home / ".local" / "share" / "jupyter" / "nbgrader_cache", ignore_errors=True)
