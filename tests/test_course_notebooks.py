"""Every notebook of the course runs top to bottom: as released (every function a stub) and as the instructor wrote it.

A released notebook must not stop at its first check: unwritten functions are reported in one line
and demos say what to write first. Nor may any cell print to stderr (TensorFlow's start-up log
included): a beginner reads red text as an error. Each notebook is executed once, two at a time.
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
    """``folder/<name>.ipynb`` executed in place by nbconvert; the executed notebook, or the error that stopped it.

    As the grader runs it (``NBGRADER_EXECUTION``): the CNN's and TensorFlow's demos then train on fewer examples.
    """
    proc = subprocess.run([BIN / "jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace",
                           f"--ExecutePreprocessor.timeout={CELL_TIMEOUT_S}", f"{name}.ipynb"],
                          cwd=folder, capture_output=True, text=True, timeout=1200,
                          env={**venv_env(), "NBGRADER_EXECUTION": "autograde"})
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
    """(kind, assignment) -> executed notebook (or the error that stopped nbconvert), for released and source notebooks."""
    jobs = {}
    for kind, tree in (("released", course_copy / "release"), ("source", course_copy / "source")):
        for name in ASSIGNMENTS:
            folder = tmp_path_factory.mktemp(f"{kind}-{name}")
            shutil.copytree(tree / name, folder, dirs_exist_ok=True)
            jobs[kind, name] = folder
    with ThreadPoolExecutor(2) as pool:
        futures = {key: pool.submit(execute, folder, key[1]) for key, folder in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


@pytest.mark.parametrize("kind", ["released", "source"])
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_notebook_runs_top_to_bottom_without_an_error(executed, kind, name):
    """Released: every check says what is missing; source (the instructor's): nothing is missing."""
    nb = executed[kind, name]
    assert not isinstance(nb, str), nb
    assert problems(nb) == []
    printed = "\n".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    says_missing = any(words in printed for words in ("not implemented yet", "still unanswered", "Implement "))
    assert says_missing == (kind == "released"), printed[-2000:]
