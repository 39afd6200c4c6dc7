"""What the grader decodes of a kernel's messages, judged on their raw bytes (no kernel needed)."""

import json

import pytest
import zmq
from jupyter_client.session import Session

from autograders.engine import kernel_messages
from autograders.engine.kernel_messages import DROPPED, MAX_MESSAGE_VALUES, CallReplies, CellOutput, read

SESSION = Session(key=b"secret")


def frames(msg_type, content, parent_id="cell-1", buffers=()):
    """A message as the grader's socket receives it: zmq frames."""
    message = SESSION.msg(msg_type, content, parent=SESSION.msg_header("execute_request") | {"msg_id": parent_id})
    return [zmq.Frame(part) for part in [b"topic", *SESSION.serialize(message), *buffers]]


def test_a_cells_output_is_decoded_within_its_budget_and_dropped_undecoded_beyond_it():
    budget = CellOutput(per_cell=1000, per_notebook=1500)
    small = read(SESSION, frames("stream", {"name": "stdout", "text": "x" * 500}), budget.admit)
    assert small["msg_type"] == "stream" and small["content"]["text"] == "x" * 500
    big = read(SESSION, frames("stream", {"name": "stdout", "text": "x" * 900}), budget.admit)
    # what it answered stays, so that the cell can say its output was cut; what it said is never decoded
    assert big["msg_type"] == DROPPED and big["parent_header"]["msg_id"] == "cell-1" and big["content"]["bytes"] > 900
    budget.start_cell()
    assert read(SESSION, frames("stream", {"name": "stdout", "text": "x" * 800}), budget.admit)["msg_type"] == "stream"
    budget.start_cell()
    assert read(SESSION, frames("stream", {"name": "stdout", "text": "x" * 400}), budget.admit)["msg_type"] == DROPPED
    assert budget.over_notebook(400)
    status = read(SESSION, frames("status", {"execution_state": "idle"}), budget.admit)
    assert status["content"] == {"execution_state": "idle"}  # not output: never counted


def test_while_checks_call_only_replies_are_decoded():
    reply = read(SESSION, frames("display_data", {"data": {"x": "1"}}), CallReplies.admit)
    assert reply["content"]["data"] == {"x": "1"}
    for msg_type in ("stream", "execute_result", "error"):
        assert read(SESSION, frames(msg_type, {"text": "x"}), CallReplies.admit)["msg_type"] == DROPPED


@pytest.mark.parametrize("make", [
    lambda: frames("display_data", {"data": {"x": "1"}}, buffers=[b"z" * 10] * 3),  # extra buffers
    lambda: frames("display_data", {"data": {"x": "1"}}, parent_id="p" * 2**17),  # a huge parent header
])
def test_messages_with_extra_parts_or_a_huge_envelope_answer_nobody(make):
    message = read(SESSION, make(), CallReplies.admit)
    assert message["msg_type"] == DROPPED and message["parent_header"] == {} and message["content"] == {"bytes": 0}


def test_content_that_would_decode_to_too_many_values_is_not_decoded():
    flood = {"data": {"x": "1"}, "metadata": [[]] * MAX_MESSAGE_VALUES}
    assert read(SESSION, frames("display_data", flood), CallReplies.admit)["msg_type"] == DROPPED
    fine = {"data": {"x": "1"}, "metadata": [[]] * (MAX_MESSAGE_VALUES // 4)}  # the count is an upper bound
    assert read(SESSION, frames("display_data", fine), CallReplies.admit)["msg_type"] == "display_data"


def test_values_are_counted_without_decoding():
    text = json.dumps({"a": [1, 2, {"b": "c,d"}], "e": []})
    assert kernel_messages.values(text) >= len(json.loads(text)["a"]) + 3
    assert kernel_messages.values(text.encode()) == kernel_messages.values(text)


def relay_cut(header, parent, content):
    """A message marked as cut by the relay (unsigned: a kernel can send one of its own)."""
    return [zmq.Frame(part) for part in [b"topic", b"<IDS|MSG>", kernel_messages.RELAY_DROPPED, header, parent, b"{}",
                                         content]]


@pytest.mark.parametrize("header, parent, content, answers, size", [
    (b'{"msg_type": "stream"}', b'{"msg_id": "cell-1"}', b'{"bytes": 123}', "cell-1", 123),  # as the relay sends it
    (b'{"msg_type": ["stream"]}', b'{"msg_id": "cell-1"}', b'{"bytes": 1}', None, 1),  # an unhashable type
    (b"[1, 2]", b"not json", b'{"bytes": 1e400}', None, 0),
    (b'{"msg_type": "stream"}', b"[]", b'{"bytes": "12"}', None, 0),
])
def test_a_message_the_relay_cut_is_read_as_dropped_output_whatever_its_fields_hold(header, parent, content, answers,
                                                                                     size):
    message = read(SESSION, relay_cut(header, parent, content), CallReplies.admit)
    assert message["msg_type"] == DROPPED and message["parent_header"].get("msg_id") == answers
    assert message["content"]["bytes"] == size


@pytest.mark.parametrize("header", [{"msg_type": ["stream"], "msg_id": "x"}, {"msg_type": {"a": 1}, "msg_id": "x"}])
def test_a_signed_message_with_a_type_that_is_not_text_answers_nobody(header):
    signed = SESSION.serialize({"header": header, "parent_header": {}, "metadata": {}, "content": {}})
    message = read(SESSION, [zmq.Frame(p) for p in [b"topic", *signed]], CallReplies.admit)
    assert message["msg_type"] == DROPPED and message["parent_header"] == {}
