"""A worker grades submission after submission (its next kernel started while the checks of the one before run):
nothing one submission leaves behind reaches the next. The first leaves traces everywhere it can write; the
second, graded next by the same worker, scores full marks only if it finds none."""

import nbformat

from conftest import grade
from conftest import released as released_notebook
from notebooks import CORPUS, corpus_cells, student_notebook

FUNCTIONS = ("sigmoid", "tanh", "relu", "leaky_relu")
TRACES = '''
import builtins, os, pathlib, sys, tempfile
TRACE_FILES = [pathlib.Path("trace-in-folder.txt"), pathlib.Path(tempfile.gettempdir()) / "trace-in-tmp.txt",
               pathlib.Path.home() / ".trace-in-home", pathlib.Path("trace_module.py"),
               pathlib.Path(os.environ.get("IPYTHONDIR", "~/.ipython")).expanduser() / "profile_default" / "startup"
               / "trace.py", pathlib.Path.home() / ".local/lib/python3.11/site-packages/dlcourse_trace.py"]
def traces():
    found = [str(p) for p in TRACE_FILES if p.exists()]
    found += ["environment"] * ("DLCOURSE_TRACE" in os.environ)
    found += ["module"] * ("dlcourse_trace" in sys.modules)
    found += ["builtins"] * hasattr(builtins, "dlcourse_trace")
    found += ["kernel variable"] * ("LEFT_BEHIND" in globals())
    return found
'''
LEAVE = TRACES + '''
import types
for path in TRACE_FILES:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("X = 1\\n")
os.environ["DLCOURSE_TRACE"] = "1"
sys.modules["dlcourse_trace"] = types.ModuleType("dlcourse_trace")
builtins.dlcourse_trace = True
LEFT_BEHIND = 1
# its functions work only where all of its traces are there, and it knows whose notebook it is
if len(traces()) != len(TRACE_FILES) + 4 or os.environ.get("JUPYTERHUB_USER") != "a_leaves":
    del FUNCTIONS_TO_BREAK
'''
LOOK = TRACES + '''
FOUND = traces()
# its functions work only where nothing of the submission before is visible, and it knows whose notebook it is
if FOUND or os.environ.get("JUPYTERHUB_USER") != "b_looks":
    del FUNCTIONS_TO_BREAK
'''


def _notebook(release, check: str):
    """A correct activations notebook whose last cell runs ``check``: where it fails, every function is None."""
    cells = corpus_cells(CORPUS / "activations" / "correct_np_where.py")
    cells["end"] = check.replace("del FUNCTIONS_TO_BREAK", "; ".join(f"{name} = None" for name in FUNCTIONS))
    return student_notebook(release, cells)


def test_nothing_of_one_submission_reaches_the_next(course_copy, tmp_path):
    release = released_notebook(course_copy, "activations")
    for student, check in (("a_leaves", LEAVE), ("b_looks", LOOK)):
        folder = tmp_path / "class" / student
        folder.mkdir(parents=True)
        nbformat.write(_notebook(release, check), folder / "activations.ipynb")
    results = grade([tmp_path / "class"], tmp_path, "--workers", "1", course=course_copy)
    assert results["a_leaves"]["score"] == 10.0, results["a_leaves"]  # it did leave every trace
    assert results["b_looks"]["score"] == 10.0, results["b_looks"]  # and the next one found none
