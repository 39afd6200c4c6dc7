"""The grading sandbox: a student's kernel runs as an unprivileged user, in a
filesystem of its own, with limits, and without network.

bubblewrap (``bwrap``, the sandbox Flatpak uses) builds the kernel's view of the
machine: the system read-only (``/usr``, ``/etc``), the student environment
read-only, and a ``WritableSpace``: one tmpfs of bounded size, mounted on the host
for this notebook, that holds the kernel's home (a private copy of the submission's
folder), its ``/tmp`` and its socket folder, so that everything a kernel can write,
its own stdout and stderr included, fits in ``Limits.writable_mb`` (a limit per file
alone would let it fill the host's disk with many files). Nothing else of the grader's exists
in there: not the course, the gradebook, ``autograders/``, other kernels' folders,
``/root`` or ``/home``. The kernel gets its own process, IPC and network namespaces
(unix sockets still reach it: jupyter_client's ``ipc`` transport). ``setpriv``
then drops to a sandbox user of its own (one per concurrent kernel, so a fork bomb
only exhausts its own process limit, and kernels cannot signal or read each other)
and ``prlimit`` sets the limits on memory, CPU time, processes, file size and open
files. When the kernel's process ends, the process namespace ends with it, so
nothing it started survives.

This needs root (to switch users and mount the tmpfs) and bubblewrap. Without them the kernel runs as a
plain kernel of the grader's own user, and ``unavailable_reason`` says why.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import glob
import logging
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..process_env import THREAD_VARIABLES
from ..regular_files import WORK_FOLDER, chown_tree, copy_regular_files, open_folder

log = logging.getLogger(__name__)

USER_PREFIX = "dlcourse-sandbox-"
MAX_SLOTS = 64  # concurrent sandboxed kernels on one machine
HOME = "/home/student"
LOCK_DIR = Path("/run/dlcourse-sandbox")
_DEFAULT_STUDENT_ENV = Path(__file__).resolve().parents[2] / ".venv-student"
# what a kernel may inherit from the grader's environment; the rest (tokens, paths of the course) stays out
_PASSED_ENV = ("LANG", "LC_ALL", "TZ", "JUPYTERHUB_USER", "NBGRADER_EXECUTION", *THREAD_VARIABLES)
_PASSED_PREFIXES = ("TF_", "CUDA_", "NVIDIA_", "XLA_")


@dataclass(frozen=True)
class Limits:
    """What one grading kernel may use. The defaults suit the course's TensorFlow notebooks."""

    memory_mb: int = 6144  # address space; TensorFlow on CPU needs about 2 GB of it to train a small CNN
    cpu_seconds: int = 1800  # CPU time of the kernel process, all its threads together
    processes: int = 512  # the sandbox user's processes and threads (TensorFlow starts dozens of threads)
    file_mb: int = 256  # largest file the kernel may write
    open_files: int = 1024
    # everything the kernel may write (home, /tmp, sockets, its own stdout/stderr), together: a tmpfs, so it is RAM
    writable_mb: int = 1024
    network: bool = False


def student_python() -> Path:
    """The Python of the student environment: what students' kernels run, without the grader's package."""
    env = Path(os.environ.get("DLCOURSE_STUDENT_ENV", _DEFAULT_STUDENT_ENV))
    return env / "bin" / "python"


@functools.cache
def unavailable_reason() -> str | None:
    """Why grading kernels cannot be sandboxed on this machine, or None when they can."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "the grader does not run as root, so it cannot run kernels as an unprivileged user"
    for tool in ("bwrap", "setpriv", "prlimit", "useradd", "mount", "umount"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed (`make setup` installs bubblewrap; util-linux and passwd give the rest)"
    python = student_python()
    if not os.access(python, os.X_OK):
        return f"the student environment {python.parent.parent} is missing (`make setup` builds it)"
    probe = subprocess.run(["bwrap", *_system_binds(), "--unshare-pid", "--unshare-net", "--", "/bin/true"],
                           capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        return f"bubblewrap cannot make a sandbox here: {probe.stderr.strip()[:200]}"
    return None


def _system_binds() -> list[str]:
    """The system, read-only, laid out as on the host (``/bin`` may be a link into ``/usr``)."""
    args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    return args


def _parent_dirs(*paths: str) -> list[str]:
    """The folders above mount points, traversable (bubblewrap would make them 0700, root's)."""
    parents = sorted({str(parent) for path in paths for parent in Path(path).parents if str(parent) != "/"})
    return [arg for parent in parents for arg in ("--perms", "0755", "--dir", parent)]


def _environment_binds(python: Path) -> list[str]:
    """The student environment and the Python installation it was made from, read-only."""
    prefixes = {str(python.parent.parent)}
    real = Path(os.path.realpath(python))
    if not str(real).startswith("/usr/"):
        prefixes.add(str(real.parent.parent))
    args = _parent_dirs(*prefixes)
    for prefix in sorted(prefixes):
        args += ["--ro-bind", prefix, prefix]
    return args


def _gpu_binds() -> list[str]:
    return [arg for dev in sorted(glob.glob("/dev/nvidia*")) for arg in ("--dev-bind", dev, dev)]


def kernel_environment(env: dict[str, str], tmp: str = "/tmp") -> dict[str, str]:
    """The variables a sandboxed kernel gets: the course's and the thread/GPU settings, nothing else."""
    out = {k: v for k, v in env.items() if k in _PASSED_ENV or k.startswith(_PASSED_PREFIXES)}
    python = student_python()
    out.update({
        "PATH": f"{python.parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": HOME, "USER": "student", "LOGNAME": "student", "SHELL": "/bin/sh",
        "MPLCONFIGDIR": f"{tmp}/matplotlib", "IPYTHONDIR": f"{tmp}/ipython", "JUPYTER_RUNTIME_DIR": f"{tmp}/jupyter",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    out.setdefault("LANG", "C.UTF-8")
    return out


def as_user(uid: int, gid: int) -> list[str]:
    """The argv prefix that runs a command as the sandbox user: no groups, capabilities or new privileges."""
    return ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
            "--no-new-privs"]


def command(argv: list[str], *, uid: int, gid: int, space: WritableSpace, limits: Limits, binds=(),
            gpus=True) -> list[str]:
    """``argv`` wrapped: bubblewrap's namespaces, then the sandbox user, then the limits.

    ``binds``: folders of ``space`` (e.g. the kernel's sockets) that appear at the same path inside;
    ``gpus``: whether the GPUs' devices are there.
    """
    gpus = _gpu_binds() if gpus else []
    bwrap = ["bwrap", "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
             *([] if limits.network else ["--unshare-net"]),
             *_system_binds(), "--proc", "/proc", "--dev", "/dev", *gpus,
             "--bind", str(space.tmp), "/tmp",
             *_environment_binds(student_python()),
             *_parent_dirs(HOME, *binds), *[arg for path in binds for arg in ("--bind", str(path), str(path))],
             "--bind", str(space.home), HOME, "--chdir", HOME,
             # ipykernel would take the namespace's pid 1 for an orphaned kernel's parent and quit
             "--unsetenv", "JPY_PARENT_PID"]
    drop = as_user(uid, gid)
    limit = ["prlimit", f"--cpu={limits.cpu_seconds}", f"--nproc={limits.processes}",
             f"--fsize={limits.file_mb * 2**20}", f"--nofile={limits.open_files}", "--core=0"]
    if not gpus:
        # CUDA reserves far more address space than it uses: on GPU machines memory is left to the GPU's own limit
        limit.append(f"--as={limits.memory_mb * 2**20}")
    return [*bwrap, "--", *drop, "--", *limit, "--", *argv]


class WritableSpace:
    """A tmpfs on the host for one sandboxed process and its restarts: its home, its /tmp, and folders the
    grader makes for it (sockets). The sandbox user owns what it may write; its size bounds it all."""

    def __init__(self, root: Path, uid: int, gid: int, size_mb: int):
        self.root, self.uid, self.gid, self.size_mb = root, uid, gid, size_mb
        self.home, self.tmp = root / "home", root / "tmp"
        for path in (self.home, self.tmp):
            path.mkdir(mode=0o700)
            os.chown(path, uid, gid)

    def folder(self, prefix: str) -> str:
        """A new folder in the space that only the sandbox user (and root) can use."""
        path = tempfile.mkdtemp(prefix=prefix, dir=self.root)
        os.chown(path, self.uid, self.gid)
        return path

    def full(self) -> bool:
        """Whether the space is (nearly) used up: a write has failed, or the next one will."""
        stats = os.statvfs(self.root)
        return stats.f_bavail * stats.f_frsize < 2**20

    def full_note(self) -> str:
        return (f"the notebook filled the {self.size_mb} MB it may write in all (its folder, /tmp and its output "
                "together); writing more failed with 'No space left on device'")


@contextlib.contextmanager
def writable_space(uid: int, gid: int, size_mb: int):
    """A ``WritableSpace`` of ``size_mb``, unmounted (and so emptied) afterwards."""
    root = Path(tempfile.mkdtemp(prefix="dlcourse-sandbox-"))
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0711,nosuid,nodev", "tmpfs", str(root)],
                       check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as exc:
        root.rmdir()
        raise RuntimeError(f"the sandbox's space could not be mounted: {exc.stderr.strip()[:200]}") from None
    try:
        yield WritableSpace(root, uid, gid, size_mb)
    finally:
        # lazily: a process of the sandbox user may still be on its way out
        subprocess.run(["umount", "--lazy", str(root)], capture_output=True)
        with contextlib.suppress(OSError):
            root.rmdir()


# ---- sandbox users -------------------------------------------------------------


def ensure_account(name: str, useradd_options: list[str]) -> pwd.struct_passwd:
    """The unix account ``name``, made with ``useradd useradd_options name`` if it does not exist yet
    (the sandbox's users here, the hub's roster in ``autograders.hub.accounts``)."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    LOCK_DIR.mkdir(mode=0o700, exist_ok=True)
    with open(LOCK_DIR / "useradd.lock", "w") as lock:  # useradd refuses to run twice at once
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return pwd.getpwnam(name)
        except KeyError:
            subprocess.run(["useradd", *useradd_options, name], check=True, capture_output=True, text=True)
            return pwd.getpwnam(name)


_SANDBOX_USERADD = ["--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                    "--shell", "/usr/sbin/nologin", "--comment", "dlcourse grading sandbox"]


@contextlib.contextmanager
def sandbox_user():
    """A sandbox user no other kernel on this machine is using now: ``(uid, gid)``."""
    LOCK_DIR.mkdir(mode=0o700, exist_ok=True)
    for slot in range(MAX_SLOTS):
        lock = open(LOCK_DIR / f"slot-{slot}.lock", "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        try:
            account = ensure_account(f"{USER_PREFIX}{slot}", _SANDBOX_USERADD)
            yield account.pw_uid, account.pw_gid
        finally:
            lock.close()  # releases the flock
        return
    raise RuntimeError(f"all {MAX_SLOTS} sandbox users are busy")


def end_processes_of(uid: int, timeout: float = 10.0):
    """Kill every process of the sandbox user and wait until they are gone.

    Killing the kernel's bubblewrap ends its process namespace, but the kernel (and its
    forks) take a moment to die, and until then they count against the next kernel's
    process limit.
    """
    deadline = time.monotonic() + timeout
    while True:
        alive = [pid for pid in _pids() if _uid_of(pid) == uid]
        if not alive or time.monotonic() > deadline:
            return
        for pid in alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)  # they die within milliseconds of the kill; each notebook waits for it


def _pids():
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _uid_of(pid: int) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


def private_copy(source: str | os.PathLike | None, space: WritableSpace) -> list[str]:
    """Copy ``source`` (the submission's folder) into the space's home, for the sandbox user alone.

    Only regular files are copied, with no link followed (root reads the folder; its links would
    otherwise bring root's view of the machine into the kernel's home). Returns notes on what was
    left out, and on what did not fit in the space (what fits is there).
    """
    notes = []
    home = open_folder(space.home)
    try:
        if source is not None:
            try:
                report = copy_regular_files(source, home, limits=WORK_FOLDER)
                notes += [f"not copied into the kernel's home: {refusal}" for refusal in report.refused]
            except OSError:  # no space left: the space's size is the bound
                notes.append(f"the notebook's folder does not fit in the {space.size_mb} MB the notebook may write; "
                             "only part of it was copied for the kernel")
        chown_tree(home, space.uid, space.gid)
    finally:
        os.close(home)
    return notes


def warn_once(reason: str):
    if reason not in _warned:
        _warned.add(reason)
        log.warning("grading kernels are NOT sandboxed: %s. A submission can read what the grader can read.", reason)
        print(f"dlcourse: warning: grading kernels are not sandboxed: {reason}", file=sys.stderr)


_warned: set[str] = set()
