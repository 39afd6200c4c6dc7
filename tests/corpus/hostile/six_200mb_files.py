# Writes six files of 200 MB into its folder: each is under the per-file limit, but together they are
# over the 1,024 MB the notebook may write in all, so the sixth fails ("No space left on device") and
# the grading notes it. Nothing lands on the host's disk.
# expect: full marks
# base: ../activations/correct_np_where
# %% end
block = b"\0" * 2**20
for i in range(6):
    with open(f"big-{i}.bin", "wb") as f:
        for _ in range(200):
            f.write(block)
