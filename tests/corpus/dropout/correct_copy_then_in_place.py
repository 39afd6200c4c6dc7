# A correct solution written differently from the reference: in-place operations, but on a copy of x.
# expect: full marks
# %% dropout_forward_impl
import math


def dropout_forward(x, p, mode, rng=None):
    if mode not in ("train", "test"):
        raise ValueError("mode must be train or test")
    if math.isnan(p) or not 0 <= p <= 1:
        raise ValueError("p must be between 0 and 1")
    out = np.array(x, copy=True)
    cache = {"mode": mode, "p": p}
    if mode == "train":
        rng = np.random.default_rng() if rng is None else rng
        keep = rng.random(out.shape) >= p
        cache["keep"] = keep
        out[~keep] = 0
        if p < 1:
            out /= 1 - p
    return out, cache
# %% dropout_backward_impl
def dropout_backward(dout, cache):
    dx = np.array(dout, copy=True)
    if cache["mode"] == "train":
        dx[~cache["keep"]] = 0
        if cache["p"] < 1:
            dx /= 1 - cache["p"]
    return dx
