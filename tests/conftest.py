import asyncio
import contextlib
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from autograders.course import COURSE_PAGE, Course
from autograders.hub.roster import read_roster
from autograders.hub.settings import GRADER_ACCOUNT
from autograders.process_env import with_own_bin
from browser import chromium

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# the real unix accounts a test's hub uses: the demo roster's and the grader's
DEMO_ACCOUNTS = [member.id for member in read_roster(ROOT / "course" / "roster.csv").members] + [GRADER_ACCOUNT]


def venv_env():
    return {**os.environ, "PATH": with_own_bin(os.environ.get("PATH", ""))}


def run(args, cwd=None, check=True, timeout=900):
    proc = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=venv_env())
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def dlcourse(*args, cwd=None, check=True):
    return run([BIN / "dlcourse", *args], cwd=cwd, check=check)


def grade_all(paths, tmp_path, *options, course=None):
    """Run ``dlcourse grade`` and return its JSON results; what it printed on stderr is in ``stderr.txt``."""
    out = tmp_path / "results.json"
    proc = dlcourse("grade", *paths, "--course", course or ROOT / "course", "--json", out, *options)
    (tmp_path / "stderr.txt").write_text(proc.stderr)
    return json.loads(out.read_text())["results"]


def grade(paths, tmp_path, *options, course=None):
    """Run ``dlcourse grade`` and return its JSON results, keyed by student."""
    return {r["student"]: r for r in grade_all(paths, tmp_path, *options, course=course)}


def cell_scores(result):
    return {c["grade_id"]: c["score"] for c in result["cells"]}


def run_coroutine(coroutine):
    """``asyncio.run`` in a thread of its own: the session's browser (Playwright's synchronous API) keeps an event
    loop running in the main thread once a browser test has run."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def keep_assignments(course: Path, names):
    """Trim a copy of the course to the assignments ``names`` (and the course page): their sources and their
    entries of the schedule."""
    for source in (course / "source").iterdir():
        if source.name not in (*names, COURSE_PAGE):
            shutil.rmtree(source)
    schedule = tomllib.loads((course / "schedule.toml").read_text())
    entries = [entry for entry in schedule["assignment"] if entry["name"] in names]
    (course / "schedule.toml").write_text(f"late_penalty = {json.dumps(schedule['late_penalty'])}\n" + "".join(
        f"[[assignment]]\nname = {json.dumps(e['name'])}\ntitle = {json.dumps(e['title'])}\nhours = {e['hours']}\n"
        f"due = {e['due'].isoformat()}\n" for e in entries))


@pytest.fixture(scope="session")
def course_copy(tmp_path_factory):
    """A copy of the course with every assignment released by the real ``nbgrader generate_assignment``."""
    course = tmp_path_factory.mktemp("course") / "course"
    shutil.copytree(ROOT / "course", course, ignore=shutil.ignore_patterns(
        "gradebook.db", "release", "submitted", "autograded", "feedback", "__pycache__", ".ipynb_checkpoints"))
    run([BIN / "nbgrader", "generate_assignment", "*", "--force"], cwd=course)  # all of them, in one process
    assert sorted(p.name for p in (course / "release").iterdir()) == [COURSE_PAGE, *Course(course).assignment_names()]
    return course


@pytest.fixture(scope="session")
def graded_classes(course_copy, tmp_path_factory):
    """The class of ``graded_class.make_class`` graded with 1 and with 2 workers, each in its own copy of the
    course, with every report; what ``dlcourse grade`` printed is in stdout.txt and stderr.txt beside them."""
    from graded_class import make_class

    graded = {}
    for workers in (1, 2):
        course = make_class(course_copy, tmp_path_factory.mktemp(f"w{workers}"))
        # short limits: the endless relu also runs in the notebook's demo cell, which waits out the cell limit
        proc = dlcourse("grade", course / "submitted", "--course", course, "--workers", workers, "--cell-timeout", "10",
                        "--call-timeout", "5", "--csv", course / "grades.csv", "--html", course / "report.html",
                        "--json", course / "results.json")
        (course / "stdout.txt").write_text(proc.stdout)
        (course / "stderr.txt").write_text(proc.stderr)
        graded[workers] = course
    return graded


def released(course, assignment):
    return nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", as_version=4)


class RunningHub:
    """``dlcourse hub`` started by a test: its URL, state folder and log."""

    def __init__(self, url, state, log, process):
        self.url, self.state, self.log, self.process = url, state, log, process

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def password(self, name: str) -> str:
        """The password ``dlcourse hub`` issued to ``name`` (from its root-only file)."""
        from autograders.hub.credentials import issued
        from autograders.hub.settings import Layout

        return issued(Layout(self.state.resolve()))[name]

    def logged_in(self, name: str, *, server: bool = True):
        """``name`` logged in with their issued password, their server started unless ``server`` is False."""
        from hub_client import HubUser

        user = HubUser(self.url, name)
        user.login(self.password(name))
        if server:
            user.start_server()
        return user


def _paths_in(folder: Path) -> set[Path]:
    return {p.relative_to(folder) for p in folder.rglob("*")} if folder.is_dir() else set()


def _remove_all_but(root: Path, keep: set[Path], folder: Path | None = None):
    """Remove what is below ``root`` but not in ``keep`` (paths relative to ``root``)."""
    folder = folder or root
    for entry in list(folder.iterdir()) if folder.is_dir() else []:
        is_folder = entry.is_dir() and not entry.is_symlink()
        if entry.relative_to(root) not in keep:
            shutil.rmtree(entry, ignore_errors=True) if is_folder else entry.unlink(missing_ok=True)
        elif is_folder:
            _remove_all_but(root, keep, entry)


@contextlib.contextmanager
def homes_left_as_found(accounts):
    """What the tests add to these real accounts' homes (fetched assignments, feedback, Jupyter's runtime and
    caches) is removed afterwards, so that `make hub` shows a student nothing a test did. An account made
    during the tests keeps only what a new account gets (/etc/skel)."""
    before = {}
    for name in accounts:
        try:
            home = Path(pwd.getpwnam(name).pw_dir)
            before[name] = _paths_in(home)
        except KeyError:
            before[name] = None
    try:
        yield
    finally:
        for name, paths in before.items():
            try:
                home = Path(pwd.getpwnam(name).pw_dir)
            except KeyError:
                continue
            keep = _paths_in(Path("/etc/skel")) if paths is None else paths
            _remove_all_but(home, keep)
            left = sorted(str(p) for p in _paths_in(home) - keep)
            assert not left, f"the tests left files in {home} that could not be removed: {left[:10]}"


@contextlib.contextmanager
def running_hub(state: Path, *options):
    """The real hub (``dlcourse hub``) on a free port with its state in ``state``; stopped afterwards."""
    from autograders.hub.launch import stop
    from autograders.hub.prepare import free_port

    state.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = state.parent / f"{state.name}-hub.log"
    # the demo accounts' homes are cleaned after the hub (and every server it spawned) has stopped
    with homes_left_as_found(DEMO_ACCOUNTS):
        with open(log, "w") as out:
            process = subprocess.Popen([BIN / "dlcourse", "hub", "--port", str(port), "--state-dir", state, *options],
                                       cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=venv_env(),
                                       start_new_session=True)
        hub = RunningHub(f"http://127.0.0.1:{port}", state, log, process)
        try:
            deadline = time.monotonic() + 300
            while "The course is up" not in hub.log_text():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"the hub did not come up:\n{hub.log_text()[-6000:]}")
                time.sleep(0.5)
            yield hub
        finally:
            stop(process)


@pytest.fixture(scope="session")
def course_hub():
    """The course's hub, run as root with the demo roster (alice, bob, carol, instructor)."""
    if os.geteuid() != 0:
        pytest.skip("the multi-user hub needs root (real unix accounts per student)")
    # not under pytest's private tmp folder: every user's server must reach the exchange in it
    folder = Path(tempfile.mkdtemp(prefix="dlcourse-hub-test-"))
    folder.chmod(0o755)
    # a CI checkout may sit under a private folder (/root): students' servers must pass through it to
    # .venv-student, so it is made traversable (not listable) while the hub runs
    private = {d: d.stat().st_mode for d in ROOT.parents if not d.stat().st_mode & 0o001}
    for folder_above, mode in private.items():
        folder_above.chmod(mode | 0o001)
    try:
        with running_hub(folder / "state") as hub:
            yield hub
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        for folder_above, mode in private.items():
            folder_above.chmod(mode)


@pytest.fixture(scope="session")
def instructor(course_hub):
    """The demo instructor, logged in with formgrader open (its OAuth hand-shake and XSRF cookie done)."""
    from hub_client import FORMGRADER, logged_in

    user = logged_in(course_hub, "instructor", server=False)
    user.open_page(FORMGRADER, "formgrader")
    return user


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session's browser tests (each opens its own pages or contexts)."""
    with chromium() as headless:
        yield headless
