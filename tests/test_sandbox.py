"""The grading sandbox: hostile submissions lose what they attack and nothing else; kernels see nothing of the grader's.

These run the real sandbox (bubblewrap, a sandbox user, limits), so they need root,
which CI and the project's machines have.
"""

import json
import os
import socket
import threading
from types import SimpleNamespace

import nbformat
import pytest

from autograders.course import Course
from autograders.engine import GradingSettings, grade_notebook, sandbox
from autograders.engine.runner import NotebookRunner
from conftest import ROOT, grade, released
from notebooks import CORPUS, assert_scores_as_expected, write_submission

pytestmark = pytest.mark.skipif(sandbox.unavailable_reason() is not None,
                                reason=f"no sandbox here: {sandbox.unavailable_reason()}")
HOSTILE = sorted(p.stem for p in (CORPUS / "hostile").glob("*.py"))


@pytest.fixture(scope="module")
def batch(course_copy, tmp_path_factory):
    """Every hostile submission and one correct one, graded together."""
    folder = tmp_path_factory.mktemp("hostile")
    release = released(course_copy, "activations")
    for case in HOSTILE:
        write_submission(folder, release, case, "activations", corpus="hostile")
    write_submission(folder, release, "correct_np_where", "activations")
    return grade([folder], folder, "--cell-timeout", "10", "--call-timeout", "5", course=course_copy)


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_submission_loses_only_what_the_sandbox_blocked(batch, case):
    assert_scores_as_expected(batch[case], CORPUS / "hostile" / f"{case}.py")


def test_a_correct_submission_graded_beside_them_scores_full_marks(batch):
    assert batch["correct_np_where"]["score"] == batch["correct_np_where"]["max_score"] == 10


def run_cell(code, limits=sandbox.Limits(), workdir=None):
    """Run one cell in a sandboxed kernel; return its stdout."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    with NotebookRunner(nb, [0], workdir=workdir, limits=limits, cell_timeout=60) as runner:
        runner.run()
    return "".join(o.get("text", "") for o in nb.cells[0].outputs if o.get("output_type") == "stream")


def test_a_kernel_cannot_read_hidden_checks_references_sources_gradebooks_or_other_students(tmp_path):
    course = tmp_path / "course"
    (course / "submitted" / "bob" / "activations").mkdir(parents=True)
    secrets = {
        "reference": ROOT / "autograders" / "assignments" / "activations" / "reference.py",
        "hidden checks": ROOT / "autograders" / "assignments" / "activations" / "hidden_checks.py",
        "source notebook": ROOT / "course" / "source" / "activations" / "activations.ipynb",
        "gradebook": course / "gradebook.db",
        "bob's submission": course / "submitted" / "bob" / "activations" / "activations.ipynb",
        "root's home": "/root",
    }
    secrets["gradebook"].write_text("grades")
    secrets["bob's submission"].write_text("{}")
    for path in (tmp_path, course, course / "submitted", course / "submitted" / "bob"):
        path.chmod(0o755)  # readable by anyone on the machine: the sandbox must hide them anyway
    code = f"""
import os
for what, path in {json.dumps({k: str(v) for k, v in secrets.items()})}.items():
    try:
        open(path).read() if os.path.isfile(path) or not os.path.exists(path) else os.listdir(path)
        print(what, "READ")
    except OSError as exc:
        print(what, type(exc).__name__)
try:
    import autograders
    print("autograders READ")
except ImportError as exc:
    print("autograders", type(exc).__name__)
print("uid", os.getuid())
"""
    out = run_cell(code)
    for what in [*secrets, "autograders"]:
        assert any(line.startswith(what + " ") and not line.endswith("READ") for line in out.splitlines()), out
    assert "uid 0" not in out


@pytest.fixture
def local_server():
    server = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=lambda: [server.accept()[0].close() for _ in range(2)], daemon=True).start()
    yield server.getsockname()[1]
    server.close()


@pytest.mark.parametrize("network", [False, True])
def test_the_network_is_off_unless_allowed(local_server, network):
    out = run_cell(f"""
import socket
try:
    socket.create_connection(("127.0.0.1", {local_server}), timeout=5).close()
    print("connected")
except OSError as exc:
    print("refused", type(exc).__name__)
""", limits=sandbox.Limits(network=network))
    assert ("connected" in out) == network, out


def test_parallel_kernels_cannot_see_each_other(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import os; open('mine.txt', 'w').write('x')")])
    with NotebookRunner(nb, [0], workdir=tmp_path, limits=sandbox.Limits()) as other:
        other.run()
        out = run_cell(f"""
import os
print("uid", os.getuid())
for path in ({other._socket_dir!r}, {str(other._space.home)!r}, "/tmp"):
    try:
        print(path, sorted(os.listdir(path)))
    except OSError as exc:
        print(path, type(exc).__name__)
""")
        assert f"uid {os.stat(other._space.home).st_uid}" not in out, out
        assert f"{other._socket_dir} FileNotFoundError" in out and f"{other._space.home} FileNotFoundError" in out, out
        assert "kernel.json" not in out


def test_a_notebook_that_prints_megabytes_is_truncated_in_the_graded_notebook(course_copy):
    course = Course(course_copy)
    release = released(course_copy, "activations")
    from notebooks import corpus_cells, student_notebook
    nb = student_notebook(release, corpus_cells(CORPUS / "hostile" / "print_100mb.py"))
    result = grade_notebook(nb, course.assignment("activations"), student="printer")
    assert result.score == 10
    printed = sum(len(o.get("text", "")) for c in nb.cells for o in c.get("outputs", []))
    assert printed < 2 * 2**20 and "output truncated" in json.dumps(nb.cells[-1].outputs)


def test_the_student_environment_holds_nothing_of_the_grader():
    site = sandbox.student_python().parent.parent / "lib"
    assert not list(site.glob("python3*/site-packages/autograders*"))
    assert not list(site.glob("python3*/site-packages/__editable__*dlcourse*"))


def test_the_kernel_gets_the_course_settings_and_none_of_the_graders_secrets():
    env = sandbox.kernel_environment({"TF_FORCE_GPU_ALLOW_GROWTH": "true", "CUDA_VISIBLE_DEVICES": "1",
                                      "JUPYTERHUB_USER": "alice", "OMP_NUM_THREADS": "1",
                                      "GITHUB_TOKEN": "secret", "JUPYTERHUB_API_TOKEN": "secret",
                                      "PYTHONPATH": str(ROOT)})
    assert env["TF_FORCE_GPU_ALLOW_GROWTH"] == "true" and env["CUDA_VISIBLE_DEVICES"] == "1"
    assert env["JUPYTERHUB_USER"] == "alice" and env["OMP_NUM_THREADS"] == "1"
    assert "secret" not in env.values() and "PYTHONPATH" not in env


def test_on_gpu_machines_the_address_space_is_not_capped(monkeypatch):
    space = SimpleNamespace(home="/h", tmp="/t")
    cmd = sandbox.command(["python"], uid=1, gid=1, space=space, binds=["/s"], limits=sandbox.Limits())
    assert any(a.startswith("--as=") for a in cmd) and "--unshare-net" in cmd
    monkeypatch.setattr(sandbox.glob, "glob", lambda pattern: ["/dev/nvidia0", "/dev/nvidiactl"])
    cmd = sandbox.command(["python"], uid=1, gid=1, space=space, limits=sandbox.Limits(network=True))
    assert not any(a.startswith("--as=") for a in cmd) and "--unshare-net" not in cmd
    assert cmd[cmd.index("--dev-bind") + 1] == "/dev/nvidia0"


def test_without_root_the_grader_says_so_and_falls_back_to_a_plain_kernel(monkeypatch, capsys):
    monkeypatch.setattr(sandbox.os, "geteuid", lambda: 1000)
    sandbox.unavailable_reason.cache_clear()
    try:
        assert GradingSettings().limits() is None
        assert "not sandboxed: the grader does not run as root" in capsys.readouterr().err
    finally:
        sandbox.unavailable_reason.cache_clear()
