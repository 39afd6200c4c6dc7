"""Everything ``dlcourse hub`` sets up before JupyterHub starts; safe to run again at every start.

Run as root it makes the roster's unix accounts and the course's grader account, closes the
checkout (reference solutions, hidden checks) to everyone else, and gives the course's files to
the grader account. Run as anyone else it sets up the development mode: one account for all.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from ..course import Course
from ..engine.sandbox import student_python
from ..schedule import SCHEDULE_FILE
from . import accounts
from .roster import read_roster
from .settings import COURSE_ID, GRADER_ACCOUNT, HubSettings, Layout

CHECKOUT = Path(__file__).resolve().parents[2]
# lab extensions users' servers do not load: nbgrader's for instructors, and JupyterLab's news
# prompt, which would ask every student to let their server fetch news from the internet
_DISABLED_LAB_EXTENSIONS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                            "@jupyter/nbgrader:course-list", "@jupyterlab/apputils-extension:announcements")
_INSTRUCTOR_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list")


class HubSetupError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def preflight(multiuser: bool) -> Path:
    """What must be there before anything is changed; returns the students' bin folder."""
    if not shutil.which("configurable-http-proxy"):
        raise HubSetupError("configurable-http-proxy is not on PATH: run `make hub-setup` "
                            "(or `npm install -g configurable-http-proxy`)")
    student_bin = student_python().parent
    if not (student_bin / "jupyterhub-singleuser").is_file():
        raise HubSetupError(f"the students' environment {student_bin.parent} has no JupyterHub server: "
                            "run `make setup` (it installs course/requirements.txt there)")
    if multiuser:
        for what, path in (("students' servers run", student_bin / "python"),
                           (f"the {GRADER_ACCOUNT} account runs formgrader with", Path(sys.executable))):
            if reason := accounts.unreachable_by_others(path.resolve()):
                raise HubSetupError(f"the {what} {path}, which other users cannot reach: {reason}. Put the "
                                    "project (and its Python) where every user can reach it, e.g. under /opt, "
                                    "and build both environments from the system's Python (`make setup`)")
    return student_bin


def prepare(course: Course, roster_path: Path, state: Path, *, ip: str, port: int, log=print) -> HubSettings:
    multiuser = os.geteuid() == 0
    student_bin = preflight(multiuser)
    roster = read_roster(roster_path)
    layout = Layout(state.resolve())
    layout.state.mkdir(parents=True, exist_ok=True)
    layout.state.chmod(0o755)
    if multiuser and (reason := accounts.unreachable_by_others(layout.state / "exchange")):
        raise HubSetupError(f"the state folder {layout.state} must be reachable by every user (their servers use "
                            f"its exchange): {reason}. Choose another --state-dir")
    layout.hub_dir.mkdir(exist_ok=True)
    layout.hub_dir.chmod(0o700)

    grader = None
    if multiuser:
        grader = accounts.ensure_user(GRADER_ACCOUNT, system=True)
        for member in roster.members:
            accounts.ensure_user(member.id)
        for change in accounts.close_checkout(CHECKOUT, grader):
            log(f"closed to other users: {change}")
        if not course.root.is_relative_to(CHECKOUT):
            course.root.chmod(course.root.stat().st_mode & 0o700)
    _course_folder(course, roster_path, layout, grader, log)
    _exchange(layout)
    _student_config(layout)
    if multiuser:
        layout.grading_dir.mkdir(exist_ok=True)
        os.chown(layout.grading_dir, 0, grader.pw_gid)
        layout.grading_dir.chmod(0o750)
    else:
        layout.homes.mkdir(exist_ok=True)
    _release(layout, grader, log)

    settings = HubSettings(
        state_dir=str(layout.state), ip=ip, port=port, hub_port=free_port(), proxy_api_port=free_port(),
        formgrader_port=free_port(), multiuser=multiuser, students=[m.id for m in roster.students],
        instructors=[m.id for m in roster.instructors], grader_python=sys.executable, student_bin=str(student_bin))
    settings.save()
    return settings


def _course_folder(course: Course, roster_path: Path, layout: Layout, grader, log):
    """nbgrader's course folder on the hub: the sources (solutions included), the gradebook, submissions."""
    folder = layout.course_dir
    folder.mkdir(exist_ok=True)
    if grader:
        accounts.own(folder, grader, 0o700)
    for path in accounts.copy_tree_as(course.source_dir, folder / "source", grader):
        log(f"course source updated: {path}")
    shutil.copyfile(roster_path, folder / "roster.csv")
    shutil.copyfile(course.root / SCHEDULE_FILE, folder / SCHEDULE_FILE)
    lines = ['"""nbgrader configuration of the course on the hub (written by `dlcourse hub` at each start)."""',
             "from autograders.nbgrader_step import use_grading_engine", "",
             "c = get_config()  # noqa: F821",
             f"c.CourseDirectory.root = {str(folder)!r}",
             f"c.CourseDirectory.course_id = {COURSE_ID!r}",
             f"c.Exchange.root = {str(layout.exchange)!r}",
             "use_grading_engine(c)"]
    if grader:
        lines += ["# as the grader account this process cannot sandbox kernels: root's grading service does",
                  f"c.GradeWithHiddenChecks.grading_service = {str(layout.grading_socket)!r}"]
    (folder / "nbgrader_config.py").write_text("\n".join(lines) + "\n")
    if grader:
        for name in ("roster.csv", SCHEDULE_FILE, "nbgrader_config.py"):
            accounts.own(folder / name, grader, 0o600)


def _exchange(layout: Layout):
    # nbgrader wants its exchange root world-writable; the sticky bit keeps anyone from
    # renaming or deleting the course's folder in it, which the grader account creates
    layout.exchange.mkdir(exist_ok=True)
    layout.exchange.chmod(0o1777)


def _student_config(layout: Layout):
    folder = layout.student_config
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    for path in (folder, folder / "labconfig"):
        path.chmod(0o755)
    files = {
        folder / "nbgrader_config.py": "\n".join([
            '"""nbgrader in users\' servers: the course and its exchange (written by `dlcourse hub`)."""',
            "c = get_config()  # noqa: F821",
            f"c.CourseDirectory.course_id = {COURSE_ID!r}",
            f"c.Exchange.root = {str(layout.exchange)!r}", ""]),
        folder / "jupyter_server_config.json": json.dumps(
            {"ServerApp": {"jpserver_extensions": dict.fromkeys(_INSTRUCTOR_SERVER_EXTENSIONS, False)}}, indent=2),
        folder / "labconfig" / "page_config.json": json.dumps(
            {"disabledExtensions": dict.fromkeys(_DISABLED_LAB_EXTENSIONS, True)}, indent=2),
    }
    for path, text in files.items():
        path.write_text(text)
        path.chmod(0o644)


def _release(layout: Layout, grader, log):
    """Add the roster to the gradebook and release what changed, as the account that owns the course."""
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    as_grader = {}
    if grader:
        env["HOME"] = grader.pw_dir
        as_grader = {"user": grader.pw_uid, "group": grader.pw_gid, "extra_groups": []}
    else:
        env["HOME"] = os.environ.get("HOME", str(layout.state))
    done = subprocess.run([sys.executable, "-m", "autograders.hub.release", str(layout.course_dir),
                           str(layout.course_dir / "roster.csv")], cwd=layout.course_dir, env=env,
                          capture_output=True, text=True, **as_grader)
    for line in done.stdout.splitlines():
        log(line)
    if done.returncode != 0:
        raise HubSetupError(f"releasing the assignments failed:\n{done.stderr.strip()[-4000:]}")
