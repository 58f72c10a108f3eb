"""Does the generator only copy its training pictures?

Each sample is compared with every training picture in a small (16 × 16) version of
both, and its nearest picture and distance are reported. A distance means little on its
own, so it is divided by how close the training pictures are to *each other* (the median
distance of each to its nearest other one): a ratio well below 1 means the sample is
closer to one training picture than training pictures ever are to each other — a
near-copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FEATURE_SIZE = 16
COPY_RATIO = 0.1


@dataclass
class MemorisationReport:
    """Per sample: nearest training picture, distance, and distance / typical spacing."""

    nearest: np.ndarray  # index into the training set, per sample
    distances: np.ndarray  # RMS pixel distance (0..1), per sample
    ratios: np.ndarray  # distance / median nearest-neighbour distance among training images
    reference: float  # that median
    threshold: float = COPY_RATIO

    @property
    def copies(self) -> np.ndarray:
        """Indices of samples that are near-copies of a training picture."""
        return np.flatnonzero(self.ratios < self.threshold)

    def summary(self) -> str:
        return (
            f"{len(self.copies)} of {len(self.ratios)} samples are near-copies of a training "
            f"picture (distance below {self.threshold:g}× the spacing of the training set); "
            f"median ratio {float(np.median(self.ratios)):.2f}"
        )


def features(images: np.ndarray) -> np.ndarray:
    """N × H × W × 3 uint8 → N × (16·16·3) float32 in [0, 1]."""
    small = [
        cv2.resize(img, (FEATURE_SIZE, FEATURE_SIZE), interpolation=cv2.INTER_AREA)
        for img in images
    ]
    return np.stack(small).reshape(len(images), -1).astype(np.float32) / 255.0


def _distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """RMS distance between every row of a and every row of b."""
    squared = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    return np.sqrt(np.maximum(squared, 0.0) / a.shape[1])


def check_memorisation(samples: np.ndarray, training: np.ndarray) -> MemorisationReport:
    """Nearest training picture of each sample, and whether it is a near-copy."""
    if len(training) < 2:
        raise ValueError("need at least two training pictures to judge their spacing")
    fs, ft = features(samples), features(training)
    to_train = _distances(fs, ft)
    nearest = to_train.argmin(axis=1)
    distances = to_train[np.arange(len(fs)), nearest]
    among = _distances(ft, ft)
    np.fill_diagonal(among, np.inf)
    reference = float(np.median(among.min(axis=1)))
    ratios = distances / max(reference, 1e-6)
    return MemorisationReport(nearest, distances, ratios, reference)
