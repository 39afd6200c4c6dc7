# Textbook convolution: the kernel is flipped before sliding it (what scipy.signal.convolve2d does),
# but convolution layers compute cross-correlation.
# expect: test_conv2d_forward loses points, feedback says "flips the kernel"
# base: brief_training
# %% conv2d_forward_impl
def conv2d_forward(x, w, b, stride=1, padding="valid"):
    w = w[::-1, ::-1]  # convolution flips the kernel
    n, h, wd, _ = x.shape
    kh, kw, _, c_out = w.shape
    if padding == "same":
        out_h, out_w = (h + stride - 1) // stride, (wd + stride - 1) // stride
        pad_h = max((out_h - 1) * stride + kh - h, 0)
        pad_w = max((out_w - 1) * stride + kw - wd, 0)
        x = np.pad(x, ((0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0)))
    out_h = (x.shape[1] - kh) // stride + 1
    out_w = (x.shape[2] - kw) // stride + 1
    out = np.empty((n, out_h, out_w, c_out))
    for i in range(out_h):
        for j in range(out_w):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :].reshape(n, -1)
            out[:, i, j, :] = patch @ w.reshape(-1, c_out) + b
    return out
