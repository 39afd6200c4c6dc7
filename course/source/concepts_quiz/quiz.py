"""Helpers for the concepts quiz: your questions as you see them, and a format check for your answers.

Your quiz is drawn from your user name, so your neighbours see another quiz: the numbers of the
numeric questions, and the order of the options of every multiple-choice and multi-select
question. The grader draws the same from your id when it grades you: a neighbour's answers are
the answers to their numbers and their option letters, which are wrong for yours.
"""

import getpass
import hashlib
import os
import random

LETTERS = "ABCDEF"
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
    "q16": "choice",
}

# question -> (its text, its options in the course's own order); each student sees the options in an order of
# their own, lettered A, B, ... as they see them
OPTION_QUESTIONS = {
    "q01": ("A spam filter learns from emails that people marked as 'spam' or 'not spam'. For one of these "
            "emails, what is the mark 'spam'?",
            ("a feature", "a label", "a model", "an unlabelled example")),
    "q02": ("A program learns to play chess only from whether it won or lost each game. Which learning "
            "approach is that?",
            ("supervised learning", "unsupervised learning", "reinforcement learning", "feature engineering")),
    "q03": ("Which of these problem types are supervised (predictive)? Select all that apply.",
            ("regression", "classification", "clustering", "anomaly detection")),
    "q04": ("When does deep learning tend to beat traditional machine learning?",
            ("with lots of data, when good features are hard to engineer by hand",
             "with little data and strong domain knowledge",
             "when every prediction must come with an explanation of how and why",
             "when the model must train in a few seconds on a laptop")),
    "q05": ("Why does a neural network need non-linear activation functions?",
            ("they make training faster",
             "they keep the weights small",
             "without them any stack of layers computes one linear function",
             "they make the outputs sum to one")),
    "q07": ("Which statements about the learning rate are true? Select all that apply.",
            ("a larger learning rate always reaches the minimum faster",
             "with a learning rate that is too small, learning takes too long",
             "with a learning rate that is too large, steps overshoot the minimum and the loss can grow",
             "the learning rate is learned by backpropagation")),
    "q08": ("What are vanishing gradients?",
            ("the gradients of the output layer become huge",
             "the loss reaches exactly zero",
             "the learning rate decays during training",
             "the gradients reaching the first layers become tiny, as products of many small terms")),
    "q09": ("Which pattern shows an overfit model?",
            ("high training loss, high validation loss",
             "low training loss, high validation loss",
             "high training loss, low validation loss",
             "low training loss, low validation loss")),
    "q10": ("What does a dropout layer with rate 1.0 do during training?",
            ("drops no unit",
             "drops half of the units",
             "doubles every activation",
             "drops every unit: the model learns nothing")),
    "q15": ("Which are true of the softmax outputs of a classifier? Select all that apply.",
            ("each one is between 0 and 1",
             "each one is exactly 0 or 1",
             "they sum to 1 over the classes",
             "the largest logit gets the largest probability")),
    "q16": ("A deep network starts with very large weights. Backpropagation multiplies many of them together "
            "on the way to the first layers. What happens?",
            ("the gradients of the first layers become tiny, and those layers barely learn",
             "the gradients of the first layers become huge, and the steps are too large for training to converge",
             "the gradients become exactly zero, and the loss stays at its minimum",
             "the gradients keep the same size in every layer, whatever the weights")),
}

VARIANT_QUESTIONS = {
    "q06": "The gradient of the loss at the current weights has magnitude {grad} and the learning rate "
           "is {lr}. How far (a distance, >= 0) does one gradient descent step move the weights? "
           "Tolerance: 1e-6.",
    "q11": "A 3-class network outputs the logits {logits}. What probability does softmax give to the "
           "first class (the one with logit {first})? Tolerance: 0.001.",
    "q12": "A {n}x{n} image goes through a convolution with a {k}x{k} kernel, zero padding of {p} pixels on "
           "each side and stride {s}. What is the width of the output? Tolerance: 0 (an integer; your numbers "
           "are drawn so that the kernel's steps fit the padded image exactly, with nothing to round).",
    "q13": "2x2 max pooling with stride 2 is applied to the 4x4 input below. What is the sum of all "
           "the values in the output? Tolerance: 0 (an integer).\n{grid}",
    "q14": "A Conv2D layer has {c_out} filters of size {k}x{k} and its input has {c_in} channels. How "
           "many trainable parameters (weights and biases) does it have? Tolerance: 0 (an integer).",
}


def student_id():
    """Your id: your JupyterHub user name, else your login name (the grader uses the id it grades)."""
    return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()


def _digest(*parts):
    return hashlib.sha256(":".join(parts).encode()).digest()


def variant(student=None):
    """The numbers of your numeric questions, drawn from your id (the grader draws the same)."""
    sid = student or student_id()
    r = random.Random(int.from_bytes(_digest("dl-course-quiz", sid), "big"))
    grid = [[r.randint(0, 9) for _ in range(4)] for _ in range(4)]
    lr = r.choice([0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2])
    grad = r.randint(5, 60) / 10
    logits = [r.randint(-20, 30) / 10 for _ in range(3)]
    n, k, p, s = r.choice([28, 32, 48, 64, 96, 128]), r.choice([3, 5, 7]), r.choice([0, 1, 2]), r.choice([1, 2])
    # one pixel more where needed, so that (n + 2p - k) / s + 1 is a whole number: the formula as taught
    # then has exactly one answer, whichever way a student would round
    n += (k - n - 2 * p) % s
    return {"lr": lr, "grad": grad, "logits": logits, "n": n, "k": k, "p": p, "s": s, "grid": grid,
            "c_in": r.choice([1, 3, 16, 32, 64]), "c_out": r.choice([8, 16, 32, 64, 128])}


def option_order(question, student=None):
    """The course's own option numbers (0 for its first option) in the order you see them, drawn from your id."""
    sid = student or student_id()
    count = len(OPTION_QUESTIONS[question][1])
    return sorted(range(count), key=lambda i: _digest("dl-course-quiz-options", question, sid, str(i)))


def options(question, student=None):
    """letter -> option text, as you see the options of ``question``."""
    texts = OPTION_QUESTIONS[question][1]
    return {letter: texts[i] for letter, i in zip(LETTERS, option_order(question, student))}


def letter_of(question, option, student=None):
    """The letter under which you see the option whose text is ``option``."""
    return next(letter for letter, text in options(question, student).items() if text == option)


def question_text(question, student=None):
    """A question as you see it: with your numbers, or with your order of its options."""
    if question in OPTION_QUESTIONS:
        lines = [OPTION_QUESTIONS[question][0], ""]
        lines += [f"  {letter}: {text}" for letter, text in options(question, student).items()]
        return "\n".join(lines)
    v = dict(variant(student))
    v["grid"] = "\n".join("    " + " ".join(str(x) for x in row) for row in v["grid"])
    return VARIANT_QUESTIONS[question].format(**v, first=v["logits"][0])


def ask(question, student=None):
    """Print a question as you see it."""
    print(question_text(question, student))


def check_format(question, answer):
    """Check the FORM of an answer (not whether it is right) before you submit."""
    form = FORMS[question]
    if answer is ...:
        print(f"{question} is still unanswered: write {ANSWER_FORMS[form]}")
        return
    letters = LETTERS[:len(OPTION_QUESTIONS[question][1])] if question in OPTION_QUESTIONS else ""
    ok = {
        "choice": isinstance(answer, str) and len(answer) == 1 and answer.upper() in letters,
        "multi": isinstance(answer, (set, frozenset, list, tuple))
                 and all(isinstance(a, str) and len(a) == 1 and a.upper() in letters for a in answer),
        "number": isinstance(answer, (int, float)) and not isinstance(answer, bool),
    }[form]
    if not ok:
        from notebook_tools import CheckFailed  # here: the grader loads this file alone to draw your numbers

        among = f" among {', '.join(letters)}" if letters else ""
        raise CheckFailed(f"{question} should be {ANSWER_FORMS[form]}{among}; you wrote {answer!r}")
    print(f"{question}: the form is right (the grader checks the answer itself)")
