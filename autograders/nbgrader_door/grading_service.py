"""The grading service: grades notebooks for nbgrader running as the course's grader account.

On the hub, formgrader and ``nbgrader autograde`` run as the grader account, but the grading
sandbox needs root (it runs each student kernel as a throwaway unprivileged user). The grader
account's nbgrader therefore hands each notebook to this service, run by the hub as root, over
a unix socket only that account can reach; the service grades it with the same engine and sends
back the scored notebook, and nbgrader records the scores as usual. The service trusts the
request no more than a submission: it grades against its own course's hidden checks (the course
``dlcourse hub`` was started with, root's, not the grader account's copy), always in the sandbox.
It reads no path of the grader account's, where links could lead root anywhere: the request
carries the files of the submission's folder (regular files only), and the service unpacks them
into a folder of its own.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import shutil
import signal
import socket
import socketserver
import struct
import tarfile
import tempfile
import threading
import time
from pathlib import Path, PurePosixPath

import nbformat

from ..course import Course
from ..class_grading import devices
from ..engine import GradingSettings, NotebookResult, grade_notebook
from ..engine.sanitize import MAX_NOTEBOOK_BYTES
from ..engine.spare_kernels import SpareKernels
from ..engine.verdict import CellResult
from ..errors import DlcourseError

log = logging.getLogger(__name__)
FILES_LIMIT = 64 << 20  # the files of the submission's folder (its notebooks included), all together
# a notebook of at most MAX_NOTEBOOK_BYTES is graded; the files travel in base64, a third larger
REQUEST_LIMIT = MAX_NOTEBOOK_BYTES + FILES_LIMIT * 4 // 3 + (1 << 20)


class GradingServiceError(DlcourseError):
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
    """Grade ``nb`` (updated in place) through the service listening on ``socket_path``; the files of
    ``workdir``, the submission's folder, go with it."""
    files = pack_folder(Path(workdir)) if workdir else b""
    request = {"assignment": assignment, "student": student, "notebook_name": notebook_name, "notebook": nb,
               "files": base64.b64encode(files).decode(),
               "settings": settings.for_service()}
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


def wait_until_listening(socket_path: str, seconds: float) -> bool:
    """Whether the service on ``socket_path`` answers within ``seconds``: the hub starts it beside the services that
    use it, and starts it again after it died, so a client that comes first waits instead of failing its work."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(max(1.0, deadline - time.monotonic()))
                sock.connect(socket_path)
                sock.shutdown(socket.SHUT_WR)  # an empty request, answered with an error and nothing done
                _receive(sock)
            return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.5)


def pack_folder(folder: Path) -> bytes:
    """What is under ``folder`` as an archive, no link followed: links, pipes and devices travel as what they
    are, so that the service, which grades only regular files and folders, refuses the folder and says why."""
    out, size = io.BytesIO(), 0

    def regular(info: tarfile.TarInfo):
        nonlocal size
        size += info.size if info.isfile() else 0
        if size > FILES_LIMIT:
            raise GradingServiceError(f"the files beside the notebook in {folder} hold more than "
                                      f"{FILES_LIMIT >> 20} MB: too much to grade")
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    with tarfile.open(fileobj=out, mode="w") as tar:
        tar.add(folder, arcname=".", filter=regular)
    return out.getvalue()


def unpack_folder(archive: bytes, target: Path):
    """Unpack what ``pack_folder`` made into ``target``: files and folders only, none of them outside it."""
    try:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            members = tar.getmembers()
            if sum(m.size for m in members) > FILES_LIMIT:
                raise GradingServiceError(f"the submission's files hold more than {FILES_LIMIT >> 20} MB")
            for member in members:
                name = PurePosixPath(member.name)
                if not (member.isfile() or member.isdir()):
                    kind = "a link" if member.issym() or member.islnk() else "a pipe or a device"
                    raise GradingServiceError(f"{member.name!r} in the submission's folder is {kind}: only regular "
                                              "files and folders are graded")
                if name.is_absolute() or ".." in name.parts:
                    raise GradingServiceError(f"{member.name!r} in the submission's files leads outside its folder")
                # made here one by one, never by tarfile's extraction (which makes links, devices, owners)
                path = target.joinpath(*name.parts)
                if member.isdir():
                    path.mkdir(parents=True, exist_ok=True)
                else:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(tar.extractfile(member).read())
                    path.chmod(0o755 if member.mode & 0o100 else 0o644)
    except (tarfile.TarError, OSError) as exc:
        raise GradingServiceError(f"the submission's files could not be unpacked: {exc}") from None


class _Handler(socketserver.BaseRequestHandler):
    server: GradingServer

    def handle(self):
        try:
            # read before judging: a reply while the client still sends would reach it as a reset connection
            raw = _receive(self.request)
            self.server.admit(self.request)
            request = json.loads(raw)
            reply = self.server.grade(request)
        except (DlcourseError, ValueError, KeyError, TypeError) as exc:
            reply = {"error": str(exc)}
        except Exception as exc:  # the client gets a reason instead of a dropped connection
            log.exception("grading failed")
            reply = {"error": f"internal error: {exc}"}
        self.request.sendall(json.dumps(reply).encode())


class GradingServer(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True

    def __init__(self, socket_path: Path, course_root: Path, *, allowed_uids: set[int], workers: int):
        self.course = Course(course_root)
        self.allowed_uids = allowed_uids
        self.slots = threading.BoundedSemaphore(workers)
        self.spares = SpareKernels(capacity=workers)  # the next requests' kernels boot while checks run
        socket_path.unlink(missing_ok=True)
        super().__init__(str(socket_path), _Handler)

    def admit(self, conn: socket.socket):
        """Only the accounts named may ask (the socket's folder permissions say so too)."""
        _pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                               struct.calcsize("3i")))
        if uid not in self.allowed_uids:
            raise GradingServiceError(f"uid {uid} may not ask for grading")

    def grade(self, request: dict) -> dict:
        assignment = self.course.assignment(str(request["assignment"]))
        settings = GradingSettings.from_client(request.get("settings", {}))
        nb = nbformat.from_dict(request["notebook"])
        files = base64.b64decode(str(request.get("files", "")), validate=True)
        # without files, the engine gives the kernel the assignment's helper files, as for `dlcourse grade`
        workdir = Path(tempfile.mkdtemp(prefix="dlcourse-submission-")) if files else None
        try:
            if workdir:
                unpack_folder(files, workdir)
            with self.slots:
                # the slots are the parallelism: a kernel on one thread, but the CNN's on every core
                result = grade_notebook(nb, assignment, student=str(request["student"]),
                                        workdir=workdir and str(workdir), settings=settings,
                                        notebook_name=str(request.get("notebook_name", "")), spares=self.spares,
                                        threads=devices.threads_env(devices.uses_every_core(assignment)))
        finally:
            if workdir:
                shutil.rmtree(workdir, ignore_errors=True)
        log.info("%s/%s: %g of %g points (%.1f s)", result.student, result.assignment, result.score,
                 result.max_score, result.seconds)
        return {"notebook": nb, "result": result.to_json()}


def serve(socket_path: Path, course_root: Path, *, allowed_uids: set[int], socket_gid: int | None, workers: int):
    server = GradingServer(socket_path, course_root, allowed_uids=allowed_uids, workers=workers)
    if socket_gid is not None:
        os.chown(socket_path, 0, socket_gid)
    socket_path.chmod(0o660)
    log.info("grading service for %s listening on %s", course_root, socket_path)
    # the hub stops its services with SIGTERM: as Ctrl-C, so that the kernels started ahead are shut down and
    # their spaces unmounted
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:  # how the hub stops its services
            log.info("grading service stopped")
        finally:
            server.spares.close()
