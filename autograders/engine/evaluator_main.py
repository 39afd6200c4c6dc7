"""The evaluator's side of its pipe (see ``evaluator.py``): run by the student environment's Python.

This file is copied beside ``wire.py`` and an assignment's ops module (named on the command
line) into the evaluator's sandbox, so it imports nothing of ``autograders``. It reads requests
from stdin and writes replies to stdout, each one a length (8 bytes, big-endian) and a plain-data
message in ``wire``'s format: ``{"op": name, "calls": [args, ...]}`` in, ``{"ok": [value, ...]}``
or ``{"error": message}`` out.
"""

import importlib
import struct
import sys

import wire


def _read(stream, size):
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return data


def main():
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # whatever a library prints must not mix with the replies
    ops = importlib.import_module(sys.argv[1]).OPS
    while True:
        try:
            (size,) = struct.unpack(">Q", _read(stdin, 8))
            request = wire.loads(_read(stdin, size).decode("utf-8"))
        except EOFError:
            return
        try:
            reply = {"ok": [ops[request["op"]](*args) for args in request["calls"]]}
        except Exception as exc:  # reported to the grader, which says what failed
            reply = {"error": "%s: %s" % (type(exc).__name__, str(exc)[:500])}
        data = wire.dumps(reply).encode("utf-8")
        stdout.write(struct.pack(">Q", len(data)) + data)
        stdout.flush()


if __name__ == "__main__":
    main()
