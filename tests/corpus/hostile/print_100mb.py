# expect: full marks
# base: ../activations/correct_np_where
# %% end
line = "x" * 1023 + "\n"
for _ in range(100 * 1024):
    print(line, end="")
