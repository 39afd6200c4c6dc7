"""The hub's intake: the only way a student's work enters the course's exchange.

Why: with nbgrader's default exchange every student writes into ``inbound/`` and a submission is
whatever a folder there is called and holds: another student's name, a backdated ``timestamp.txt``,
links that the grader account's collect follows to the quiz's key or the gradebook. Here ``inbound/``
is the grader account's alone and students submit through this service, run by the hub as root on a
unix socket every user can reach:

- **who** submits is the uid the kernel reports for the connecting process (``SO_PEERCRED``),
  never a name in the request, which does not even have a field for one;
- **what** is submitted is read from the student's assignment folder by a process that has become
  that student (so it reads nothing they could not) and that takes only regular files they own,
  reached with no link followed, within limits (``autograders.regular_files``); what it refuses is
  recorded in ``refused.txt`` beside the files, for the instructor, and told to the student;
- **when** is the server's clock once the folder has been read, written into the submission's name and
  its ``timestamp.txt`` by this service.

The files are written as root into a folder the grader account owns, so every step goes through
file descriptors with no link followed, and what is written is given to the grader account with
``fchown``. A student's submissions together are bounded too (``IntakeLimits.stored_megabytes``):
their files live on in the exchange as the grader account's, outside the student's own disk limits.
Each request is served in a process of its own, and one student has one submission in progress at a time.

Where the hub grades on arrival (``autograders.instant_feedback``), the intake asks that service first
whether the student may submit the assignment now (its attempts per hour or day), and tells it of each
submission it stored before answering the student, who is told where it stands in the queue. A service that
does not answer costs nobody their submission: it finds the submission in ``inbound/`` when it is back.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import pwd
import re
import secrets
import select
import shutil
import signal
import socket
import socketserver
import struct
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.abc import Exchange

from ..errors import DlcourseError
from ..regular_files import (REFUSALS_FILE, SUBMISSION, TreeError, TreeLimits, chown_tree, copy_regular_files,
                             open_folder, shown)
from .exchange import ask

log = logging.getLogger(__name__)

TIMESTAMP_FILE, SECRET_FILE = "timestamp.txt", "submission_secret.txt"  # nbgrader's names
RECORDS = (TIMESTAMP_FILE, SECRET_FILE, REFUSALS_FILE)  # what the intake writes beside the files it took
_STAGING = ".incoming-"  # a submission being received; nbgrader's patterns never match a dot-name
_ASSIGNMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_REQUEST_FIELDS = {"course_id", "assignment_id", "folder"}
_REPORT_LIMIT = 256 << 10
_MEASURE = TreeLimits(entries=1 << 30, megabytes=1 << 30)  # no limits: what is stored is only measured


@dataclass(frozen=True)
class IntakeLimits:
    tree: TreeLimits = SUBMISSION  # one submission
    stored_megabytes: int = 500  # all of one student's submissions kept in the exchange, in MiB
    read_seconds: float = 120.0  # to read one student's folder
    request_seconds: float = 10.0  # to send the whole request
    request_bytes: int = 16 << 10
    feedback_seconds: float = 10.0  # for the instant-feedback service's answer


class IntakeError(DlcourseError):
    """A submission refused as a whole; the message is for the student."""


@dataclass
class Receipt:
    """What the intake stored: sent back to the student's server, which caches it as nbgrader does."""

    student: str
    assignment: str
    timestamp: str  # the server's, nbgrader's format
    secret: str  # nbgrader's submission secret: names the feedback file
    folder: str  # the submission's folder in inbound/
    notebooks: list[str]  # the notebooks taken from the top of the assignment folder
    files: int
    refused: list[str] = field(default_factory=list)
    feedback: dict | None = None  # where grading on arrival stands: {"state", "message"}


@dataclass(frozen=True)
class Intake:
    """Where submissions go: one course's ``inbound/``, owned by its grader account."""

    exchange: Path
    course_id: str
    grader: pwd.struct_passwd
    limits: IntakeLimits = IntakeLimits()
    feedback_socket: Path | None = None  # the instant-feedback service, where the hub grades on arrival

    def _inbound(self) -> int:
        root = open_folder(self.exchange)
        try:
            course = open_folder(self.course_id, dir_fd=root)
        finally:
            os.close(root)
        try:
            inbound = open_folder("inbound", dir_fd=course)
        finally:
            os.close(course)
        if os.fstat(inbound).st_uid != self.grader.pw_uid:
            os.close(inbound)
            raise TreeError(f"{self.exchange}/{self.course_id}/inbound is not the grader account's")
        return inbound

    def clear_leftovers(self):
        """Remove what a receiving process that died left half-written."""
        inbound = self._inbound()
        try:
            for name in os.listdir(inbound):
                if name.startswith(_STAGING):
                    shutil.rmtree(name, dir_fd=inbound)
        finally:
            os.close(inbound)

    def receive(self, request: dict, student: pwd.struct_passwd) -> Receipt:
        """Take ``student``'s submission described by ``request`` (course_id, assignment_id, folder).

        Forks a process that reads the folder as ``student``; this process keeps its own rights.
        Raises IntakeError when nothing can be taken.
        """
        assignment, folder = self._check(request)
        self._admit(student.pw_name, assignment)
        inbound = self._inbound()
        staging = None
        name = f"{_STAGING}{secrets.token_hex(8)}"
        try:
            tree = self._room_left(inbound, student.pw_name)
            os.mkdir(name, 0o700, dir_fd=inbound)
            staging = open_folder(name, dir_fd=inbound)
            os.fchown(staging, student.pw_uid, student.pw_gid)
            report = _read_as(student, folder, staging, tree, self.limits.read_seconds)
            if "error" in report:
                raise IntakeError(report["error"])
            arrived = datetime.now(timezone.utc).strftime(Exchange.class_traits()["timestamp_format"].default())
            chown_tree(staging, self.grader.pw_uid, self.grader.pw_gid)
            receipt = Receipt(student.pw_name, assignment, arrived, secrets.token_hex(64),
                              f"{student.pw_name}+{assignment}+{arrived}+"
                              f"{base64.urlsafe_b64encode(os.urandom(9)).decode('ascii')}",
                              report["notebooks"], report["files"], report["refused"])
            records = {TIMESTAMP_FILE: arrived, SECRET_FILE: receipt.secret}
            if receipt.refused:
                records[REFUSALS_FILE] = "".join(f"{line}\n" for line in receipt.refused)
            for record, text in records.items():
                self._write(staging, record, text)
            os.fchmod(staging, 0o755)
            os.rename(name, receipt.folder, src_dir_fd=inbound, dst_dir_fd=inbound)
            name = None
            receipt.feedback = self._tell_feedback({"op": "arrived", "folder": receipt.folder})
            return receipt
        finally:
            if staging is not None:
                os.close(staging)
            if name is not None:
                shutil.rmtree(name, dir_fd=inbound, ignore_errors=True)
            os.close(inbound)

    def _admit(self, student: str, assignment: str):
        answer = self._tell_feedback({"op": "admit", "student": student, "assignment": assignment})
        if answer and answer.get("ok") is False:
            raise IntakeError(shown(str(answer.get("message")), 1000))

    def _tell_feedback(self, request: dict) -> dict | None:
        """The instant-feedback service's answer; None when there is none (the service is down or not used)."""
        if self.feedback_socket is None:
            return None
        try:
            answer = ask(str(self.feedback_socket), request, timeout=self.limits.feedback_seconds)
        except (OSError, ValueError) as exc:
            log.warning("the instant-feedback service did not answer %s (%s)", request["op"], exc)
            return {"state": "unknown", "message": "graded on arrival once the hub's grading service is back"}
        if "error" in answer:
            log.warning("the instant-feedback service refused %s: %s", request["op"], answer["error"])
            return None
        return {k: shown(str(answer[k]), 1000) if isinstance(answer[k], str) else answer[k]
                for k in ("ok", "state", "message") if k in answer}

    def _check(self, request) -> tuple[str, str]:
        if not isinstance(request, dict):
            raise IntakeError("a request is a JSON object")
        if unknown := set(request) - _REQUEST_FIELDS:
            raise IntakeError(f"unknown field(s) {', '.join(sorted(map(shown, unknown)))}: a submission names its "
                              "course, assignment and folder; who submits is known without asking")
        course, assignment, folder = (request.get(k) for k in ("course_id", "assignment_id", "folder"))
        if course != self.course_id:
            raise IntakeError(f"this hub's course is {self.course_id}, not {shown(str(course))}")
        if not isinstance(assignment, str) or not _ASSIGNMENT.fullmatch(assignment) \
                or not (self.exchange / self.course_id / "outbound" / assignment).is_dir():
            raise IntakeError(f"{shown(str(assignment))} is not an assignment released in {self.course_id}")
        if not isinstance(folder, str) or not os.path.isabs(folder) or "\0" in folder or len(folder) > 4096:
            raise IntakeError("the assignment folder must be given as an absolute path")
        return assignment, folder

    def _room_left(self, inbound: int, student: str) -> TreeLimits:
        """One submission's limits, within what is left of the student's room in the exchange."""
        stored = 0
        for entry in os.listdir(inbound):
            if entry.startswith(f"{student}+"):
                fd = open_folder(entry, dir_fd=inbound)
                try:
                    stored += copy_regular_files(fd, None, owner=self.grader.pw_uid, limits=_MEASURE).bytes
                finally:
                    os.close(fd)
        left = (self.limits.stored_megabytes << 20) - stored
        if left < 1 << 20:
            raise IntakeError(f"your submissions already hold {stored >> 20} MB, all that a student may keep in the "
                              f"exchange ({self.limits.stored_megabytes} MB): ask your instructor to remove old ones")
        tree = self.limits.tree
        return replace(tree, megabytes=min(tree.megabytes, left >> 20))

    def _write(self, folder: int, name: str, text: str):
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644, dir_fd=folder)
        try:
            os.fchown(fd, self.grader.pw_uid, self.grader.pw_gid)
            os.write(fd, text.encode())
        finally:
            os.close(fd)


def _read_as(student: pwd.struct_passwd, folder: str, staging: int, tree: TreeLimits, seconds: float) -> dict:
    """Copy ``folder`` into ``staging`` in a child process that is ``student``; its report.

    The child changes its uid without exec, so it is not dumpable: the student can stop or kill it
    (losing only this submission) but cannot trace it or reach its descriptors.
    """
    readable, writable = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(readable)
        _child(student, folder, staging, tree, writable)
    os.close(writable)
    try:
        raw = _read_until_closed(readable, time.monotonic() + seconds)
    except TimeoutError:
        os.kill(pid, signal.SIGKILL)
        return {"error": f"your folder could not be read within {seconds:g} s: nothing was submitted"}
    finally:
        os.close(readable)
        os.waitpid(pid, 0)
    try:
        return json.loads(raw)
    except ValueError:
        return {"error": "reading your folder was interrupted: nothing was submitted"}


def _child(student: pwd.struct_passwd, folder: str, staging: int, tree: TreeLimits, out: int):
    status, report = 1, {"error": "internal error"}
    try:
        # nothing of the service's (its sockets, the exchange) stays open in a process that becomes the student
        for fd in map(int, os.listdir("/proc/self/fd")):
            if fd > 2 and fd not in (staging, out):
                with contextlib.suppress(OSError):
                    os.close(fd)
        os.setgroups([])
        os.setresgid(student.pw_gid, student.pw_gid, student.pw_gid)
        os.setresuid(student.pw_uid, student.pw_uid, student.pw_uid)
        copied = copy_regular_files(folder, staging, owner=student.pw_uid, limits=tree,
                                    ignore=CourseDirectory.class_traits()["ignore"].default(),
                                    reserved=RECORDS)
        report = {"notebooks": [f for f in copied.files if "/" not in f and f.endswith(".ipynb")],
                  "files": len(copied.files), "refused": [str(r) for r in copied.refused]}
        status = 0
    except TreeError as exc:
        report = {"error": str(exc)}
    except BaseException as exc:  # the child must end here, whatever happened: it is the student now
        report = {"error": f"internal error ({type(exc).__name__})"}
    finally:
        try:
            os.write(out, json.dumps(report).encode()[:_REPORT_LIMIT])
        finally:
            os._exit(status)


def _read_until_closed(fd: int, deadline: float) -> bytes:
    chunks, size = [], 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise TimeoutError
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > _REPORT_LIMIT:
            raise TimeoutError
        chunks.append(chunk)


# ---- the service ---------------------------------------------------------------------------------


def peer_uid(sock: socket.socket) -> int:
    _pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                           struct.calcsize("3i")))
    return uid


class _Handler(socketserver.BaseRequestHandler):
    server: IntakeServer

    def handle(self):
        try:
            reply = asdict(self.server.serve_one(self.request))
        except IntakeError as exc:
            reply = {"error": str(exc)}
        except (TreeError, OSError) as exc:
            log.exception("a submission failed")
            reply = {"error": f"the hub could not store it ({exc}): nothing was submitted"}
        self.request.sendall(json.dumps(reply).encode())


class IntakeServer(socketserver.ForkingMixIn, socketserver.UnixStreamServer):
    """Each request in a forked process of its own; at most one in progress per account."""

    def __init__(self, socket_path: Path, intake: Intake, students: set[str]):
        self.intake = intake
        self.students = students
        self.in_progress: dict[int, int] = {}  # pid of the process serving it -> uid asking
        socket_path.unlink(missing_ok=True)
        super().__init__(str(socket_path), _Handler)
        socket_path.chmod(0o666)  # every student may ask; who asks is the kernel's to say

    def process_request(self, request, client_address):
        uid = peer_uid(request)
        self.collect_children()  # those that ended are no longer in progress
        active = set(self.active_children or ())
        self.in_progress = {pid: who for pid, who in self.in_progress.items() if pid in active}
        if uid in self.in_progress.values():
            request.sendall(json.dumps({"error": "a submission of yours is still being received: try again in a "
                                                 "moment"}).encode())
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)
        for pid in set(self.active_children or ()) - active:
            self.in_progress[pid] = uid

    def serve_one(self, sock: socket.socket) -> Receipt:
        uid = peer_uid(sock)
        try:
            account = pwd.getpwuid(uid)
        except KeyError:
            raise IntakeError(f"uid {uid} has no account") from None
        if account.pw_name not in self.students:
            raise IntakeError(f"{account.pw_name} is not a student of {self.intake.course_id}")
        # the whole request within request_seconds: a timeout per read would let one trickle in for hours
        deadline = time.monotonic() + self.intake.limits.request_seconds
        raw = b""
        try:
            while True:
                if (left := deadline - time.monotonic()) <= 0:
                    raise TimeoutError
                sock.settimeout(left)
                if not (chunk := sock.recv(1 << 14)):
                    break
                raw += chunk
                if len(raw) > self.intake.limits.request_bytes:
                    raise IntakeError("the request is too long")
            request = json.loads(raw)
        except (TimeoutError, ValueError) as exc:
            raise IntakeError(f"not a request ({type(exc).__name__})") from None
        finally:
            sock.settimeout(self.intake.limits.request_seconds)  # for the reply
        receipt = self.intake.receive(request, account)
        log.warning("%s submitted %s: %d files, %d refused", receipt.student, receipt.assignment, receipt.files,
                    len(receipt.refused))
        return receipt


def serve(socket_path: Path, intake: Intake, students: set[str]):
    intake.clear_leftovers()
    server = IntakeServer(socket_path, intake, students)
    log.warning("intake for %s listening on %s", intake.course_id, socket_path)
    with server:
        server.serve_forever()
