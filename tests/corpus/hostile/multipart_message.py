# Sends, from the kernel's own iopub socket, one message of 64 frames of 8 MiB (one buffer, sent again and
# again: it costs the kernel nothing). zmq would hold all of it before the grader saw any: the sandbox's relay
# holds it instead, within its own memory limit, and ends; the grader takes the kernel for dead, skips the cell
# and replays the others.
# expect: full marks
# base: ../activations/correct_np_where
# %% end
import time

import IPython
import zmq

_thread = IPython.get_ipython().kernel.iopub_thread  # its socket belongs to its thread: sent from there
_frame = zmq.Frame(b"z" * (8 * 2**20))
_thread.io_loop.add_callback(lambda: _thread.socket.send_multipart(
    [b"flood", b"<IDS|MSG>", b"", b"{}", b"{}", b"{}", b"{}"] + [_frame] * 64, copy=False))
time.sleep(5)  # the message leaves while the cell still runs
