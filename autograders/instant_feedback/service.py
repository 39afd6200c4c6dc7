"""The hub service ``instant-feedback``: grades each submission as it arrives and releases its feedback.

JupyterHub starts it (``dlcourse instant-feedback serve``) as the course's grader account, which owns the
course, its gradebook and the exchange's feedback, and restarts it if it dies. It listens on a unix socket
that every account can reach and answers by who asks, as the kernel reports the connecting process:

- root (the intake): ``admit`` a student's submission, or refuse it when the assignment's attempts are used
  up, before it is read; ``arrived``: a submission was stored, queue it (committed before the intake answers
  the student), replacing that student's new submission of the assignment still waiting;
- the grader account and root (instructors, from formgrader's terminal): ``queue`` (its length, who is being
  graded, the waits) and ``regrade`` (after a fix to the hidden checks);
- a student (their server, for the assignment list): ``status`` of their own submissions and attempts.

One thread per worker process (``worker.py``, as many as cores) takes the oldest queued submission whose
student and assignment are not being graded, has it graded, records the outcome, and then makes the
gradebook hold the submission that counts (the best or the last graded) again if it was another one.
Submissions that arrived while the service was down are found in ``inbound/`` when it starts, and every
30 seconds.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import multiprocessing
import os
import pwd
import signal
import socketserver
import statistics
import threading
import time
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from traitlets import Unicode
from traitlets.config import Configurable

from ..class_grading import devices
from ..course import Course
from ..errors import DlcourseError, UsageError
from ..hub.intake import peer_uid
from ..nbgrader_door.config import course_config
from ..hub.roster import read_roster
from . import worker
from .journal import FAILED, FRESH, GRADED, JOURNAL_FILE, OFF, QUEUED, Journal, Outcome, Submission, parse_folder
from .policy import POLICY_FILE, PolicyFile

log = logging.getLogger("dlcourse.instant_feedback")
REQUEST_LIMIT = 16 << 10
REQUEST_SECONDS = 5.0  # to send a whole request
PER_ACCOUNT = 4  # requests of one account (a student's server, a terminal) answered at once
RESCAN_SECONDS = 30.0  # how often inbound/ is looked at for submissions the service was not told of
JOB_SECONDS = 1800.0  # one submission's grading, at most (the engine's own limits stop it well before)
MAX_TRIES = 3  # interrupted gradings (a worker or the service died) before a submission fails
RECENT_SECONDS = 3600.0  # the waits instructors are shown are those of the last hour
# what each request may say beside "op"
FIELDS = {"admit": {"student", "assignment"}, "arrived": {"folder"}, "status": set(), "queue": set(),
          "regrade": {"assignment", "student"}}


class InstantFeedbackSettings(Configurable):
    """Where the service listens: set in the hub's course config by ``dlcourse hub``."""

    socket = Unicode("", help="Unix socket of the hub's instant-feedback service.").tag(config=True)


def socket_of(course_root: Path) -> str:
    path = InstantFeedbackSettings(config=course_config(Path(course_root))).socket
    if not path:
        raise UsageError(f"{course_root} is not a hub's course (its nbgrader config names no instant-feedback "
                         "socket): run this in formgrader's terminal, or give --course <state>/course")
    return path


class Refused(DlcourseError):
    """A request answered with an error."""


class WorkerLost(DlcourseError):
    pass


class WorkerProcess:
    """One worker process and the pipe to it; started (again) when needed."""

    def __init__(self, course_root: Path, index: int):
        self.course_root, self.index = course_root, index
        self.process = self.connection = None

    def call(self, step: str, request: dict, timeout: float = JOB_SECONDS):
        if self.process is None or not self.process.is_alive():
            self.start()
        self.connection.send((step, request))
        if not self.connection.poll(timeout):
            self.stop()
            raise WorkerLost(f"it was not graded within {timeout / 60:g} minutes")
        try:
            reply = self.connection.recv()
        except (EOFError, OSError):
            self.stop()
            raise WorkerLost("the grading worker stopped") from None
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply["outcome"]

    def start(self):
        context = multiprocessing.get_context("spawn")  # nothing of the service's threads and sockets
        self.connection, child = context.Pipe()
        self.process = context.Process(target=worker.serve, args=(child, str(self.course_root)), daemon=True,
                                       name=f"instant-feedback-worker-{self.index}")
        self.process.start()
        child.close()

    def stop(self):
        if self.process is not None:
            self.process.kill()
            self.process.join()
            self.process = None


class InstantFeedback:
    """The service's state: the journal, the policy, the students, the workers."""

    def __init__(self, course_root: Path, workers: int, clock=time.time):
        self.course_root = Path(course_root).resolve()
        self.clock = clock
        config = course_config(self.course_root)
        self.inbound = Path(config.Exchange.root) / config.CourseDirectory.course_id / "inbound"
        self.assignments = Course(self.course_root).assignment_names()
        self.policies = PolicyFile(self.course_root, self.assignments)
        self.students = {m.id for m in read_roster(self.course_root / "roster.csv").students}
        self.grader_uid = os.geteuid()
        self.journal = Journal(self.course_root / JOURNAL_FILE, clock)
        self.workers = workers
        self.busy: set[tuple[str, str]] = set()  # (student, assignment) being graded or put back
        self.unsettled: set[tuple[str, str]] = set()  # the gradebook may not hold the submission that counts
        self.lock = threading.Lock()
        self.wakeup = threading.Condition(self.lock)
        self.stopping = threading.Event()

    # -- the queue ---------------------------------------------------------------------------------------------
    def recover(self):
        """After a start: gradings that were interrupted go back to their place; what arrived unseen is queued."""
        for row in self.journal.interrupted():
            self.journal.requeue(row.id, MAX_TRIES, "its grading was interrupted too often: ask your instructor")
        for student, assignment, held in self.journal.held_pairs():
            counting = self.journal.counting(student, assignment, self.policies.of(assignment).counts)
            if counting and counting.id != held:
                self.unsettled.add((student, assignment))
        self.rescan()

    def rescan(self) -> int:
        """Queue the submissions in inbound/ the journal does not know, made since it began."""
        known, added = self.journal.folders(), 0
        for name in sorted(os.listdir(self.inbound)):
            if name in known or not self._ours(name):
                continue
            student, assignment, _timestamp, arrived = parse_folder(name)
            if arrived >= self.journal.created_at:
                self.journal.add(name, self.policies.of(assignment).instant_feedback)
                added += 1
        if added:
            log.warning("found %d submission(s) in %s the service had not been told of", added, self.inbound)
            self._notify()
        return added

    def _ours(self, name: str) -> bool:
        parsed = parse_folder(name)
        return bool(parsed) and parsed[0] in self.students and parsed[1] in self.assignments \
            and (self.inbound / name).is_dir()

    def _notify(self):
        with self.wakeup:
            self.wakeup.notify_all()

    def next_task(self, index: int):
        """("settle", (student, assignment)) or ("grade", Submission), now marked busy; None when idle."""
        with self.lock:
            for pair in sorted(self.unsettled - self.busy):
                self.unsettled.discard(pair)
                self.busy.add(pair)
                return "settle", pair
            while (row := self.journal.claim(index, self.busy)) is not None:
                if row.priority == FRESH and not self.policies.of(row.assignment).instant_feedback:
                    self.journal.set_state(row.id, OFF)  # turned off while it waited
                    continue
                self.busy.add((row.student, row.assignment))
                return "grade", row
        return None

    def run_slot(self, index: int):
        process = WorkerProcess(self.course_root, index)
        process.start()  # nbgrader and the engine are imported before the first submission arrives
        try:
            while not self.stopping.is_set():
                task = self.next_task(index)
                if task is None:
                    with self.wakeup:
                        self.wakeup.wait(timeout=1.0)
                    continue
                kind, what = task
                pair = (what.student, what.assignment) if kind == "grade" else what
                try:
                    if kind == "grade":
                        self._grade(process, what)
                    self._settle(process, *pair)
                except Exception:  # the slot goes on with the next submission
                    log.exception("worker %d: %s of %s/%s failed", index, kind, *pair)
                finally:
                    with self.lock:
                        self.busy.discard(pair)
                    self._notify()
        finally:
            process.stop()

    def _grade(self, process: WorkerProcess, row: Submission):
        request = {"id": row.id, "folder": row.folder, "student": row.student, "assignment": row.assignment,
                   "shown_before_deadline": self.policies.of(row.assignment).shown_before_deadline}
        try:
            outcome = process.call("grade", request)
        except WorkerLost as exc:
            if self.journal.requeue(row.id, MAX_TRIES, f"the hub could not grade it: {exc}"):
                log.warning("%s: %s; queued again", row.folder, exc)
            return
        except RuntimeError as exc:
            outcome = Outcome(None, None, reason=f"the hub could not grade it ({exc}); it is kept, and your "
                                                 "instructor can grade it again")
        else:
            self.journal.set_held(row.student, row.assignment, row.id)
        self.journal.finish(row.id, outcome)
        log.info("%s: %s of %s points (worker %s)", row.folder, outcome.score, outcome.max_score, row.worker)

    def _settle(self, process: WorkerProcess, student: str, assignment: str):
        """Make the gradebook hold the submission that counts, and keep only its grading."""
        counting = self.journal.counting(student, assignment, self.policies.of(assignment).counts)
        if counting is None:
            return
        if counting.id != self.journal.held(student, assignment):
            try:
                process.call("restore", asdict(counting))
                self.journal.set_held(student, assignment, counting.id)
            except (RuntimeError, WorkerLost) as exc:  # its grading was not kept: grade it again
                log.warning("putting back %s failed (%s): grading it again", counting.folder, exc)
                self.journal.regrade(assignment, "best", student=student, only=counting.id)
                return
        for row in self.journal.of_student(student):
            if row.assignment == assignment and row.id != counting.id and row.state != QUEUED:
                worker.forget(self.course_root, row.id)

    # -- requests ----------------------------------------------------------------------------------------------
    def answer(self, uid: int, request: dict) -> dict:
        op = request.get("op")
        if op in FIELDS and (unknown := set(request) - FIELDS[op] - {"op"}):
            raise Refused(f"unknown field(s) {', '.join(sorted(str(k)[:40] for k in unknown))}: who asks is known "
                          "without asking")
        if uid == 0 and op in ("admit", "arrived"):
            return getattr(self, op)(request)
        if uid in (0, self.grader_uid) and op in ("queue", "regrade"):
            return getattr(self, op)(request)
        try:
            name = pwd.getpwuid(uid).pw_name
        except KeyError:
            name = None
        if name in self.students and op == "status":
            return self.status(name)
        raise Refused(f"{name or f'uid {uid}'} may not ask for {str(op)[:40]!r}")

    def _assignment(self, request: dict) -> str:
        name = request.get("assignment")
        if name not in self.assignments:
            raise Refused(f"{str(name)[:100]!r} is not an assignment of this course")
        return name

    def admit(self, request: dict) -> dict:
        """May the student submit the assignment now? Counted: their submissions within the policy's window."""
        student, assignment = str(request.get("student")), self._assignment(request)
        policy = self.policies.of(assignment)
        if not (policy.instant_feedback and policy.attempts):
            return {"ok": True}
        used = self.journal.attempts_since(student, assignment, self.clock() - policy.window)
        if len(used) < policy.attempts:
            return {"ok": True}
        opens = used[len(used) - policy.attempts] + policy.window
        at = datetime.fromtimestamp(opens).astimezone().strftime("%H:%M %Z")
        return {"ok": False, "message": (
            f"you have submitted {assignment} {len(used)} times in the last {policy.attempts_per}, as many as it "
            f"allows while it is graded on arrival ({policy.attempts} per {policy.attempts_per}). You can submit "
            f"again at {at} (in {max(1, round((opens - self.clock()) / 60))} minutes). Your earlier submissions "
            "and their grades stay as they are.")}

    def arrived(self, request: dict) -> dict:
        folder = str(request.get("folder"))
        if not self._ours(folder):
            raise Refused(f"{folder[:200]!r} is not a submission in {self.inbound}")
        row = self.journal.add(folder, self.policies.of(parse_folder(folder)[1]).instant_feedback)
        self._notify()
        return {"state": row.state, "message": self._arrival_message(row)}

    def _arrival_message(self, row: Submission) -> str:
        if row.state == OFF:
            return "not graded on arrival: your instructor grades this assignment"
        ahead = self.journal.ahead_of(row) if row.state == QUEUED else 0
        return f"queued, {ahead} submission(s) ahead; the assignment list shows the result"

    def status(self, student: str) -> dict:
        rows = self.journal.of_student(student)
        now = self.clock()
        out = {}
        for assignment in self.assignments:
            policy = self.policies.of(assignment)
            counting = self.journal.counting(student, assignment, policy.counts)
            used = len(self.journal.attempts_since(student, assignment, now - policy.window)) \
                if policy.instant_feedback else 0
            out[assignment] = {
                "instant_feedback": policy.instant_feedback, "shown_before_deadline": policy.shown_before_deadline,
                "counts": policy.counts,
                "attempts": {"allowed": policy.attempts, "per": policy.attempts_per, "used": used,
                             "left": max(0, policy.attempts - used) if policy.attempts else None},
                "submissions": [self._shown(row, counting) for row in rows if row.assignment == assignment]}
        return {"assignments": out}

    def _shown(self, row: Submission, counting: Submission | None) -> dict:
        return {"timestamp": row.timestamp, "state": row.state,
                "ahead": self.journal.ahead_of(row) if row.state == QUEUED else None,
                "score": row.score if row.state in (GRADED, FAILED) else None, "max_score": row.max_score,
                "manual_points": row.manual_points, "reason": row.reason,
                "feedback": (row.feedback or "").split(":")[0] or None,
                "counts": counting is not None and counting.id == row.id}

    def queue(self, request: dict) -> dict:
        now = self.clock()
        queued, grading = self.journal.queued(), self.journal.grading()
        recent = self.journal.finished_since(now - RECENT_SECONDS)
        waits = [row.started_at - row.queued_at for row in recent if row.started_at and row.queued_at]
        totals = [row.finished_at - row.arrived for row in recent if row.priority == FRESH]
        return {"workers": self.workers, "queued": len(queued),
                "oldest_wait": round(now - min(r.queued_at for r in queued), 1) if queued else None,
                "grading": [{"student": r.student, "assignment": r.assignment, "worker": r.worker,
                             "seconds": round(now - r.started_at, 1)} for r in grading],
                "last_hour": {"graded": len(recent), "wait": _spread(waits), "arrival_to_feedback": _spread(totals)},
                "policy_error": self.policies.error}

    def regrade(self, request: dict) -> dict:
        assignment = self._assignment(request)
        student = request.get("student")
        if student is not None and student not in self.students:
            raise Refused(f"{str(student)[:100]!r} is not a student of this course")
        queued = self.journal.regrade(assignment, self.policies.of(assignment).counts, student=student)
        self._notify()
        return {"queued": queued}


def _spread(values: list[float]) -> dict | None:
    if not values:
        return None
    ordered = sorted(values)
    return {"p50": round(statistics.median(ordered), 1),
            "p95": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 1)}


class _Handler(socketserver.BaseRequestHandler):
    server: FeedbackServer

    def handle(self):
        uid = peer_uid(self.request)
        try:
            with self.server.asking(uid):
                reply = self.server.service.answer(uid, self._request())
        except (Refused, ValueError, TimeoutError) as exc:
            reply = {"error": str(exc)}
        except Exception as exc:
            log.exception("a request failed")
            reply = {"error": f"internal error ({type(exc).__name__})"}
        with contextlib.suppress(OSError):  # an asker that went away
            self.request.sendall(json.dumps(reply).encode())

    def _request(self) -> dict:
        """The request, sent whole within REQUEST_SECONDS (a trickle of bytes holds no thread longer)."""
        deadline, raw = time.monotonic() + REQUEST_SECONDS, b""
        while True:
            self.request.settimeout(max(deadline - time.monotonic(), 0.001))
            if not (chunk := self.request.recv(1 << 14)):
                break
            raw += chunk
            if len(raw) > REQUEST_LIMIT:
                raise Refused("the request is too long")
        request = json.loads(raw)
        if not isinstance(request, dict):
            raise Refused("a request is a JSON object")
        return request


class FeedbackServer(socketserver.ThreadingUnixStreamServer):
    """A thread per request; an account other than root's intake has at most PER_ACCOUNT requests at once."""

    daemon_threads = True

    def __init__(self, socket_path: Path, service: InstantFeedback):
        self.service = service
        self.active: collections.Counter[int] = collections.Counter()
        self.active_lock = threading.Lock()
        socket_path.unlink(missing_ok=True)
        super().__init__(str(socket_path), _Handler)
        socket_path.chmod(0o666)  # every account may ask; what it is answered depends on who it is

    @contextlib.contextmanager
    def asking(self, uid: int):
        with self.active_lock:
            if uid != 0 and self.active[uid] >= PER_ACCOUNT:
                raise Refused(f"more than {PER_ACCOUNT} requests of yours at once: ask again in a moment")
            self.active[uid] += 1
        try:
            yield
        finally:
            with self.active_lock:
                self.active[uid] -= 1


def serve(course_root: Path, workers: int = devices.usable_cores()):
    """Run until SIGTERM or SIGINT (JupyterHub stops its services so); the workers stop with it."""
    service = InstantFeedback(course_root, workers)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: service.stopping.set())
    service.policies.current()
    if service.policies.error:
        log.error("%s: %s", POLICY_FILE, service.policies.error)
    service.recover()
    socket_path = Path(socket_of(course_root))
    server = FeedbackServer(socket_path, service)
    for index in range(workers):
        threading.Thread(target=service.run_slot, args=(index,), daemon=True, name=f"slot-{index}").start()
    threading.Thread(target=server.serve_forever, daemon=True, name="requests").start()
    log.warning("grading on arrival for %s with %d workers; listening on %s", service.course_root, workers,
                socket_path)
    while not service.stopping.wait(RESCAN_SECONDS):
        service.rescan()
