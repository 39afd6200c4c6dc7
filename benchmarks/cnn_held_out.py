"""Held-out digits that a train_cnn cannot train on: honest and cheating training, measured.

MNIST is public, so a ``train_cnn`` can load digits of its own, the 1,000 held-out ones included.
For the instructor's network and the corpus's ``brief_training`` network (one epoch, partial
credit), each trained from the same seed, prints the accuracy on the held-out digits:

- plain: the 1,000 held-out digits as ``digits.py`` keeps them (the grader before issue 17), after
  honest training on the 4,000 the grader sends, after training on all 5,000 public digits, and after
  training on 3,000 of the given digits plus the 1,000 held-out ones (as many digits as honest
  training: what knowing the held-out digits alone gains);
- distorted: the same three models on the held-out digits each redrawn 3 times under a random
  rotation, scaling, shear, shift, elastic warp, pen width and noise (a design issue 17 offered);
- secret view: the grader's design (``autograders/assignments/cnn/secret_view.py``), over several
  views: honest training on the digits under the view; the attack of
  ``tests/corpus/cnn/wrong_trains_on_public_digits.py`` (names the classes by looking the given
  digits up among the public ones, trains on all 5,000 public digits); and "view known", a
  determined student who has worked the view out and trains on all 5,000 public digits under it.

Target: under the secret view the attack scores below honest training on every view. Exits 1 if not.
Run with the students' environment, which has TensorFlow:

    .venv-student/bin/python benchmarks/cnn_held_out.py [--views 3]
"""

import argparse
import importlib.util
import os
import secrets
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
from scipy import ndimage  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "course" / "source" / "cnn")]
import digits  # noqa: E402
from notebooks import CORPUS, corpus_cells  # noqa: E402


def _module(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


secret_view = _module(ROOT / "autograders" / "assignments" / "cnn" / "secret_view.py")


def functions(cells: dict) -> dict:
    """build_cnn and train_cnn as a notebook's cells define them."""
    namespace = {"np": np, "keras": keras}
    for grade_id in ("build_cnn_impl", "train_cnn_impl"):
        exec(cells[grade_id], namespace)
    return namespace


def source_cells():
    nb = nbformat.read(ROOT / "course" / "source" / "cnn" / "cnn.ipynb", as_version=4)
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells}


def distorted(x, rng, draws=3):
    """Each image redrawn ``draws`` times under its own random distortion."""
    x = np.tile(x[..., 0], (draws, 1, 1)).astype(np.float64)
    n, h, w = x.shape
    centre = np.array([(h - 1) / 2, (w - 1) / 2])[:, None, None]
    grid = np.stack(np.meshgrid(np.arange(h), np.arange(w), indexing="ij")) - centre
    angle, scale = np.deg2rad(rng.uniform(-8, 8, n)), 1 + rng.uniform(-0.08, 0.08, n)
    shear, cos, sin = rng.uniform(-0.15, 0.15, n), np.cos(angle), np.sin(angle)
    matrix = np.stack([np.stack([cos, cos * shear - sin], -1), np.stack([sin, sin * shear + cos], -1)], -2)
    source = np.einsum("nij,jhw->nihw", matrix / scale[:, None, None], grid) + centre
    source += rng.uniform(-1.5, 1.5, (n, 2))[:, :, None, None]
    field = ndimage.gaussian_filter(rng.normal(size=(n, 2, h, w)), (0, 0, 4, 4))
    source += field * (1.5 / field.std())
    index = np.broadcast_to(np.arange(n)[:, None, None], (n, h, w))
    out = ndimage.map_coordinates(x, [index, source[:, 0], source[:, 1]], order=1)
    pen = rng.random(n)
    out[pen < 0.15] = ndimage.grey_dilation(out[pen < 0.15], size=(1, 2, 2))
    out[pen > 0.85] = ndimage.grey_erosion(out[pen > 0.85], size=(1, 2, 1))
    return np.clip(out + rng.normal(0, 0.04, out.shape), 0, 1).astype(np.float32)[..., None]


def trained(net, x, y, seed=0):
    keras.utils.set_random_seed(seed)
    model = net["build_cnn"]()
    net["train_cnn"](model, x, y)
    return model


def accuracy(model, x, y):
    return float(np.mean(np.argmax(model.predict(x, batch_size=500, verbose=0), axis=1) == y))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views", type=int, default=3)
    args = parser.parse_args()
    train, validation, held = digits.split_indices()
    given = np.random.default_rng(7).permutation(np.concatenate([train, validation]))  # as the grader sends them
    (x, y), (x_held, y_held) = digits.images_and_labels(given), digits.images_and_labels(held)
    x_public, y_public = digits.images_and_labels(np.random.default_rng(8).permutation(5000))
    x_known = digits.images_and_labels(np.random.default_rng(9).permutation(np.concatenate([given[1000:], held])))
    x_distorted, y_distorted = distorted(x_held, np.random.default_rng(10)), np.tile(y_held, 3)
    attack = functions(corpus_cells(CORPUS / "cnn" / "wrong_trains_on_public_digits.py"))["train_cnn"]
    ok = True
    for name, cells in (("instructor's", source_cells()), ("brief_training", corpus_cells(CORPUS / "cnn" /
                                                                                         "brief_training.py"))):
        net = functions(cells)
        print(f"{name} network, accuracy on the held-out digits")
        for label, (xt, yt) in (("honest (4,000 given)", (x, y)), ("all 5,000 public", (x_public, y_public)),
                                ("3,000 given + 1,000 held-out", x_known)):
            model = trained(net, xt, yt)
            print(f"  {label:30s} plain {accuracy(model, x_held, y_held):.3f}   "
                  f"distorted {accuracy(model, x_distorted, y_distorted):.3f}", flush=True)
        for v in range(args.views):
            view = secret_view.SecretView.draw(secrets.token_bytes(secret_view.KEY_BYTES), f"student {v}")
            xv, yv = view.images(x_held), view.labels(y_held)
            honest = accuracy(trained(net, view.images(x), view.labels(y)), xv, yv)
            cheat = accuracy(trained({**net, "train_cnn": attack}, view.images(x), view.labels(y)), xv, yv)
            known = accuracy(trained(net, view.images(x_public), view.labels(y_public)), xv, yv)
            print(f"  secret view {v + 1} ({view.angle_deg:5.1f} deg{', mirrored' if view.mirrored else ''}): "
                  f"honest {honest:.3f}   attack {cheat:.3f}   view known {known:.3f}", flush=True)
            ok &= cheat < honest
    print(f"the attack scores below honest training under every secret view: {ok}")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
