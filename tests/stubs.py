"""Stub submissions built from the instructor's notebooks: what a student who wrote nothing hands in.

Each stub keeps the shape of a real answer as far as it can: the instructor's solution runs and
its result is replaced by zeros, ones or random values of the same shapes, dtypes and structure
(tuples, dicts, tensors, datasets), or the function hands back its first argument. A result
with no numbers to replace (a Keras model, a History) makes the stub raise NotImplementedError,
as the released notebook does. Each notebook stubs its functions in turn by the four kinds, so four
notebooks stub every function in every way. Built programmatically, so a new function or assignment
is stubbed without a new corpus file.
"""

from __future__ import annotations

import copy
import re

import nbformat
from nbformat.v4 import new_code_cell

KINDS = ["zeros", "ones", "input", "random"]
# solution cells that are not the assignment's answers: dropout's pasted backprop layers drive its demo
NOT_ANSWERS = {"backprop_layers"}
_DEF = re.compile(r"^def (\w+)\(", re.MULTILINE)

# runs first in the stub notebook: wraps each answer function (kept out of the hidden checks' reach:
# the grader calls the wrapper by the function's name)
_STUB_TOOLS = '''
import numpy as _np


def _stub_value(kind, value, rng=_np.random.default_rng()):
    import sys
    if isinstance(value, (tuple, list)):
        return type(value)(_stub_value(kind, v) for v in value)
    if isinstance(value, dict):
        return {k: _stub_value(kind, v) for k, v in value.items()}
    tf = sys.modules.get("tensorflow")
    if tf is not None and isinstance(value, tf.data.Dataset):
        return value.map(lambda *parts: tuple(_stub_value(kind, p) for p in parts))
    if tf is not None and tf.is_tensor(value):
        return tf.constant(_stub_value(kind, value.numpy()), dtype=value.dtype)
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, (int, float, _np.ndarray, _np.generic)):
        arr = _np.asarray(value)
        if kind == "zeros":
            out = _np.zeros_like(arr)
        elif kind == "ones":
            out = _np.ones_like(arr)
        elif arr.dtype.kind in "iu":
            out = rng.integers(0, 3, size=arr.shape).astype(arr.dtype)
        else:
            out = rng.normal(size=arr.shape).astype(arr.dtype)
        return out if isinstance(value, _np.ndarray) else type(value)(out) if isinstance(value, (int, float)) else out[()]
    raise NotImplementedError  # a model or a History: nothing to fake


def _stub(kind, function):
    def stub(*args, **kwargs):
        if kind == "input":
            return args[0] if args else next(iter(kwargs.values()), None)
        try:
            value = function(*args, **kwargs)
        except Exception:
            value = args[0] if args else None
        return _stub_value(kind, value)
    stub.__name__ = function.__name__
    return stub
'''


def answer_functions(source: str) -> list[str]:
    return _DEF.findall(source)


def stub_notebook(source_nb, released_nb, turn: int):
    """The released notebook whose answer cells hold the instructor's code with every function stubbed, without
    its demos: the n-th function of the notebook by ``KINDS[(turn + n) % len(KINDS)]``, so that turns 0 to 3
    stub every function in every way."""
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source_nb.cells
                 if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"}
    nb = copy.deepcopy(released_nb)
    n = 0
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in solutions and gid not in NOT_ANSWERS and cell.cell_type == "code":
            wrapped = ""
            for name in answer_functions(solutions[gid]):
                wrapped += f"\n{name} = _stub({KINDS[(turn + n) % len(KINDS)]!r}, {name})"
                n += 1
            cell.source = solutions[gid] + "\n" + wrapped
        elif gid in NOT_ANSWERS:
            cell.source = solutions[gid]
    # the demos and plots wait for the student's code: a student who wrote none can delete them, and they
    # cost the batch most of its time
    nb.cells = [c for c in nb.cells if not c.source.startswith("with needs_your_code():")]
    nb.cells.insert(1, new_code_cell(_STUB_TOOLS))
    return nb


def write_stubs(folder, source_nb_path, released_nb, assignment: str, turns=range(len(KINDS))) -> list[str]:
    """``folder/stubs<turn>_<assignment>/<assignment>.ipynb`` for each turn; returns the students' names."""
    source_nb = nbformat.read(source_nb_path, as_version=4)
    students = []
    for turn in turns:
        student = f"stubs{turn}_{assignment}"
        path = folder / student / f"{assignment}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(stub_notebook(source_nb, released_nb, turn), path)
        students.append(student)
    return students
