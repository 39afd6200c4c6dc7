"""The grading's secret view of the digits: turned, maybe mirrored, and relabelled.

MNIST is public: every digit of it, the 1,000 that ``digits.py`` keeps aside included, can be had
with its label, so a ``train_cnn`` that loads digits of its own could learn the very images it is
judged on. Redrawing the held-out digits under random distortions does not stop that (a network
that has seen a digit reads its distorted copies better too: ``benchmarks/cnn_held_out.py``).
What stops it is a view of the digits drawn at each grading from the operating system's
randomness, not from the grading's seed (which is public): every digit the grader sends and every
digit it judges on is turned by the same angle, mirrored or not, and its class renamed. A network
trained on the data it is given learns that view as easily as the upright one; public digits, with
their labels, teach it the wrong view.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

# no angle closer than this to upright: nearly upright digits are the public ones, found by a nearest-neighbour look-up
MIN_TURN_DEG = 45.0


@dataclass(frozen=True)
class SecretView:
    angle_deg: float
    mirrored: bool
    relabelling: np.ndarray  # relabelling[digit] is the class the grader calls that digit

    @classmethod
    def draw(cls, num_classes: int = 10) -> SecretView:
        """A view no one can know before the grading."""
        rng = np.random.default_rng(secrets.randbits(128))
        angle = float(rng.uniform(MIN_TURN_DEG, 360 - MIN_TURN_DEG))
        return cls(angle, bool(rng.integers(2)), _moving_every_class(rng, num_classes))

    def images(self, x: np.ndarray) -> np.ndarray:
        """``x`` (float32 in [0, 1], shape (n, H, W, 1)) seen this way: each image turned about its centre (MNIST
        centres its digits in the middle 20x20, so no ink leaves the frame), then mirrored left to right."""
        h, w = x.shape[1:3]
        angle = np.deg2rad(self.angle_deg)
        turn = np.array([[1, 0, 0], [0, np.cos(angle), -np.sin(angle)], [0, np.sin(angle), np.cos(angle)]])
        centre = np.array([0, (h - 1) / 2, (w - 1) / 2])
        # affine_transform maps each output pixel to the input pixel it reads from
        out = ndimage.affine_transform(x[..., 0], turn, offset=centre - turn @ centre, order=1, mode="constant")
        if self.mirrored:
            out = out[:, :, ::-1]
        return np.clip(out, 0, 1).astype(np.float32)[..., None]

    def labels(self, y: np.ndarray) -> np.ndarray:
        return self.relabelling[y]


def _moving_every_class(rng: np.random.Generator, num_classes: int) -> np.ndarray:
    """A permutation of the classes that moves every class, so that no digit keeps its name."""
    while True:
        perm = rng.permutation(num_classes)
        if np.all(perm != np.arange(num_classes)):
            return perm
