"""`dlcourse audit` and the release step: students never get solution code, hidden checks or reference values."""

import ast
import shutil

import nbformat
import pytest
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from nbgrader.utils import notebook_hash
from traitlets.config.loader import PyFileConfigLoader

from autograders.audit import MIN_LENGTH, fingerprints, normalise
from autograders.course import Course
from autograders.hub.grader_exchange import use_hub_exchange
from conftest import BIN, dlcourse, run


@pytest.fixture
def course(course_copy, tmp_path):
    """A private copy of the released course, to plant leaks in."""
    shutil.copytree(course_copy, tmp_path / "course")
    return tmp_path / "course"


def hidden_line(course, what, assignment="activations"):
    """One line of hidden material of ``assignment``."""
    prints = fingerprints(Course(course).assignment(assignment))
    return next(line for line, kind in sorted(prints.items()) if kind == what)


def audit_with_cells(course, name, *cells):
    """``dlcourse audit NAME`` after ``cells`` are added to NAME's released notebook."""
    path = course / "release" / name / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.extend(cells)
    nbformat.write(nb, path)
    return dlcourse("audit", name, "--course", course, check=False)


def test_the_released_course_leaks_nothing(course_copy):
    proc = dlcourse("audit", "--course", course_copy)
    assert "no leaks" in proc.stdout


@pytest.mark.parametrize("hidden, what, name, code, reported", [
    ("activations", "hidden checks", "activations", "# handy:\n{line}", "hidden checks"),
    # all assignments are released together: dropout's notebook must not answer backprop's
    ("backprop", "solution code", "dropout", "def helper(scores):\n    {line}", "solution code of backprop"),
], ids=["its-own-hidden-checks", "another-assignments-solution"])
def test_hidden_material_planted_in_a_released_notebook_is_found(course, hidden, what, name, code, reported):
    line = hidden_line(course, what, hidden)
    proc = audit_with_cells(course, name, nbformat.v4.new_code_cell(code.format(line=line)))
    assert proc.returncode == 1, proc.stdout
    assert f"release/{name}/{name}.ipynb: {reported}: {line[:60]}" in proc.stdout


def test_a_references_docstrings_in_a_notebooks_markdown_are_no_leak_but_its_code_is(course):
    """A reference's docstrings state what the contract states (inputs, shapes, returns), as a notebook's text may;
    the reference's code lines stay secret, in markdown as in code."""
    reference = Course(course).assignment("activations").checks_file.parent / "reference.py"
    docstrings = [ast.get_docstring(node) for node in ast.walk(ast.parse(reference.read_text()))
                  if isinstance(node, ast.FunctionDef) and ast.get_docstring(node)]
    notebook = nbformat.read(course / "release" / "activations" / "activations.ipynb", as_version=4)
    released = normalise(" ".join(cell.source for cell in notebook.cells))
    # the test can fail: some docstring line, written alone on its line in the file, is long and not shown already
    assert any(len(normalise(line)) >= MIN_LENGTH and normalise(line) not in released
               for doc in docstrings for line in doc.splitlines()[1:])
    code = hidden_line(course, "reference solution")
    proc = audit_with_cells(course, "activations", nbformat.v4.new_markdown_cell("\n\n".join([*docstrings, code])))
    assert proc.returncode == 1, proc.stdout
    leaks = [line for line in proc.stdout.splitlines() if line.startswith("LEAK ")]
    assert len(leaks) == 1 and f"activations.ipynb: reference solution: {code[:60]}" in leaks[0], proc.stdout


def write_feedback(course, student, line):
    """Feedback for ``student`` on activations showing ``line`` as nbconvert highlights code, with nbgrader's records."""
    feedback = course / "feedback" / student / "activations"
    feedback.mkdir(parents=True)
    highlighted = "".join(f'<span class="n">{token}</span> ' for token in line.replace("<", "&lt;").split())
    (feedback / "activations.html").write_text(f"<html>\n<body>\n<pre>{highlighted}</pre>\n</body></html>")
    for name, text in (("timestamp.txt", "2024-05-01 10:00:00.000000 UTC"), ("submission_secret.txt", student * 8)):
        (feedback / name).write_text(text)


def test_a_reference_line_in_generated_feedback_is_found(course):
    write_feedback(course, "alice", hidden_line(course, "reference solution"))
    proc = dlcourse("audit", "--course", course, check=False)
    assert proc.returncode == 1
    assert "feedback/alice/activations/activations.html: reference solution" in proc.stdout
    assert "(line 3)" in proc.stdout


def test_feedback_that_shows_hidden_material_is_not_released_and_the_log_says_where(course, tmp_path):
    exchange = tmp_path / "exchange"
    (exchange / "dl-course" / "feedback").mkdir(parents=True)
    write_feedback(course, "alice", hidden_line(course, "hidden checks"))
    write_feedback(course, "bob", "def sigmoid(z): return my own code, nothing hidden")
    # carol wrote a line exactly as the solution does: feedback showing her own code is no leak
    solution = hidden_line(course, "solution code")
    write_feedback(course, "carol", solution)
    own = course / "autograded" / "carol" / "activations"
    own.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"    {solution}")]),
                   own / "activations.ipynb")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.CourseDirectory.root, config.Exchange.root = str(course), str(exchange)
    use_hub_exchange(config)
    outcome = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config).release_feedback("activations")
    assert outcome["success"] is False and "the feedback of alice was not released" in outcome["error"]
    assert f"not released: {course}/feedback/alice/activations/activations.html: hidden checks: " in outcome["log"]
    assert "(line 3)" in outcome["log"]
    released = {p.name for p in (exchange / "dl-course" / "feedback").iterdir()}
    assert released == {f"{notebook_hash(secret=s * 8, notebook_id='activations')}.html" for s in ("bob", "carol")}


def test_a_release_that_would_leak_is_refused(course):
    line = hidden_line(course, "hidden checks")
    with open(course / "source" / "activations" / "public_checks.py", "a") as helper:
        helper.write(f"\n\n# copied from the grader by mistake\n{line}\n")
    shutil.rmtree(course / "release" / "activations")
    proc = run([BIN / "nbgrader", "generate_assignment", "activations", "--force"], cwd=course, check=False)
    assert proc.returncode != 0
    assert "refusing to release" in proc.stdout + proc.stderr
    assert not (course / "release" / "activations" / "activations.ipynb").exists()
