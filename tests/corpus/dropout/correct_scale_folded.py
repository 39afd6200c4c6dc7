# A correct solution written differently from the reference: rng.uniform with the scale folded into the mask;
# the cache is the mask alone (all ones in test mode).
# expect: full marks
# %% dropout_forward_impl
def dropout_forward(x, p, mode, rng=None):
    if mode not in {"train", "test"}:
        raise ValueError(f"mode should be 'train' or 'test', got {mode}")
    if not (p >= 0 and p <= 1):
        raise ValueError(f"dropout rate should be in [0, 1], got {p}")
    x = np.array(x, dtype=float) if np.asarray(x).dtype.kind != "f" else np.asarray(x)
    if mode == "test":
        mask = np.ones_like(x)
    elif p == 1:
        mask = np.zeros_like(x)
    else:
        rng = rng if rng is not None else np.random.default_rng()
        mask = np.where(rng.uniform(0.0, 1.0, size=x.shape) < 1 - p, 1 / (1 - p), 0.0).astype(x.dtype)
    return x * mask, mask
# %% dropout_backward_impl
def dropout_backward(dout, cache):
    return dout * cache
