"""The grading's secret view of the digits: turned, maybe mirrored, and relabelled.

MNIST is public: every digit of it, the 1,000 that ``digits.py`` keeps aside included, can be had
with its label, so a ``train_cnn`` that loads digits of its own could learn the very images it is
judged on. Redrawing the held-out digits under random distortions does not stop that (a network
that has seen a digit reads its distorted copies better too: ``benchmarks/cnn_held_out.py``).
What stops it is a view of the digits that no student can know: every digit the grader sends and
every digit it judges on is turned by the same angle, mirrored or not, and its class renamed. A
network trained on the data it is given learns that view as easily as the upright one; public
digits, with their labels, teach it the wrong view. The view is drawn from the course's secret key
(``KEY_FILE`` in the course's folder, made at the first grading, readable by the grader alone, as the
hidden checks are) and the student's id, not from the grading's seed, which is public: each
student has a view of their own, and a regrading of their notebook sees the same one, so their grade
does not move. Deleting the key draws new views for everyone.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

from autograders.checklib import moving_every_class

# no angle closer than this to upright: nearly upright digits are the public ones, found by a nearest-neighbour look-up
MIN_TURN_DEG = 45.0
KEY_FILE = ".dlcourse-view-key"
KEY_BYTES = 32


@dataclass(frozen=True)
class SecretView:
    angle_deg: float
    mirrored: bool
    relabelling: np.ndarray  # relabelling[digit] is the class the grader calls that digit

    @classmethod
    def draw(cls, key: bytes, student: str | None, num_classes: int = 10) -> SecretView:
        """``student``'s view under the secret ``key`` (``course_key``): the same at every grading of theirs."""
        digest = hmac.new(key, f"cnn view|{student or ''}".encode(), hashlib.sha256).digest()
        rng = np.random.default_rng(int.from_bytes(digest, "big"))
        angle = float(rng.uniform(MIN_TURN_DEG, 360 - MIN_TURN_DEG))
        return cls(angle, bool(rng.integers(2)), moving_every_class(rng, num_classes))

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


def course_key(course_root: Path | str) -> bytes:
    """The course's secret key, made (at random, the grader's alone) by the first grading that needs it."""
    path = Path(course_root) / KEY_FILE
    if not path.is_symlink() and not path.exists():
        fresh = path.with_name(f"{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(KEY_BYTES))
        try:
            os.link(fresh, path)  # only one of several workers grading at once makes it; the others read it
        except FileExistsError:
            pass
        finally:
            os.unlink(fresh)
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        key = handle.read(KEY_BYTES + 1)
    if len(key) != KEY_BYTES:
        raise RuntimeError(f"{path} is not a key of this course's (remove it: the next grading makes a new one)")
    return key
