"""The bridge's wire format: plain data round-trips exactly; anything else is refused."""

import json

import numpy as np
import pytest

from autograders.engine import wire


@pytest.mark.parametrize("value", [
    None, True, 0, -(2**70), 1.5, float("inf"), "text", [1, [2.0]], (1, "a"), {"W1": np.ones((2, 3))},
    np.array(-1.5), np.float32(2.5), np.arange(6, dtype=np.int16).reshape(2, 3).T, np.zeros((2, 0, 3)),
    np.array([1 + 2j]), np.array([True, False]), {"A", "C"}, frozenset({1, 2.5}),
])
def test_plain_data_round_trips(value):
    back = wire.loads(wire.dumps(value))
    assert type(back) is type(value) or isinstance(value, (np.generic, frozenset))
    if isinstance(value, (np.ndarray, np.generic)):
        assert back.dtype == value.dtype and np.shape(back) == np.shape(value)
        assert np.array_equal(back, value)
    elif isinstance(value, dict):
        assert np.array_equal(back["W1"], value["W1"])
    else:
        assert back == value or (back != back and value != value)


class Sneaky(float):
    def __eq__(self, other):
        return True


@pytest.mark.parametrize("value, message", [
    (Sneaky(1.0), "an object of type Sneaky"),
    (np.array(["a"]), "dtype <U1"),
    (np.array([object()]), "dtype object"),
    ({1: 2}, "keys are not all strings"),
    ({(1, 2)}, "a set holding something other"),
    (object(), "an object of type object"),
])
def test_objects_are_refused(value, message):
    with pytest.raises(wire.WireError, match=message):
        wire.encode(value)


@pytest.mark.parametrize("node", [
    {"t": "nd", "dtype": "|O8", "shape": [1], "b64": ""},
    {"t": "nd", "dtype": "<f8", "shape": [2], "b64": "AAAAAAAAAAA="},
    {"t": "nd", "dtype": "<f8", "shape": [-1], "b64": ""},
    {"t": "pickle", "v": "gASVAAAA"},
    {"t": "int", "v": 3},
    ["not", "a", "node"],
])
def test_malformed_replies_are_refused(node):
    with pytest.raises(wire.WireError):
        wire.loads(json.dumps(node))


def test_deep_nesting_is_refused():
    value = []
    for _ in range(wire.MAX_DEPTH + 2):
        value = [value]
    with pytest.raises(wire.WireError, match="nested"):
        wire.encode(value)
