# Pooling windows always step by pool_size, whatever stride is asked for: right for the default
# 2x2 / stride 2, wrong for overlapping (3x3, stride 2) and sliding (stride 1) windows.
# expect: test_max_pool_forward loses points, feedback says "max_pool_forward(x, pool_size=3, stride=2)"
# base: brief_training
# %% max_pool_forward_impl
def max_pool_forward(x, pool_size=2, stride=2):
    n, h, w, c = x.shape
    out_h, out_w = h // pool_size, w // pool_size
    x = x[:, :out_h * pool_size, :out_w * pool_size, :]
    return x.reshape(n, out_h, pool_size, out_w, pool_size, c).max(axis=(2, 4))
