"""The grading service: grades notebooks for nbgrader running as the course's grader account.

On the hub, formgrader and ``nbgrader autograde`` run as the grader account, but the grading
sandbox needs root (it runs each student kernel as a throwaway unprivileged user). The grader
account's nbgrader therefore hands each notebook to this service, run by the hub as root, over
a unix socket only that account can reach; the service grades it with the same engine and sends
back the scored notebook, and nbgrader records the scores as usual. The service trusts the
request no more than a submission: it grades against its own course's hidden checks, always in
the sandbox, and reads only folders inside its course's ``autograded/`` tree, reached and copied
with no link followed (the grader account, which owns that tree, must not become a reader of
root's files), refusing a folder that holds anything but regular files.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import socket
import socketserver
import struct
import tempfile
import threading
from pathlib import Path

import nbformat

from .course import Course, CourseError
from .engine import GradingSettings, NotebookResult, grade_notebook
from .engine.verdict import CellResult
from .regular_files import WORK_FOLDER, TreeError, copy_regular_files, open_beneath

log = logging.getLogger(__name__)
REQUEST_LIMIT = 64 << 20  # a notebook of at most 50 MB is graded (batch.py); JSON adds a little
_SETTINGS_FROM_CLIENT = ("kernel_name", "cell_timeout", "call_timeout", "seed", "notebook_timeout")


class GradingServiceError(RuntimeError):
    pass


def _receive(sock: socket.socket) -> bytes:
    chunks, size = [], 0
    while chunk := sock.recv(1 << 16):
        size += len(chunk)
        if size > REQUEST_LIMIT:
            raise GradingServiceError(f"request over {REQUEST_LIMIT >> 20} MB")
        chunks.append(chunk)
    return b"".join(chunks)


def grade_remotely(socket_path: str, nb, assignment: str, *, student: str, workdir: str | None,
                   settings: GradingSettings, notebook_name: str) -> NotebookResult:
    """Grade ``nb`` (updated in place) through the service listening on ``socket_path``."""
    request = {"assignment": assignment, "student": student, "workdir": workdir, "notebook_name": notebook_name,
               "notebook": nb, "settings": {k: getattr(settings, k) for k in _SETTINGS_FROM_CLIENT}}
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(socket_path)
            sock.sendall(json.dumps(request).encode())
            sock.shutdown(socket.SHUT_WR)
            reply = json.loads(_receive(sock))
    except OSError as exc:
        raise GradingServiceError(f"the grading service at {socket_path} cannot be reached ({exc}); "
                                  "is the hub's 'grading' service running?") from None
    if "error" in reply:
        raise GradingServiceError(f"the grading service refused: {reply['error']}")
    graded = nbformat.from_dict(reply["notebook"])
    nb.clear()
    nb.update(graded)
    fields = reply["result"]
    return NotebookResult(**{**fields, "cells": [CellResult(**c) for c in fields["cells"]]})


class _Handler(socketserver.BaseRequestHandler):
    server: GradingServer

    def handle(self):
        try:
            # read before judging: a reply while the client still sends would reach it as a reset connection
            raw = _receive(self.request)
            self.server.admit(self.request)
            request = json.loads(raw)
            reply = self.server.grade(request)
        except (GradingServiceError, CourseError, ValueError, KeyError, TypeError) as exc:
            reply = {"error": str(exc)}
        except Exception as exc:  # the client gets a reason instead of a dropped connection
            log.exception("grading failed")
            reply = {"error": f"internal error: {exc}"}
        self.request.sendall(json.dumps(reply).encode())


class GradingServer(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True

    def __init__(self, socket_path: Path, course_root: Path, *, allowed_uids: set[int], workers: int):
        self.course = Course(course_root)
        self.autograded = self.course.root / "autograded"
        self.allowed_uids = allowed_uids
        self.slots = threading.BoundedSemaphore(workers)
        socket_path.unlink(missing_ok=True)
        super().__init__(str(socket_path), _Handler)

    def admit(self, conn: socket.socket):
        """Only the accounts named may ask (the socket's folder permissions say so too)."""
        _pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                               struct.calcsize("3i")))
        if uid not in self.allowed_uids:
            raise GradingServiceError(f"uid {uid} may not ask for grading")

    def _copy_of(self, workdir: str, target: Path) -> str:
        """A private copy of ``workdir``, a folder of the course's ``autograded/`` tree, reached and copied with
        no link followed. A folder holding a link, or anything but regular files, is refused, as the copy found
        it: nothing can change between the check and the copy."""
        folder = Path(os.path.normpath(workdir))
        if not folder.is_relative_to(self.autograded):
            raise GradingServiceError(f"{workdir} is not a folder of this course's autograded/ tree")
        try:
            fd = open_beneath(self.course.root, folder.relative_to(self.course.root))
            try:
                report = copy_regular_files(fd, target, limits=WORK_FOLDER)
            finally:
                os.close(fd)
        except TreeError as exc:
            raise GradingServiceError(f"{workdir} cannot be graded: {exc}") from None
        if report.refused:
            raise GradingServiceError(f"{workdir} holds what a graded folder cannot (only regular files are graded): "
                                      + "; ".join(str(refusal) for refusal in report.refused[:5]))
        return str(target)

    def grade(self, request: dict) -> dict:
        assignment = self.course.assignment(str(request["assignment"]))
        asked = {k: request["settings"][k] for k in _SETTINGS_FROM_CLIENT if k in request.get("settings", {})}
        settings = dataclasses.replace(GradingSettings(), **asked, sandbox=True, allow_network=False)
        nb = nbformat.from_dict(request["notebook"])
        with self.slots, tempfile.TemporaryDirectory(prefix="dlcourse-graded-") as private:
            workdir = request.get("workdir")
            if workdir is not None:
                workdir = self._copy_of(str(workdir), Path(private) / "work")
            result = grade_notebook(nb, assignment, student=str(request["student"]), workdir=workdir,
                                    settings=settings, notebook_name=str(request.get("notebook_name", "")))
        log.info("%s/%s: %g of %g points (%.1f s)", result.student, result.assignment, result.score,
                 result.max_score, result.seconds)
        return {"notebook": nb, "result": result.to_json()}


def serve(socket_path: Path, course_root: Path, *, allowed_uids: set[int], socket_gid: int | None, workers: int):
    server = GradingServer(socket_path, course_root, allowed_uids=allowed_uids, workers=workers)
    if socket_gid is not None:
        os.chown(socket_path, 0, socket_gid)
    socket_path.chmod(0o660)
    log.warning("grading service for %s listening on %s", course_root, socket_path)
    with server:
        server.serve_forever()
