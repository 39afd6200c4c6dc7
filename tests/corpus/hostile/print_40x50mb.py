# Prints 40 chunks of 50 MB, each flushed into a message of its own: the grader decodes none of it (zmq
# refuses a message over its frame size before allocating it) and its memory stays flat; the cell's output
# says it was cut.
# expect: full marks
# base: ../activations/correct_np_where
# %% end
chunk = "x" * (50 * 2**20)
for _ in range(40):
    print(chunk, flush=True)
