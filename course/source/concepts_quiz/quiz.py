"""Helpers for the concepts quiz: your personal numbers, and a format check for your answers.

Some questions use numbers drawn for you from your user name, so your neighbours get
other numbers. The grader draws the same numbers from your id: copying a neighbour's
answer gets you their numbers' answer, which is wrong for yours.
"""

import getpass
import hashlib
import os
import random

ANSWER_FORMS = {
    "choice": "one capital letter as a string, e.g. q01 = \"B\"",
    "multi": "a set of capital letters, e.g. q03 = {\"A\", \"C\"}",
    "number": "a number (int or float), e.g. q06 = 0.25",
}

# question -> the form its answer takes
FORMS = {
    "q01": "choice", "q02": "choice", "q03": "multi", "q04": "choice", "q05": "choice",
    "q06": "number", "q07": "multi", "q08": "choice", "q09": "choice", "q10": "choice",
    "q11": "number", "q12": "number", "q13": "number", "q14": "number", "q15": "multi",
}

VARIANT_QUESTIONS = {
    "q06": "The gradient of the loss at the current weights has magnitude {grad} and the learning rate "
           "is {lr}. How far (a distance, >= 0) does one gradient descent step move the weights? "
           "Tolerance: 1e-6.",
    "q11": "A 3-class network outputs the logits {logits}. What probability does softmax give to the "
           "first class (the one with logit {first})? Tolerance: 0.001.",
    "q12": "A {n}x{n} image goes through a convolution with a {k}x{k} kernel, padding {p} and stride "
           "{s}. What is the width of the output? Tolerance: 0 (an integer).",
    "q13": "2x2 max pooling with stride 2 is applied to the 4x4 input below. What is the sum of all "
           "the values in the output? Tolerance: 0 (an integer).\n{grid}",
    "q14": "A Conv2D layer has {c_out} filters of size {k}x{k} and its input has {c_in} channels. How "
           "many trainable parameters (weights and biases) does it have? Tolerance: 0 (an integer).",
}


def student_id():
    """Your id: your JupyterHub user name, else your login name."""
    return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()


def variant(student=None):
    """The numbers of your variant questions, drawn from your id (the grader draws the same)."""
    sid = student or student_id()
    r = random.Random(int(hashlib.sha256(f"dl-course-quiz:{sid}".encode()).hexdigest(), 16))
    grid = [[r.randint(0, 9) for _ in range(4)] for _ in range(4)]
    return {
        "lr": r.choice([0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2]),
        "grad": r.randint(5, 60) / 10,
        "logits": [r.randint(-20, 30) / 10 for _ in range(3)],
        "n": r.choice([28, 32, 48, 64, 96, 128]),
        "k": r.choice([3, 5, 7]),
        "p": r.choice([0, 1, 2]),
        "s": r.choice([1, 2]),
        "grid": grid,
        "c_in": r.choice([1, 3, 16, 32, 64]),
        "c_out": r.choice([8, 16, 32, 64, 128]),
    }


def question_text(question, student=None):
    """A variant question with your numbers."""
    v = dict(variant(student))
    v["grid"] = "\n".join("    " + " ".join(str(x) for x in row) for row in v["grid"])
    return VARIANT_QUESTIONS[question].format(**v, first=v["logits"][0])


def ask(question, student=None):
    """Print a variant question with your numbers."""
    print(question_text(question, student))


def check_format(question, answer):
    """Check the FORM of an answer (not whether it is right) before you submit."""
    form = FORMS[question]
    if answer is ...:
        print(f"{question} is still unanswered: write {ANSWER_FORMS[form]}")
        return
    ok = {
        "choice": isinstance(answer, str) and len(answer) == 1 and answer.upper() in "ABCDE",
        "multi": isinstance(answer, (set, frozenset, list, tuple))
                 and all(isinstance(a, str) and len(a) == 1 and a.upper() in "ABCDE" for a in answer),
        "number": isinstance(answer, (int, float)) and not isinstance(answer, bool),
    }[form]
    if not ok:
        from notebook_tools import CheckFailed  # here: the grader loads this file alone to draw your numbers

        raise CheckFailed(f"{question} should be {ANSWER_FORMS[form]}; you wrote {answer!r}")
    print(f"{question}: the form is right (the grader checks the answer itself)")
