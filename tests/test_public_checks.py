"""The public checks students run in their notebooks catch the common mistakes before the deadline.

Each case is a corpus submission that the hidden checks mark down; here its functions are handed to
the released public check, in this process, as the student's notebook would: the check must fail,
with a message that says what to fix.
"""

import importlib.util
import sys

import numpy as np
import pytest

from conftest import ROOT
from notebooks import CORPUS, corpus_cells

SOURCE = ROOT / "course" / "source"


def public_checks(assignment):
    folder = SOURCE / assignment
    sys.path.insert(0, str(folder))  # public_checks imports notebook_tools from its folder, as in the notebook
    try:
        spec = importlib.util.spec_from_file_location(f"public_checks_{assignment}", folder / "public_checks.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(folder))
    return module


def student_functions(assignment, case):
    """The functions a corpus submission defines, in a namespace like its notebook's."""
    import tensorflow as tf
    from tensorflow import keras

    namespace = {"np": np, "tf": tf, "keras": keras}
    for name, source in corpus_cells(CORPUS / assignment / f"{case}.py").items():
        if name not in ("start", "end"):
            exec(compile(source, f"{case}:{name}", "exec"), namespace)
    return namespace


CASES = [
    ("softmax", "wrong_global_max", "check_softmax", ("softmax",), "each row's own maximum"),
    ("cnn", "wrong_same_padding_symmetric", "check_conv2d_forward", ("conv2d_forward",),
     "the extra row goes at the bottom"),
    ("cnn", "wrong_ignores_input_shape", "check_build_cnn", ("build_cnn",), "pass input_shape to keras.Input"),
]


@pytest.mark.parametrize("assignment, case, check, functions, phrase", CASES, ids=[c[1] for c in CASES])
def test_public_check_catches_the_mistake(assignment, case, check, functions, phrase):
    checks = public_checks(assignment)
    namespace = student_functions(assignment, case)
    with pytest.raises(AssertionError) as failure:
        getattr(checks, check)(*(namespace[f] for f in functions))
    assert type(failure.value).__name__ == "CheckFailed"   # shown without a traceback in the notebook
    assert phrase in str(failure.value)


@pytest.mark.parametrize("assignment, case, check, functions", [
    ("softmax", "correct_logaddexp", "check_softmax", ("softmax",)),
    ("cnn", "brief_training", "check_conv2d_forward", ("conv2d_forward",)),
    ("cnn", "brief_training", "check_build_cnn", ("build_cnn",)),
])
def test_public_check_passes_a_correct_submission(assignment, case, check, functions, capsys):
    getattr(public_checks(assignment), check)(*(student_functions(assignment, case)[f] for f in functions))
    assert "public checks passed" in capsys.readouterr().out


def test_an_unwritten_function_is_reported_in_one_line(capsys):
    def softmax(logits):
        raise NotImplementedError()

    public_checks("softmax").check_softmax(softmax)
    assert capsys.readouterr().out.strip() == "not implemented yet: softmax"
