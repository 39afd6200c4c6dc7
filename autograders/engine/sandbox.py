"""The grading sandbox: a student's kernel runs as an unprivileged user, in a
filesystem of its own, with limits, and without network.

bubblewrap (``bwrap``, the sandbox Flatpak uses) builds the kernel's view of the
machine: the system read-only (``/usr``, ``/etc``), the student environment
read-only, a private ``/tmp`` of bounded size, a private copy of the submission's
folder as its home, and its own socket folder. Nothing else of the grader's exists
in there: not the course, the gradebook, ``autograders/``, other kernels' folders,
``/root`` or ``/home``. The kernel gets its own process, IPC and network namespaces
(unix sockets still reach it: jupyter_client's ``ipc`` transport). ``setpriv``
then drops to a sandbox user of its own (one per concurrent kernel, so a fork bomb
only exhausts its own process limit, and kernels cannot signal or read each other)
and ``prlimit`` sets the limits on memory, CPU time, processes, file size and open
files. When the kernel's process ends, the process namespace ends with it, so
nothing it started survives.

This needs root (to switch users) and bubblewrap. Without them the kernel runs as a
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
import time
from dataclasses import dataclass
from pathlib import Path

from ..regular_files import WORK_FOLDER, Refusal, chown_tree, copy_regular_files, open_folder

log = logging.getLogger(__name__)

USER_PREFIX = "dlcourse-sandbox-"
MAX_SLOTS = 64  # concurrent sandboxed kernels on one machine
HOME = "/home/student"
LOCK_DIR = Path("/run/dlcourse-sandbox")
_DEFAULT_STUDENT_ENV = Path(__file__).resolve().parents[2] / ".venv-student"
# what a kernel may inherit from the grader's environment; the rest (tokens, paths of the course) stays out
_PASSED_ENV = ("LANG", "LC_ALL", "TZ", "JUPYTERHUB_USER", "NBGRADER_EXECUTION", "OMP_NUM_THREADS",
               "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
_PASSED_PREFIXES = ("TF_", "CUDA_", "NVIDIA_", "XLA_")


@dataclass(frozen=True)
class Limits:
    """What one grading kernel may use. The defaults suit the course's TensorFlow notebooks."""

    memory_mb: int = 6144  # address space; TensorFlow on CPU needs about 2 GB of it to train a small CNN
    cpu_seconds: int = 1800  # CPU time of the kernel process, all its threads together
    processes: int = 512  # the sandbox user's processes and threads (TensorFlow starts dozens of threads)
    file_mb: int = 256  # largest file the kernel may write
    open_files: int = 1024
    tmp_mb: int = 512  # the private /tmp
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
    for tool in ("bwrap", "setpriv", "prlimit", "useradd"):
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


def command(kernel_argv: list[str], *, uid: int, gid: int, home: str, socket_dir: str,
            limits: Limits) -> list[str]:
    """``kernel_argv`` wrapped: bubblewrap's namespaces, then the sandbox user, then the limits."""
    gpus = _gpu_binds()
    bwrap = ["bwrap", "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
             *([] if limits.network else ["--unshare-net"]),
             *_system_binds(), "--proc", "/proc", "--dev", "/dev", *gpus,
             "--perms", "1777", "--size", str(limits.tmp_mb * 2**20), "--tmpfs", "/tmp",
             *_environment_binds(student_python()),
             *_parent_dirs(HOME), "--bind", socket_dir, socket_dir, "--bind", home, HOME, "--chdir", HOME,
             # ipykernel would take the namespace's pid 1 for an orphaned kernel's parent and quit
             "--unsetenv", "JPY_PARENT_PID"]
    drop = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--inh-caps=-all",
            "--bounding-set=-all", "--no-new-privs"]
    limit = ["prlimit", f"--cpu={limits.cpu_seconds}", f"--nproc={limits.processes}",
             f"--fsize={limits.file_mb * 2**20}", f"--nofile={limits.open_files}", "--core=0"]
    if not gpus:
        # CUDA reserves far more address space than it uses: on GPU machines memory is left to the GPU's own limit
        limit.append(f"--as={limits.memory_mb * 2**20}")
    return [*bwrap, "--", *drop, "--", *limit, "--", *kernel_argv]


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
        time.sleep(0.05)


def _pids():
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _uid_of(pid: int) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


def private_copy(source: str | os.PathLike | None, target: Path, uid: int, gid: int) -> list[Refusal]:
    """Make ``target`` a copy of ``source`` (the submission's folder) that only the sandbox user can write.

    Only regular files are copied, with no link followed (root reads the folder; its links would
    otherwise bring root's view of the machine into the kernel's home). Returns what was left out.
    """
    refused = []
    if source is None:
        target.mkdir()
    else:
        refused = copy_regular_files(source, target, limits=WORK_FOLDER).refused
    fd = open_folder(target)
    try:
        chown_tree(fd, uid, gid)
        os.fchmod(fd, 0o700)
    finally:
        os.close(fd)
    return refused


def warn_once(reason: str):
    if reason not in _warned:
        _warned.add(reason)
        log.warning("grading kernels are NOT sandboxed: %s. A submission can read what the grader can read.", reason)
        print(f"dlcourse: warning: grading kernels are not sandboxed: {reason}", file=sys.stderr)


_warned: set[str] = set()
