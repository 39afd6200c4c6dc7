"""The quiz's answer key. Hidden: never shipped to students.

The right options are named by their text: each student sees the options in an order of their
own (``quiz.options``), so a letter means nothing until it is mapped back through that student's
order. Numeric questions have no fixed answer: it is computed from the numbers the
student-visible ``quiz.py`` draws for each student id.
"""

import numpy as np

CHOICES = {
    "q01": "a label",
    "q02": "reinforcement learning",
    "q04": "with lots of data, when good features are hard to engineer by hand",
    "q05": "without them any stack of layers computes one linear function",
    "q08": "the gradients reaching the first layers become tiny, as products of many small terms",
    "q09": "low training loss, high validation loss",
    "q10": "drops every unit: the model learns nothing",
    "q16": "the gradients of the first layers become huge, and the steps are too large for training to converge",
}
MULTI = {
    "q03": {"regression", "classification"},
    "q07": {"with a learning rate that is too small, learning takes too long",
            "with a learning rate that is too large, steps overshoot the minimum and the loss can grow"},
    "q15": {"each one is between 0 and 1", "they sum to 1 over the classes",
            "the largest logit gets the largest probability"},
}
TOLERANCE = {"q06": 1e-6, "q11": 1e-3, "q12": 0, "q13": 0, "q14": 0}


def right_options(question):
    """Gives the texts of the options a student must choose for a multiple-choice or multi-select question.

    Inputs:
    - question: A question's name in CHOICES or MULTI, e.g. "q01"

    Returns:
    - A set of option texts: one for multiple choice, all the right ones for multi-select

    Raises KeyError for a question with a numeric answer.
    """
    return {CHOICES[question]} if question in CHOICES else MULTI[question]


def variant_answers(v):
    """Computes one student's answers to the numeric questions, from the numbers drawn for them.

    Inputs:
    - v: The student's numbers, as the student-visible ``quiz.variant(student)`` draws them: a dict with
      lr (learning rate) and grad (gradient magnitude), floats; logits, a list of 3 floats; n (input size),
      k (kernel size), p (padding), s (stride), c_in and c_out (channels), ints; grid, a 4 x 4 list of ints

    Returns:
    - A dict question -> answer, graded within TOLERANCE: q06 the step lr * grad; q11 softmax(logits)[0];
      q12 the convolution's output size (n + 2p - k) / s + 1; q13 the sum of the 2 x 2 max-pooled grid;
      q14 a conv layer's parameter count k * k * c_in * c_out + c_out
    """
    logits = np.array(v["logits"])
    exp = np.exp(logits - logits.max())
    grid = np.array(v["grid"])
    return {
        "q06": v["lr"] * v["grad"],
        "q11": float(exp[0] / exp.sum()),
        "q12": (v["n"] + 2 * v["p"] - v["k"]) / v["s"] + 1,  # the formula as taught: quiz.py draws numbers that divide
        "q13": int(grid.reshape(2, 2, 2, 2).max(axis=(1, 3)).sum()),
        "q14": v["k"] * v["k"] * v["c_in"] * v["c_out"] + v["c_out"],
    }
