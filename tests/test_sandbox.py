"""The grading sandbox: hostile submissions lose what they attack and nothing else; kernels see nothing of the grader's.

These run the real sandbox (bubblewrap, a sandbox user, limits), so they need root,
which CI and the project's machines have.
"""

import csv
import io
import json
import os
import socket
import threading
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from autograders.assignments.cnn.secret_view import KEY_FILE, course_key
from autograders.course import Course
from autograders.engine import GradingSettings, grade_notebook, sandbox
from autograders.engine.runner import NotebookRunner
from conftest import ROOT, dlcourse, released
from notebooks import CORPUS, assert_scores_as_expected, corpus_cells, student_notebook, write_submission

pytestmark = pytest.mark.skipif(sandbox.unavailable_reason() is not None,
                                reason=f"no sandbox here: {sandbox.unavailable_reason()}")
HOSTILE = sorted(p.stem for p in (CORPUS / "hostile").glob("*.py"))
CNN_HOSTILE = sorted(p.stem for p in (CORPUS / "cnn_hostile").glob("*.py"))
NOTEBOOK_TIMEOUT = 45  # the CNN ones need under 20 s; answers_just_in_time takes all of it
# student ids (folder names) that are markup, HTML and a spreadsheet formula; no '/' can be in a folder's name
MARKUP_STUDENT = "<img src=x onerror=alert(1)>[bold red]mallory["
FORMULA_STUDENT = '=HYPERLINK("evil.example","grades")'


@pytest.fixture(scope="module")
def batch(course_copy, tmp_path_factory):
    """One class, graded in one run with every report: each hostile submission (the CNN's too), submissions
    whose names, contents and metadata attack the reports, and a correct one."""
    folder = tmp_path_factory.mktemp("hostile")
    release = released(course_copy, "activations")
    for case in HOSTILE:
        write_submission(folder, release, case, "activations", corpus="hostile")
    for case in CNN_HOSTILE:
        write_submission(folder, released(course_copy, "cnn"), case, "cnn", corpus="cnn_hostile")
    write_submission(folder, release, "correct_np_where", "activations")
    malformed = correct(release)
    next(c for c in malformed.cells if grade_id(c) == "sigmoid_impl").metadata.nbgrader["grade_id"] = ["sigmoid_impl"]
    (folder / FORMULA_STUDENT).mkdir()
    (folder / FORMULA_STUDENT / "activations.ipynb").write_text(json.dumps(malformed))
    (folder / MARKUP_STUDENT).mkdir()
    (folder / MARKUP_STUDENT / "activations.ipynb").write_text("[/][bold]{ this is not a notebook")
    reports = {kind: folder / f"grades.{kind}" for kind in ("json", "csv", "html")}
    output = dlcourse("grade", folder, "--course", course_copy, "--cell-timeout", "10", "--call-timeout", "5",
                      "--notebook-timeout", NOTEBOOK_TIMEOUT,
                      *(arg for kind, path in reports.items() for arg in (f"--{kind}", path)))
    results = json.loads(reports["json"].read_text())["results"]
    return SimpleNamespace(results={r["student"]: r for r in results}, count=len(results), folder=folder,
                           csv=reports["csv"].read_text(), html=reports["html"].read_text(), output=output.stdout)


def correct(release):
    return student_notebook(release, corpus_cells(CORPUS / "activations" / "correct_np_where.py"))


def grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_submission_loses_only_what_the_sandbox_blocked(batch, case):
    assert_scores_as_expected(batch.results[case], CORPUS / "hostile" / f"{case}.py")


def test_one_class_with_every_attack_is_graded_whole_and_every_report_is_written(batch):
    # dlcourse exited 0 (dlcourse() checks it), after printing its table of every notebook
    assert batch.count == len(HOSTILE) + len(CNN_HOSTILE) + 3 == len(batch.results)
    assert batch.results["correct_np_where"]["score"] == batch.results["correct_np_where"]["max_score"] == 10
    assert "Grades" in batch.output and batch.csv.startswith("student,") and "<h1>Grading report</h1>" in batch.html


@pytest.mark.parametrize("case", CNN_HOSTILE)
def test_a_model_configuration_that_attacks_the_grader_scores_zero_on_the_model_and_writes_nothing(batch, case):
    result = batch.results[case]
    assert_scores_as_expected(result, CORPUS / "cnn_hostile" / f"{case}.py")
    cells = {c["grade_id"]: c for c in result["cells"]}
    assert cells["test_build_cnn"]["score"] == cells["test_train_cnn"]["score"] == 0
    assert cells["test_conv2d_forward"]["score"] == cells["test_conv2d_forward"]["max_score"]  # the rest is graded
    assert not list(Path("/tmp").glob("dlcourse-hostile-lambda*"))


def test_every_notebook_is_graded_within_its_deadline(batch):
    slowest = max(batch.results.values(), key=lambda r: r["seconds"])
    assert slowest["seconds"] < NOTEBOOK_TIMEOUT + 15, (slowest["student"], slowest["seconds"])
    just_in_time = batch.results["answers_just_in_time"]
    assert f"time limit of {NOTEBOOK_TIMEOUT} s" in " ".join(just_in_time["notes"])
    assert 0 < just_in_time["score"] < 10


def test_writing_more_than_the_sandbox_allows_in_all_is_noted(batch):
    notes = " ".join(batch.results["six_200mb_files"]["notes"])
    assert "filled the 1024 MB it may write in all" in notes, notes


def test_what_submissions_say_reaches_the_reports_as_plain_text(batch):
    assert batch.results["device_is_markup"]["device"] == "[/][bold red]GPU[/]"
    assert batch.results["device_is_a_dict"]["device"] == "unknown"
    assert "not a readable notebook" in batch.results[MARKUP_STUDENT]["error"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in batch.html and "<img src=x" not in batch.html
    rows = list(csv.reader(io.StringIO(batch.csv)))
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert ["'" + FORMULA_STUDENT, "10", "", "10"] in rows  # student, activations, cnn, total


def test_metadata_of_the_wrong_json_type_is_graded_with_a_note(batch):
    result = batch.results[FORMULA_STUDENT]
    assert result["score"] == 10 and result["error"] is None
    assert "nbgrader metadata is malformed" in " ".join(result["notes"])


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
        "the CNN's view key": course / KEY_FILE,
        "root's home": "/root",
    }
    course_key(course)  # the secret behind every student's view of the CNN's digits
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
