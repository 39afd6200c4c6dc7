"""Every released notebook runs top to bottom before anything is written (every function a stub).

A released notebook must not stop at its first check: unwritten functions are reported in one line
and demos say what to write first. Nor may any cell print to stderr (TensorFlow's start-up log
included): a beginner reads red text as an error. Each notebook is executed once, two at a time.
The instructor's notebooks run in the tests that grade them (each asserts no cell raised), not again here.
"""

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from autograders.course import Course
from conftest import BIN, ROOT, venv_env

ASSIGNMENTS = Course(ROOT / "course").assignment_names()
CELL_TIMEOUT_S = 300


def execute(folder, name):
    """``folder/<name>.ipynb`` executed in place by nbconvert, as a student's "Run all"; the executed notebook,
    or the error that stopped it."""
    proc = subprocess.run([BIN / "jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace",
                           f"--ExecutePreprocessor.timeout={CELL_TIMEOUT_S}", f"{name}.ipynb"],
                          cwd=folder, capture_output=True, text=True, timeout=1200,
                          env=venv_env())
    if proc.returncode != 0:
        return proc.stderr[-3000:]
    return nbformat.read(folder / f"{name}.ipynb", as_version=4)


def problems(nb):
    """The outputs a student would read as errors: error outputs and anything on stderr."""
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                found.append(f"cell {index}: {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr":
                found.append(f"cell {index} wrote to stderr: {output.text[:300]}")
    return found


@pytest.fixture(scope="module")
def executed(course_copy, tmp_path_factory):
    """assignment -> its released notebook executed (or the error that stopped nbconvert)."""
    jobs = {}
    for name in ASSIGNMENTS:
        jobs[name] = tmp_path_factory.mktemp(f"released-{name}")
        shutil.copytree(course_copy / "release" / name, jobs[name], dirs_exist_ok=True)
    with ThreadPoolExecutor(2) as pool:
        futures = {name: pool.submit(execute, folder, name) for name, folder in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_released_notebook_runs_top_to_bottom_and_says_what_is_missing(executed, name):
    nb = executed[name]
    assert not isinstance(nb, str), nb
    assert problems(nb) == []
    printed = "\n".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert any(words in printed for words in ("not implemented yet", "still unanswered", "Implement ")), printed[-2000:]
