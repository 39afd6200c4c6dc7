"""nbgrader's exchange as the hub runs it, for students' servers and for formgrader.

Why: nbgrader's default exchange wants its root writable by everyone and lets every student write
into a course's ``inbound/``; a submission is then named after a folder name and a time the student
writes. On the hub nobody but root writes the exchange root, the hub makes the course's folders in
it (owned by the grader account), and ``inbound/`` is the grader account's alone. So every exchange
step here accepts a root it cannot write (nbgrader's steps check for write access before anything,
and its release step would even try to make the root world-writable), and a student submits through
the hub's intake service (``autograders.hub.intake``): it learns who is asking from the kernel, not
from the request, reads the assignment folder as that student, and records the server's time.

This module imports nothing of ``autograders``: students' servers, which cannot read the grading
package, import a copy of it that ``dlcourse hub`` puts beside their nbgrader config
(``STUDENT_MODULE``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket

from nbgrader.exchange.default import (ExchangeFetchAssignment, ExchangeFetchFeedback, ExchangeList,
                                       ExchangeReleaseAssignment, ExchangeSubmit)
from nbgrader.utils import get_username
from traitlets import Unicode

STUDENT_MODULE = "dlcourse_hub_exchange"  # the name students' servers import this module by
REPLY_LIMIT = 1 << 20  # bytes of the intake's answer
# the nbgrader exchange steps each side runs, by ExchangeFactory setting
STUDENT_STEPS = {"fetch_assignment": "HubFetchAssignment", "fetch_feedback": "HubFetchFeedback",
                 "list": "HubList", "submit": "HubSubmit"}


class HubExchangeRoot:
    """An exchange root that exists and can be passed through; writing in it is the hub's business."""

    def ensure_root(self):
        if not (os.path.isdir(self.root) and os.access(self.root, os.R_OK | os.X_OK)):
            self.fail(f"the course's exchange {self.root} cannot be reached: ask your instructor "
                      "whether the hub is running")


class HubFetchAssignment(HubExchangeRoot, ExchangeFetchAssignment):
    pass


class HubFetchFeedback(HubExchangeRoot, ExchangeFetchFeedback):
    pass


class HubList(HubExchangeRoot, ExchangeList):
    pass


class HubReleaseAssignment(HubExchangeRoot, ExchangeReleaseAssignment):
    pass


class HubSubmit(HubExchangeRoot, ExchangeSubmit):
    """``nbgrader submit`` (and the assignment list's Submit button) through the hub's intake service.

    What the intake took is also kept in the student's nbgrader cache, as nbgrader does, with the
    server's timestamp and the submission's secret: the assignment list and fetch_feedback read them.
    """

    intake_socket = Unicode("", help="Unix socket of the hub's intake service, which receives submissions.").tag(
        config=True)

    def init_dest(self):
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        if self.coursedir.student_id not in ("*", "", get_username()):
            self.fail(f"you can only submit as yourself ({get_username()}), not as {self.coursedir.student_id}")
        if not self.intake_socket:
            self.fail("no intake service is configured (HubSubmit.intake_socket): ask your instructor")
        self.cache_path = os.path.join(self.cache, self.coursedir.course_id)

    def copy_files(self):
        self.init_release()
        self.check_filename_diff()
        self.log.info("Source: %s", self.src_path)
        receipt = self._ask_intake({"course_id": self.coursedir.course_id,
                                    "assignment_id": self.coursedir.assignment_id, "folder": self.src_path})
        for line in receipt["refused"]:
            self.log.warning("not submitted: %s", line)
        cached = os.path.join(self.cache_path, f"{receipt['student']}+{self.coursedir.assignment_id}+"
                                               f"{receipt['timestamp']}")
        os.makedirs(cached)
        for notebook in receipt["notebooks"]:
            shutil.copyfile(os.path.join(self.src_path, notebook), os.path.join(cached, notebook))
        for name, text in (("timestamp.txt", receipt["timestamp"]), ("submission_secret.txt", receipt["secret"])):
            with open(os.path.join(cached, name), "w") as handle:
                handle.write(text)
        self.log.info("Submitted as: %s %s %s", self.coursedir.course_id, self.coursedir.assignment_id,
                      receipt["timestamp"])

    def _ask_intake(self, request: dict) -> dict:
        try:
            reply = ask(self.intake_socket, request, timeout=300)
        except (OSError, ValueError) as exc:
            self.fail(f"the hub's intake service at {self.intake_socket} did not answer ({exc}): "
                      "nothing was submitted; try again, or ask your instructor")
        if "error" in reply:
            self.fail(f"nothing was submitted: {reply['error']}")
        if feedback := reply.get("feedback"):
            self.log.info("Graded on arrival: %s", feedback.get("message"))
        return reply


def ask(socket_path: str, request: dict, timeout: float) -> dict:
    """Send ``request`` to the hub service on ``socket_path`` and return its JSON answer (at most REPLY_LIMIT
    bytes); raises OSError or ValueError when it does not answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(socket_path)
        try:
            sock.sendall(json.dumps(request).encode())
            sock.shutdown(socket.SHUT_WR)
        except BrokenPipeError:
            pass  # answered before it had read it all (busy): the answer says so
        chunks = []
        while (chunk := sock.recv(1 << 16)) and sum(map(len, chunks)) < REPLY_LIMIT:
            chunks.append(chunk)
    reply = json.loads(b"".join(chunks))
    if not isinstance(reply, dict):
        raise ValueError("the answer is not a JSON object")
    return reply
