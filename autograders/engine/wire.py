"""The plain-data wire format between the grader and a student's kernel.

This file is sent verbatim into the student's kernel (see ``bridge.py``), so it
imports nothing from ``autograders`` and holds no hidden material. The grader
uses the same ``decode`` on what comes back, and that is where it matters: the
kernel runs student code, so every reply is untrusted. Only plain data crosses:
None, bools, ints, floats, strings, numeric numpy arrays and scalars, and
lists/tuples/dicts of these. Never objects, never pickles, because an object
can lie (a stub returning something that compares equal to anything).
"""

import base64
import importlib
import json
import math
import sys
import re
import traceback
import warnings

import numpy as np

MIME = "application/vnd.dlcourse.reply+json"
MAX_DEPTH = 16
_DTYPE = re.compile(r"^[<>|=][biufc][0-9]{1,2}$")


class WireError(ValueError):
    """Data that is not plain, or a malformed message."""


class StepResult:
    """In a request: the result of an earlier step (``index``: one item of it), kept in the kernel.
    Checks name their steps' results (``chain.py``); the grader turns the names into these numbers."""

    def __init__(self, step, index=None):
        self.step, self.index = step, index


class Rng:
    """In a request: a fresh ``np.random.default_rng(seed)`` made in the kernel."""

    def __init__(self, seed):
        self.seed = seed


def encode(value, depth=0):
    if depth > MAX_DEPTH:
        raise WireError("nested more than %d levels deep" % MAX_DEPTH)
    # bool before int: bool is a subclass of int
    if value is None:
        return {"t": "none"}
    if type(value) is bool:
        return {"t": "bool", "v": value}
    if type(value) is int:
        return {"t": "int", "v": str(value)}
    if type(value) is float:
        return {"t": "float", "v": repr(value)}
    if type(value) is str:
        return {"t": "str", "v": value}
    if type(value) is StepResult:
        return {"t": "ref", "step": value.step, "index": value.index}
    if type(value) is Rng:
        return {"t": "rng", "seed": value.seed}
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.array(value, copy=True, order="C")
        if arr.dtype.kind not in "biufc":
            raise WireError("a numpy array of dtype %s (only numeric arrays are accepted)" % arr.dtype)
        tag = "scalar" if isinstance(value, np.generic) else "nd"
        return {"t": tag, "dtype": arr.dtype.str, "shape": list(arr.shape),
                "b64": base64.b64encode(arr.tobytes()).decode("ascii")}
    if type(value) in (list, tuple):
        return {"t": type(value).__name__, "v": [encode(v, depth + 1) for v in value]}
    if type(value) in (set, frozenset):
        if not all(type(v) in (str, int, float, bool) for v in value):
            raise WireError("a set holding something other than strings and numbers")
        return {"t": "set", "v": [encode(v, depth + 1) for v in sorted(value, key=repr)]}
    if type(value) is dict:
        if not all(type(k) is str for k in value):
            raise WireError("a dict whose keys are not all strings")
        return {"t": "dict", "v": [[k, encode(v, depth + 1)] for k, v in value.items()]}
    raise WireError("an object of type %s" % type(value).__name__)


def decode(node, depth=0, results=None):
    """Plain data from ``node``. ``results`` (kernel side only) resolves references to earlier steps."""
    if depth > MAX_DEPTH:
        raise WireError("nested more than %d levels deep" % MAX_DEPTH)
    if type(node) is not dict or type(node.get("t")) is not str:
        raise WireError("malformed value")
    t = node["t"]
    if results is not None and t == "ref":
        value = results[node["step"]]
        return value if node["index"] is None else value[node["index"]]
    if results is not None and t == "rng":
        return np.random.default_rng(node["seed"])
    if t == "none":
        return None
    if t == "bool" and type(node.get("v")) is bool:
        return node["v"]
    if t in ("int", "float", "str") and type(node.get("v")) is str:
        try:
            return {"int": int, "float": float, "str": str}[t](node["v"])
        except ValueError:
            raise WireError("malformed %s" % t) from None
    if t in ("nd", "scalar"):
        return _decode_array(node, scalar=(t == "scalar"))
    if t in ("list", "tuple", "set") and type(node.get("v")) is list:
        items = [decode(v, depth + 1, results) for v in node["v"]]
        if t == "set":
            if not all(type(v) in (str, int, float, bool) for v in items):
                raise WireError("a set holding something other than strings and numbers")
            return set(items)
        return items if t == "list" else tuple(items)
    if t == "dict" and type(node.get("v")) is list:
        out = {}
        for pair in node["v"]:
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str:
                raise WireError("malformed dict")
            out[pair[0]] = decode(pair[1], depth + 1, results)
        return out
    raise WireError("unknown value type %r" % t[:20])


def _decode_array(node, scalar):
    dtype, shape, b64 = node.get("dtype"), node.get("shape"), node.get("b64")
    if type(dtype) is not str or not _DTYPE.match(dtype):
        raise WireError("unsupported dtype")
    if type(shape) is not list or len(shape) > 32 or not all(type(n) is int and 0 <= n < 2**62 for n in shape):
        raise WireError("malformed shape")
    if type(b64) is not str:
        raise WireError("malformed array data")
    dt = np.dtype(dtype)
    # the size, exactly (Python ints), before anything is allocated for it
    if math.prod(shape) * dt.itemsize != len(b64) // 4 * 3 - b64[-2:].count("="):
        raise WireError("array data does not match its shape")
    try:
        raw = base64.b64decode(b64.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise WireError("malformed array data") from None
    if len(raw) != math.prod(shape) * dt.itemsize:
        raise WireError("array data does not match its shape")
    arr = np.frombuffer(raw, dtype=dt).reshape(tuple(shape)).copy()
    return arr[()] if scalar else arr


def dumps(value):
    return json.dumps(encode(value))


def loads(text):
    try:
        return decode(json.loads(text))
    except (json.JSONDecodeError, RecursionError, TypeError) as exc:
        raise WireError("malformed message: %s" % type(exc).__name__) from None


# ---- kernel side ---------------------------------------------------------


def handle(namespace, request_json):
    """Run one request in the student's namespace; return the reply as JSON text.

    Request: {"steps": [{"name", "module" or "of", "get", "args", "kwargs"}, ...], "chain", "returns",
    "strict", "inputs", "max_bytes", "max_values"}.
    Independent steps (``chain`` false) get one reply each: one round trip to a
    kernel costs milliseconds, so a check sends many calls at once. Chained steps
    run in order and may use earlier results (``StepResult``), which stay in the kernel:
    a forward pass's cache is whatever the student made it, so only the values
    named in ``returns`` come back. ``strict`` turns numpy floating-point errors
    and Python warnings into errors; ``inputs`` also returns the arguments as
    they are after the call, to catch in-place changes.
    """
    request = json.loads(request_json)
    results, replies = [], []
    for step in request["steps"]:
        try:
            value, args = _run_step(namespace, step, results, request.get("strict"))
        except KeyboardInterrupt:
            raise  # the grader's interrupt after a timeout
        except BaseException as exc:  # the student's code may raise anything, SystemExit included
            replies.append(_error_reply(exc, step["name"]))
            if request.get("chain"):
                return json.dumps({"replies": replies[-1:]})
            results.append(None)
            continue
        results.append(value)
        replies.append(_plain_reply(value, args if request.get("inputs") else None))
    if request.get("chain"):
        picked = [results[i] if k is None else results[i][k] for i, k in request["returns"]]
        replies = [_plain_reply(picked, None)]
    text = json.dumps({"replies": replies})
    # the grader drops a message over its caps unread: say so instead, in a few bytes
    count = text.count(",") + text.count("[") + text.count("{")
    if len(text) > request.get("max_bytes", len(text)) or count > request.get("max_values", count):
        return json.dumps({"too_big": len(text)})
    return text


def _target(namespace, step, results):
    """What a step calls or reads: a name in the student's namespace, else an attribute
    (``name``, dotted) of an installed module (``module``) or of an earlier step's result (``of``)."""
    name = step["name"]
    if step.get("module"):
        target = importlib.import_module(step["module"])
    elif step.get("of") is not None:
        target = results[step["of"]]
    elif name not in namespace:
        raise NameError("%s is not defined in your notebook" % name)
    else:
        return namespace[name]
    for part in name.split("."):
        target = getattr(target, part)
    return target


def _run_step(namespace, step, results, strict):
    name = step["name"]
    target = _target(namespace, step, results)
    if step.get("get"):
        return target, None
    if not callable(target):
        raise TypeError("%s is not a function" % name)
    args = [decode(a, results=results) for a in step["args"]]
    kwargs = {k: decode(v, results=results) for k, v in step["kwargs"]}
    if not strict:
        return target(*args, **kwargs), args
    with np.errstate(over="raise", divide="raise", invalid="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        return target(*args, **kwargs), args


def _plain_reply(value, inputs):
    try:
        reply = {"status": "ok", "value": encode(value)}
        if inputs is not None:
            reply["inputs"] = encode(list(inputs))
        return reply
    except WireError as exc:
        return {"status": "unplain", "message": str(exc)}


def _error_reply(exc, name):
    frames = traceback.extract_tb(exc.__traceback__)
    where = [f for f in frames if "ipykernel_" in f.filename or f.filename.startswith("<ipython-input")]
    return {
        "status": "error",
        "name": name,
        "type": type(exc).__name__,
        "mro": [c.__name__ for c in type(exc).__mro__],
        "message": str(exc)[:500],
        "line": where[-1].line if where else None,
    }


def tensorflow_device():
    """The device TensorFlow computes on in this kernel: "cpu" (also when TensorFlow was never imported),
    or the first GPU, e.g. "GPU:0 (NVIDIA H100 80GB HBM3)"."""
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return "cpu"
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return "cpu"
    try:
        name = tf.config.experimental.get_device_details(gpus[0]).get("device_name")
    except Exception:  # details are best effort: the device itself is known
        name = None
    label = "GPU:" + gpus[0].name.rsplit(":", 1)[-1]
    return "%s (%s)" % (label, name) if name else label
