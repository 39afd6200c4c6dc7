"""The kernel bridge against a real kernel: what a check gets back, and what it refuses."""

import nbformat
import numpy as np
import pytest

from autograders.checklib import (Attr, CallTimeout, ChainError, KernelGone, Library, NotPlainData, Ref, Rng,
                                  StudentError, StudentKernel, step)
from autograders.engine.runner import NotebookRunner

STUDENT_CODE = '''
import numpy as np
answer = 42
weights = {"W": np.eye(2), "b": np.zeros(2)}
def double(x): return x * 2
def total(x): return float(x.sum())
def scale_in_place(x): x *= 3; return x
def boom(x): raise ValueError(f"bad input {x!r}")
def huge(): return np.zeros(2_000_000)
def sneaky(): return type("Eq", (float,), {"__eq__": lambda s, o: True})(1.0)
def warns(x): return np.exp(x)
def loops(): 
    while True: pass
def dies(): __import__("os")._exit(3)
class Cache: pass
def forward(x, rng=None):
    cache = Cache(); cache.mask = rng.random(x.shape) < 0.5; return x * cache.mask, cache
def backward(dout, cache): return dout * cache.mask
class Model:
    def __init__(self): self.trained, self.history = False, {"loss": [1.0]}
    def weights(self): return [np.full(2, 1.0 if self.trained else 0.0)]
def make_model(): return Model()
def train(model): model.trained = True; model.history["loss"].append(0.5); return "done"
'''


@pytest.fixture(scope="module")
def student():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(STUDENT_CODE)])
    with NotebookRunner(nb, [0], cell_timeout=30) as runner:
        runner.run()
        yield StudentKernel(runner, call_timeout=2, max_reply_bytes=2**20)


def test_calls_return_plain_data(student):
    assert student.call("double", 21) == 42
    out = student.call("double", np.arange(3, dtype=np.float32))
    assert out.dtype == np.float32 and out.tolist() == [0, 2, 4]
    assert student.map("double", [1, 2.5, "ab"]) == [2, 5.0, "abab"]
    assert student.get("answer") == 42
    assert np.array_equal(student.get("weights")["W"], np.eye(2))


def test_large_arguments_cross_intact(student):
    x = np.arange(2_000_000, dtype=np.float64)
    assert student.call("total", x) == float(x.sum())


def test_starmap_sends_many_calls_in_one_round_trip(student):
    before = student.calls
    assert student.starmap("double", [(1,), (np.ones(2),), ("x",)])[2] == "xx"
    assert student.calls == before + 1


def test_chained_calls_keep_caches_and_generators_in_the_kernel(student):
    x = np.arange(1.0, 9.0)
    out, dx = student.chain([step("out, cache", "forward", x, rng=Rng(3)),
                             step("dx", "backward", np.ones(8), Ref("cache"))], returns=["out", "dx"])
    mask = np.random.default_rng(3).random(8) < 0.5
    assert np.array_equal(out, x * mask) and np.array_equal(dx, mask * 1.0)
    with pytest.raises(StudentError, match="backward raised AttributeError"):
        student.chain([step("out, cache", "forward", x, rng=Rng(3)), step("dx", "backward", np.ones(8), Ref("out"))],
                      returns=["dx"])


def test_chains_call_methods_of_kernel_objects_and_library_functions(student):
    weights, history, seeded = student.chain(
        [step(None, Library("numpy.random", "seed"), 3), step("model", "make_model"), step(None, "train", Ref("model")),
         step("weights", Attr("model", "weights")),
         step("history", Library("builtins", "getattr"), Ref("model"), "history"),
         step("seeded", Library("numpy.random", "rand"))],
        returns=["weights", "history", "seeded"])
    assert [w.tolist() for w in weights] == [[1.0, 1.0]] and history == {"loss": [1.0, 0.5]}
    np.random.seed(3)
    assert seeded == np.random.rand()


def test_chain_names_are_checked_in_the_grader_before_anything_is_sent(student):
    before = student.calls
    bad_chains = {
        "no earlier step names its result 'cache'": [step("dx", "backward", np.ones(8), Ref("cache")),
                                                     step("out, cache", "forward", np.ones(8))],
        "names its result 'out' again": [step("out", "double", 1), step("out", "double", 2)],
        "must name the whole result": [step("out, cache", "forward", np.ones(8)), step("m", Attr("cache", "mask"))],
        "each name must be an identifier": [step("out, ", "double", 1)],
        # a name inside a list argument is resolved too
        "no earlier step names its result 'nowhere'": [step("t", "total", [Ref("nowhere")])],
    }
    for message, steps in bad_chains.items():
        with pytest.raises(ChainError, match=message):
            student.chain(steps, returns=[])
    with pytest.raises(ChainError, match="'missing'"):
        student.chain([step("out", "double", 1)], returns=["missing"])
    with pytest.raises(ChainError, match="'out'"):  # a result is only reachable inside its chain
        student.call("double", Ref("out"))
    assert student.calls == before


def test_a_kernel_without_tensorflow_reports_the_cpu(student):
    assert student.device() == "cpu"


def test_inputs_after_the_call_show_in_place_changes(student):
    value, (after,) = student.call_with_inputs("scale_in_place", np.ones(2))
    assert after.tolist() == [3.0, 3.0]


def test_student_exceptions_name_the_function_and_line(student):
    with pytest.raises(StudentError) as err:
        student.call("boom", 7)
    assert str(err.value) == "boom raised ValueError: bad input 7 (at `def boom(x): raise ValueError(f\"bad input {x!r}\")`)"
    assert err.value.is_a("Exception") and not err.value.is_a("KeyError")
    with pytest.raises(StudentError, match="^nope is not defined in your notebook$"):
        student.call("nope")
    with pytest.raises(StudentError, match="answer is not a function"):
        student.call("answer")


def test_strict_calls_turn_numpy_warnings_into_errors(student):
    assert student.call("warns", np.array([1000.0]))[0] == np.inf
    with pytest.raises(StudentError, match="FloatingPointError: overflow"):
        student.call("warns", np.array([1000.0]), strict=True)


def test_objects_and_oversized_replies_are_refused(student):
    with pytest.raises(NotPlainData, match="an object of type Eq"):
        student.call("sneaky")
    with pytest.raises(NotPlainData, match="more than 1 MiB"):
        student.call("huge")


def test_endless_call_is_cut_and_not_repeated_and_the_kernel_survives(student):
    with pytest.raises(CallTimeout, match="loops did not finish within 2 s"):
        student.call("loops")
    with pytest.raises(CallTimeout, match="not called again"):
        student.call("loops")
    assert student.call("double", 1) == 2


def test_a_call_that_kills_the_kernel_is_reported_and_the_notebook_replayed(student):
    with pytest.raises(KernelGone, match="dies ended the kernel process"):
        student.call("dies")
    assert student.call("double", 4) == 8  # a new kernel, with the notebook replayed


FLOOD_AND_HIDE_ANSWERS = """
import threading
kernel = get_ipython().kernel
publish = kernel._publish_status
def hide_info_answers(state, channel, parent=None):
    if (parent or kernel.get_parent(channel) or {}).get("header", {}).get("msg_type") != "kernel_info_request":
        publish(state, channel, parent)
kernel._publish_status = hide_info_answers
def flood():
    while True:
        kernel.session.send(kernel.iopub_socket, "stream", {"name": "stdout", "text": "x"})
threading.Timer(1.0, flood).start()
def double(x): return x * 2
"""


def test_a_notebook_that_floods_its_messages_and_hides_its_answers_cannot_hold_the_grader():
    import threading
    import time

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FLOOD_AND_HIDE_ANSWERS)])
    with NotebookRunner(nb, [0], cell_timeout=30) as runner:
        runner.run()
        time.sleep(1.5)  # the flood has started
        outcome = []

        def call():
            try:
                outcome.append(StudentKernel(runner, call_timeout=2).call("double", 1))
            except KernelGone as gone:
                outcome.append(gone)

        caller = threading.Thread(target=call, daemon=True)
        caller.start()
        caller.join(30)
        assert not caller.is_alive(), "the grader is still reading the notebook's flood"
    assert isinstance(outcome[0], KernelGone) and "stopped sending the grader its answers" in str(outcome[0])
