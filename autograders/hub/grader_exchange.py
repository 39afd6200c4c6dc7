"""The exchange as formgrader runs it on the hub: what enters the course (collect) and what leaves it (feedback).

Why: nbgrader's collect copies a submission folder with ``shutil.copytree``, which follows links,
as the grader account, which can read the course's keys and gradebook; and its feedback release
copies whatever HTML feedback was generated. On the hub, submissions are made by the intake
(``autograders.hub.intake``), which already took only the student's regular files; collecting them
is still done the strict way (``autograders.regular_files``), so that nothing placed in ``inbound/``
by other means is followed or taken, and what the intake refused is told to the instructor in
collect's log, which formgrader shows. Feedback is released only after the same audit as
``dlcourse audit``: a feedback file that shows hidden material stays in the course, and the log says
which file and which line.

``collect_submission`` collects one student's submission, or exactly the one named (grading on arrival,
``autograders.instant_feedback``). Where an assignment's policy counts each student's best graded submission,
collect takes that one rather than the newest, so that formgrader's collect and autograde agree with the
grades given on arrival.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import stat
from pathlib import Path

from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default import ExchangeCollect, ExchangeReleaseFeedback
from nbgrader.utils import temp_attrs
from traitlets import Bool, Unicode

from ..audit import feedback_leaks
from ..course import Course, CourseError
from ..instant_feedback import folder_lock
from ..instant_feedback.journal import JOURNAL_FILE, Journal
from ..instant_feedback.policy import PolicyFile
from ..regular_files import REFUSALS_FILE, WORK_FOLDER, TreeError, copy_regular_files, recorded_refusals
from .exchange import HubExchangeRoot, HubList, HubReleaseAssignment


class StrictCollect(HubExchangeRoot, ExchangeCollect):
    """nbgrader's collect, taking from ``inbound/`` only folders made by its owner (the intake), and from those
    only regular files, with no link followed; everything refused, now or at submission, is logged."""

    # nbgrader warns when a submission's folder is not owned by the student it names; on the hub the intake
    # owns them all and has already established who submitted
    check_owner = Bool(False).tag(config=True)
    submission = Unicode("", help="The one submission to collect (its folder in inbound/) instead of each "
                                  "student's newest.").tag(config=True)
    lock_folders = Bool(True, help="Hold the lock of each student's folders while copying into them (off for "
                                   "folders no one else writes).").tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.refusals: list[str] = []  # "student/assignment: ..." lines, as logged
        self._wanted: set[str] | None = None

    def wanted(self) -> set[str]:
        """The submissions (folders in inbound/) to collect rather than the newest: the one asked for, or where
        the best graded submission counts, each student's."""
        if self._wanted is None:
            self._wanted = {self.submission} if self.submission else self._best_graded()
        return self._wanted

    def _best_graded(self) -> set[str]:
        root = Path(self.coursedir.root)
        try:
            counts = PolicyFile(root, Course(root).assignment_names()).of(self.coursedir.assignment_id).counts
        except CourseError:
            return set()
        if counts != "best" or not (root / JOURNAL_FILE).is_file():
            return set()
        journal = Journal(root / JOURNAL_FILE)
        try:
            return set(journal.counting_folders(self.coursedir.assignment_id, counts).values())
        finally:
            journal.close()

    def _sort_by_timestamp(self, records):
        newest_first = super()._sort_by_timestamp(records)
        return sorted(newest_first, key=lambda record: record["filename"] not in self.wanted())

    def init_src(self):
        super().init_src()
        if self.submission and self.submission not in {r["filename"] for r in self.src_records}:
            self.fail(f"no submission {self.submission} of {self.coursedir.assignment_id} in {self.inbound_path}")
        owner = os.stat(self.inbound_path).st_uid
        kept = []
        for record in self.src_records:
            info = os.lstat(os.path.join(self.inbound_path, record["filename"]))
            if stat.S_ISDIR(info.st_mode) and info.st_uid == owner:
                kept.append(record)
            else:
                self._refused(f"{record['username']}/{self.coursedir.assignment_id}",
                              f"{record['filename']}: not collected: not a submission made by the hub's intake")
        self.src_records = kept

    def copy_files(self):
        """nbgrader's copy, one student at a time, each holding the lock of their folders (grading on arrival moves
        folders in there too)."""
        records = self.src_records
        if not records:
            return super().copy_files()  # it says there is nothing to collect
        try:
            for record in records:
                dest = self.coursedir.format_path(self.coursedir.submitted_directory, record["username"],
                                                  self.coursedir.assignment_id)
                lock = folder_lock.holding(self.coursedir.root, record["username"], self.coursedir.assignment_id) \
                    if self.lock_folders else contextlib.nullcontext()
                with lock:
                    if record["filename"] in self.wanted() and os.path.isdir(dest) \
                            and self.coursedir.get_existing_timestamp(dest) != record["timestamp"]:
                        shutil.rmtree(dest)  # nbgrader's update would keep a newer submission in its place
                    self.src_records = [record]
                    super().copy_files()
        finally:
            self.src_records = records

    def do_copy(self, src, dest, log=None):
        label = "/".join(Path(dest).parts[-2:])
        try:
            report = copy_regular_files(src, dest, limits=WORK_FOLDER, ignore=self.coursedir.ignore)
        except TreeError as exc:
            self._refused(label, f"not collected: {exc}")
            return
        for line in recorded_refusals(Path(dest)):
            self._refused(label, f"refused at submission: {line}")
        if report.refused:
            with open(Path(dest) / REFUSALS_FILE, "a") as record:
                record.writelines(f"{refusal}\n" for refusal in report.refused)
        for refusal in report.refused:
            self._refused(label, f"not collected: {refusal}")

    def _refused(self, label: str, message: str):
        self.refusals.append(f"{label}: {message}")
        self.log.warning("%s: %s", label, message)


class AuditedReleaseFeedback(HubExchangeRoot, ExchangeReleaseFeedback):
    """nbgrader's release of feedback, holding back every student's feedback that shows hidden material."""

    def copy_files(self):
        leaking = self._leaking_students()
        excluded = {s for s in (self.coursedir.student_id_exclude or "").split(",") if s} | leaking
        with temp_attrs(self.coursedir, student_id_exclude=",".join(sorted(excluded))):
            super().copy_files()
        if leaking:
            self.fail(f"the feedback of {', '.join(sorted(leaking))} was not released: it shows hidden material "
                      "(which file and line: above). Fix the notebook or the checks' messages and generate it again.")

    def _leaking_students(self) -> set[str]:
        try:
            assignment = Course(self.coursedir.root).assignment(self.coursedir.assignment_id)
        except CourseError:
            return set()  # no hidden checks, nothing to leak
        leaking = set()
        for html_file in sorted(glob.glob(os.path.join(self.src_path, "*.html"))):
            path = Path(html_file)
            for leak in feedback_leaks(assignment, path):
                self.log.error("not released: %s", leak)
                leaking.add(path.parent.parent.name)
        return leaking


def collect_submission(config, assignment: str, student: str, folder: str | None = None) -> list[str]:
    """Collect ``student``'s submission of ``assignment`` into the course's ``submitted/`` tree, as formgrader's
    collect does for a class: the one in ``folder`` (its name in inbound/), else the one collect picks. ``config``:
    the course's nbgrader config. Returns what was refused, now or at submission ("student/assignment: ..."
    lines); raises nbgrader's ExchangeError when it cannot collect."""
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id, coursedir.student_id = assignment, student
    collector = StrictCollect(coursedir=coursedir, authenticator=Authenticator(config=config), config=config)
    collector.update = True
    collector.submission = folder or ""
    collector.start()
    return collector.refusals


# the exchange steps formgrader and the grader account's nbgrader run, by ExchangeFactory setting
GRADER_STEPS = {"release_assignment": HubReleaseAssignment, "list": HubList, "collect": StrictCollect,
                "release_feedback": AuditedReleaseFeedback}


def use_hub_exchange(c):
    """Point the course's nbgrader config ``c`` at the hub's exchange steps."""
    for setting, step in GRADER_STEPS.items():
        setattr(c.ExchangeFactory, setting, f"{step.__module__}.{step.__name__}")
