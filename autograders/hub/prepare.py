"""Everything ``dlcourse hub`` sets up before JupyterHub starts; safe to run again at every start.

Run as root it makes the roster's unix accounts and the course's grader account, closes the
checkout (reference solutions, hidden checks) to everyone else, and gives the course's files to
the grader account. Run as anyone else it sets up the development mode: one account for all.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from ..course import Course
from ..engine.sandbox import student_python
from ..errors import DlcourseError
from ..process_env import with_own_bin
from ..instant_feedback import assignment_list
from ..instant_feedback.policy import POLICY_FILE
from ..quiz_game.banks import FOLDER as QUIZ_BANKS
from ..regular_files import TreeError, open_folder
from ..schedule import SCHEDULE_FILE, Schedule, read_schedule
from . import accounts, classes, course_files, exchange, formgrader_link
from .exchange import STUDENT_MODULE, STUDENT_STEPS
from .roster import read_roster
from .settings import COURSE_ID, GRADER_ACCOUNT, HubSettings, Layout

CHECKOUT = Path(__file__).resolve().parents[2]
_FORMGRADER_LAB_EXTENSION = "@jupyter/nbgrader:formgrader"
_FORMGRADER_LINK = "dlcourse_formgrader_link"  # formgrader_link.py, as instructors' servers import it
# lab extensions users' servers do not load: nbgrader's for instructors; JupyterLab's news prompt, which
# would ask every student to let their server fetch news from the internet; the extension manager (it
# lists extensions from PyPI; students install none); the front ends of the server extensions below
_DISABLED_LAB_EXTENSIONS = (_FORMGRADER_LAB_EXTENSION, "@jupyter/nbgrader:create-assignment",
                            "@jupyter/nbgrader:course-list", "@jupyterlab/apputils-extension:announcements",
                            "@jupyterlab/extensionmanager-extension", "@jupyterlab/lsp-extension",
                            "@jupyter-notebook/lab-extension")
# kernels that nbgrader starts itself (validate, in users' servers and in formgrader) talk over unix sockets in
# the user's private runtime folder, not over TCP ports that any account on the machine may connect to
IPC_KERNELS = 'c.KernelManager.transport = "ipc"'
# server extensions users' servers do not load, each an import at every server start (README, Load):
# nbgrader's for instructors; language servers (none is installed); Notebook 7's pages and the classic
# notebook's shim (users work in JupyterLab). Terminals stay: a student has a shell.
_UNUSED_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list",
                             "jupyter_lsp", "notebook", "notebook_shim")
# the assignment list's extension for grading on arrival: prebuilt, from the package's own files
FEEDBACK_LABEXTENSION = Path(assignment_list.__file__).parent / "labextension"


class HubSetupError(DlcourseError):
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


def prepare(course: Course, roster_path: Path, state: Path, *, ip: str, port: int, idle_timeout: int = 3600,
            warm: bool = False, log=print) -> HubSettings:
    multiuser = os.geteuid() == 0
    student_bin = preflight(multiuser)
    roster = read_roster(roster_path)
    classes.load(course.root)  # a schedule the warm-up service could not read is refused now
    layout = Layout(state.resolve())
    layout.state.mkdir(parents=True, exist_ok=True)
    if multiuser and (reason := accounts.controlled_by_others(layout.state)):
        raise HubSetupError(f"the state folder {layout.state} could be changed by another account than root: "
                            f"{reason}. Choose another --state-dir")
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
    _exchange(layout, grader)
    schedule = read_schedule(course.root, course.assignment_names())
    _server_configs(layout, f"/services/{COURSE_ID}/formgrader", multiuser, schedule)
    if multiuser:
        layout.grading_dir.mkdir(exist_ok=True)
        os.chown(layout.grading_dir, 0, grader.pw_gid)
        layout.grading_dir.chmod(0o750)
        layout.intake_dir.mkdir(exist_ok=True)  # its socket is for everyone: who asks is the kernel's to say
        os.chown(layout.intake_dir, 0, 0)
        layout.intake_dir.chmod(0o755)
        layout.feedback_dir.mkdir(exist_ok=True)  # the grader account's service listens there, for everyone
        accounts.own(layout.feedback_dir, grader, 0o755)
    else:
        layout.homes.mkdir(exist_ok=True)
    _release(layout, grader, log)

    settings = HubSettings(
        state_dir=str(layout.state), ip=ip, port=port, hub_port=free_port(), proxy_api_port=free_port(),
        formgrader_port=free_port(), quiz_port=free_port(), multiuser=multiuser, course_root=str(course.root),
        students=[m.id for m in roster.students],
        instructors=[m.id for m in roster.instructors], grader_python=sys.executable, student_bin=str(student_bin),
        idle_timeout=idle_timeout, warm_now=warm)
    settings.save()
    return settings


def _course_folder(course: Course, roster_path: Path, layout: Layout, grader, log):
    """nbgrader's course folder on the hub: the sources (solutions included), the gradebook, submissions."""
    folder = layout.course_dir
    folder.mkdir(exist_ok=True)
    if grader:
        accounts.own(folder, grader, 0o700)
    lines = ['"""nbgrader configuration of the course on the hub (written by `dlcourse hub` at each start)."""',
             "from autograders.nbgrader_door.config import use_grading_engine", "",
             "c = get_config()  # noqa: F821",
             f"c.CourseDirectory.root = {str(folder)!r}",
             f"c.CourseDirectory.course_id = {COURSE_ID!r}",
             f"c.Exchange.root = {str(layout.exchange)!r}",
             IPC_KERNELS,
             "use_grading_engine(c)",
             "from autograders.hub.grader_exchange import use_hub_exchange",
             "use_hub_exchange(c)"]
    if grader:
        lines += ["# as the grader account this process cannot sandbox kernels: root's grading service does",
                  f"c.GradeWithHiddenChecks.grading_service = {str(layout.grading_socket)!r}",
                  "# grading on arrival (autograders/instant_feedback): its service's socket; formgrader's steps and",
                  "# its workers write a student's folders one at a time",
                  f"c.InstantFeedbackSettings.socket = {str(layout.feedback_socket)!r}",
                  "from autograders.instant_feedback.folder_lock import use_folder_locks",
                  "use_folder_locks(c)"]
    policy = {POLICY_FILE: course.root / POLICY_FILE} if (course.root / POLICY_FILE).is_file() else {}
    archive = course_files.pack({**course_files.folder_files(course.source_dir, "source"),
                                 **course_files.folder_files(course.root / QUIZ_BANKS, QUIZ_BANKS), **policy,
                                 "roster.csv": roster_path, SCHEDULE_FILE: course.root / SCHEDULE_FILE,
                                 "nbgrader_config.py": ("\n".join(lines) + "\n").encode()})
    # written by the grader account's own process: root follows no link the grader account put there
    done = _as_grader(["-m", "autograders.hub.course_files", str(folder)], layout, grader, stdin=archive)
    if done.returncode != 0:
        raise HubSetupError(f"writing the course's files into {folder} failed:\n{done.stderr.decode().strip()[-4000:]}")
    for line in done.stdout.decode().splitlines():
        log(line)


def _exchange(layout: Layout, grader):
    """nbgrader's exchange: its root is root's, so that nobody else can make a course's folder in it; the hub
    makes this course's for the grader account, with ``outbound/`` and ``feedback/`` as nbgrader would make them
    and ``inbound/`` the grader account's alone (students submit through the intake service)."""
    layout.exchange.mkdir(exist_ok=True)
    root = _folder(layout.exchange)
    try:
        if grader:
            os.fchown(root, 0, 0)
        os.fchmod(root, 0o755)
        course = _owned_folder(root, COURSE_ID, grader, 0o755)
        try:
            for name, mode in (("outbound", 0o755), ("inbound", 0o700), ("feedback", 0o711)):
                os.close(_owned_folder(course, name, grader, mode))
        finally:
            os.close(course)
    finally:
        os.close(root)


def _folder(path, dir_fd=None) -> int:
    try:
        return open_folder(path, dir_fd=dir_fd)
    except TreeError as exc:
        raise HubSetupError(f"the exchange: {exc}") from None


def _owned_folder(parent: int, name: str, grader, mode: int) -> int:
    """The folder ``name`` in ``parent``, made if missing, with ``mode``; never reached through a link. One the
    grader account does not own was made by someone else (while the exchange was open to all): refused."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(name, mode, dir_fd=parent)
        if grader:
            os.chown(name, grader.pw_uid, grader.pw_gid, dir_fd=parent, follow_symlinks=False)
    fd = _folder(name, dir_fd=parent)
    owner = os.fstat(fd).st_uid
    if owner != (grader.pw_uid if grader else os.geteuid()):
        os.close(fd)
        raise HubSetupError(f"the exchange's folder {name} belongs to uid {owner}, not to the course: someone made it "
                            "while the exchange was open to everyone. Move it out of the exchange (it may hold "
                            "submissions) and start the hub again")
    os.fchmod(fd, mode)
    return fd


def _server_configs(layout: Layout, formgrader_url: str, multiuser: bool, schedule: Schedule):
    """JUPYTER_CONFIG_PATH of users' servers: students', and instructors' (whose Nbgrader menu opens formgrader)."""
    exchange_steps, unused = [], dict.fromkeys(_UNUSED_SERVER_EXTENSIONS, False)
    student_server = {"ServerApp": {"jpserver_extensions": dict(unused)}}
    if multiuser:
        # the hub's exchange steps, from a copy of their module that users' servers import (PYTHONPATH)
        exchange_steps = [f"c.ExchangeFactory.{setting} = {f'{STUDENT_MODULE}.{name}'!r}"
                          for setting, name in STUDENT_STEPS.items()]
        exchange_steps.append(f"c.HubSubmit.intake_socket = {str(layout.intake_socket)!r}")
        # the assignment list shows grading on arrival and the course's order and due dates: a server extension
        # and its prebuilt lab extension
        student_server["ServerApp"]["jpserver_extensions"][assignment_list.STATUS_MODULE] = True
        student_server["FeedbackStatus"] = {"socket": str(layout.feedback_socket), "schedule": [
            {"number": a.number, "name": a.name, "title": a.title, "due": a.due_text} for a in schedule.assignments]}
        student_server["LabApp"] = {"extra_labextensions_path": [str(layout.student_config / "labextensions")]}
        _copy_labextension(layout.student_config / "labextensions")
    nbgrader_config = "\n".join([
        '"""nbgrader in users\' servers: the course and its exchange (written by `dlcourse hub`)."""',
        "c = get_config()  # noqa: F821",
        f"c.CourseDirectory.course_id = {COURSE_ID!r}",
        f"c.Exchange.root = {str(layout.exchange)!r}",
        IPC_KERNELS, *exchange_steps, ""])

    def lab(disabled) -> str:
        return json.dumps({"disabledExtensions": dict.fromkeys(sorted(disabled), True)}, indent=2)

    student_files = {
        "nbgrader_config.py": nbgrader_config,
        "jupyter_server_config.json": json.dumps(student_server, indent=2),
        "labconfig/page_config.json": lab(_DISABLED_LAB_EXTENSIONS)}
    if multiuser:
        python = layout.student_python.relative_to(layout.student_config)
        student_files[str(python / f"{STUDENT_MODULE}.py")] = Path(exchange.__file__).read_text()
        student_files[str(python / f"{assignment_list.STATUS_MODULE}.py")] = Path(assignment_list.__file__).read_text()
    _write_files(layout.student_config, student_files)
    # instructors' servers run the students' environment, which holds nothing of this package: the formgrader
    # link lies beside their configuration, which puts its folder on the server's path
    link_folder = layout.instructor_config / "python"
    _write_files(layout.instructor_config, {
        "nbgrader_config.py": nbgrader_config,
        "jupyter_server_config.json": json.dumps({
            "ServerApp": {"jpserver_extensions": {**unused, _FORMGRADER_LINK: True}},
            "FormgraderLink": {"url": formgrader_url}}, indent=2),
        "jupyter_server_config.py": "\n".join([
            '"""Instructors\' servers: the formgrader link on the path (written by `dlcourse hub`)."""',
            "import sys", "", f"sys.path.append({str(link_folder)!r})", ""]),
        f"python/{_FORMGRADER_LINK}.py": Path(formgrader_link.__file__).read_text(),
        "labconfig/page_config.json": lab(set(_DISABLED_LAB_EXTENSIONS) - {_FORMGRADER_LAB_EXTENSION})})


def _write_files(folder: Path, files: dict[str, str]):
    """Files every user's server reads, root's and readable by all."""
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        for directory in (folder, path.parent):
            directory.chmod(0o755)
        path.write_text(text)
        path.chmod(0o644)


def _copy_labextension(labextensions: Path):
    """The lab extension's files where students' JupyterLab looks for extensions (LabApp.extra_labextensions_path)."""
    name = json.loads((FEEDBACK_LABEXTENSION / "package.json").read_text())["name"]
    target = labextensions / name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(FEEDBACK_LABEXTENSION, target)
    for path in (labextensions, target.parent, target, *target.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)


def _release(layout: Layout, grader, log):
    """Add the roster to the gradebook and release what changed, as the account that owns the course."""
    done = _as_grader(["-m", "autograders.hub.release", str(layout.course_dir), str(layout.course_dir / "roster.csv")],
                      layout, grader)
    for line in done.stdout.decode().splitlines():
        log(line)
    if done.returncode != 0:
        raise HubSetupError(f"releasing the assignments failed:\n{done.stderr.decode().strip()[-4000:]}")


def _as_grader(args: list[str], layout: Layout, grader, stdin: bytes = b"") -> subprocess.CompletedProcess:
    """This Python with ``args``, run as the grader account (as this account in the development mode)."""
    env = {"PATH": with_own_bin("/usr/local/bin:/usr/bin:/bin"), "LANG": "C.UTF-8",
           "HOME": grader.pw_dir if grader else os.environ.get("HOME", str(layout.state))}
    as_grader = {"user": grader.pw_uid, "group": grader.pw_gid, "extra_groups": []} if grader else {}
    return subprocess.run([sys.executable, *args], cwd=layout.course_dir, env=env, input=stdin,
                          capture_output=True, **as_grader)
