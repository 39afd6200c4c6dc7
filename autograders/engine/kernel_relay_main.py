"""The relay's own process (see ``kernel_relay.py``): run by the student environment's Python.

It imports nothing of ``autograders``. Its one argument is JSON: the endpoints the grader's
clients connect to (``front``), the kernel's own (``back``), the largest frame and the most
frames a message of the kernel's may have, and the signature that marks a message it cut.
"""

import json
import sys

import zmq

_CHANNELS = ("shell", "control", "stdin", "hb")  # request/reply: ROUTER in front, DEALER behind
DELIMITER = b"<IDS|MSG>"


def _cut(frames, spec):
    """An iopub message over the bounds, as a small one that keeps whom it answered and says how big it was."""
    size = sum(len(f) for f in frames)
    at = next((i for i, f in enumerate(frames[:4]) if len(f) == len(DELIMITER) and f.bytes == DELIMITER), None)
    if at is None or len(frames) < at + 4:
        return None
    topic, header, parent = frames[:at][:1], frames[at + 2], frames[at + 3]
    if len(header) > spec["max_envelope"] or len(parent) > spec["max_envelope"] or \
            any(len(f) > spec["max_envelope"] for f in topic):
        return None
    return [*topic, DELIMITER, spec["dropped"].encode(), header, parent, b"{}", json.dumps({"bytes": size}).encode()]


def _within(frames, spec) -> bool:
    return len(frames) <= spec["max_parts"] and all(len(f) <= spec["max_frame"] for f in frames)


def main():
    spec = json.loads(sys.argv[1])
    context = zmq.Context()
    poller, routes = zmq.Poller(), {}
    for channel in _CHANNELS:
        front, back = context.socket(zmq.ROUTER), context.socket(zmq.DEALER)
        front.bind(spec["front"][channel])
        back.connect(spec["back"][channel])
        routes[front], routes[back] = (back, True), (front, False)
    publisher, subscriber = context.socket(zmq.PUB), context.socket(zmq.SUB)
    publisher.bind(spec["front"]["iopub"])
    subscriber.setsockopt(zmq.SUBSCRIBE, b"")
    subscriber.connect(spec["back"]["iopub"])
    routes[subscriber] = (publisher, False)
    for socket in [*routes, publisher]:
        socket.linger = 0
    for socket in routes:
        poller.register(socket, zmq.POLLIN)
    # a connection to the kernel lost (the kernel ended, or sent a message too big for this process's memory,
    # which zmq answers by dropping the connection) ends the relay: the grader then takes the kernel for dead
    lost = [back.get_monitor_socket(zmq.EVENT_DISCONNECTED) for back, (_, from_grader) in routes.items()
            if not from_grader]
    for monitor in lost:
        poller.register(monitor, zmq.POLLIN)
    while True:
        for socket, _ in poller.poll():
            if socket in lost:
                return
            target, from_grader = routes[socket]
            frames = socket.recv_multipart(copy=False)
            if not from_grader and not _within(frames, spec):
                # the grader's side would drop it unread anyway; an output says what it lost
                frames = _cut(frames, spec) if socket is subscriber else None
            if frames is not None:
                try:
                    target.send_multipart(frames, copy=False, flags=zmq.NOBLOCK)
                except zmq.Again:  # nobody there to take it (yet, or any more)
                    pass


if __name__ == "__main__":
    main()
    sys.exit(1)
