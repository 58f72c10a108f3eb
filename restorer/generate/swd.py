"""Sliced Wasserstein distance on Laplacian-pyramid patches (Karras et al. 2018).

How far generated pictures are from real ones, without any pretrained network: each
image is split into a Laplacian pyramid; from every level, 7×7 patches are taken at
random places, normalised, and the two sets of patches are compared along random
directions (the 1-D Wasserstein distance of the sorted projections). Lower is closer;
the figure is reported ×10³ as in the paper. Random choices come from a fixed seed and
both sets are cut at the same places, so the same two sets always give the same number
and a set compared with itself gives exactly 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

PATCH = 7
PATCHES_PER_IMAGE = 128
DIRECTIONS = 128
REPEATS = 4
MIN_RESOLUTION = 16


@dataclass
class SwdResult:
    """The distance per pyramid level (finest first) and their mean, all ×10³."""

    levels: list[float]
    resolutions: list[int]

    @property
    def mean(self) -> float:
        return float(np.mean(self.levels))


def laplacian_pyramid(images: np.ndarray, min_resolution: int = MIN_RESOLUTION) -> list[np.ndarray]:
    """N × H × W × 3 images → levels (finest first) down to `min_resolution`, float32."""
    current = [img.astype(np.float32) for img in images]
    levels = []
    min_resolution = min(min_resolution, *current[0].shape[:2])
    while min(current[0].shape[:2]) // 2 >= min_resolution:
        smaller = [cv2.pyrDown(img) for img in current]
        levels.append(
            np.stack(
                [
                    img - cv2.pyrUp(s, dstsize=img.shape[1::-1])
                    for img, s in zip(current, smaller, strict=True)
                ]
            )
        )
        current = smaller
    levels.append(np.stack(current))
    return levels


def _patches(level: np.ndarray, per_image: int, rng: np.random.Generator) -> np.ndarray:
    n, h, w, _ = level.shape
    if h < PATCH or w < PATCH:
        raise ValueError(f"images of {w}×{h} px are too small for {PATCH}×{PATCH} patches")
    ys = rng.integers(0, h - PATCH + 1, (n, per_image))
    xs = rng.integers(0, w - PATCH + 1, (n, per_image))
    offsets = np.arange(PATCH)
    rows = ys[:, :, None, None] + offsets[None, None, :, None]
    cols = xs[:, :, None, None] + offsets[None, None, None, :]
    index = np.arange(n)[:, None, None, None]
    return level[index, rows, cols].reshape(n * per_image, -1)  # (N·P) × 147


def _normalise(descriptors: np.ndarray) -> np.ndarray:
    per_channel = descriptors.reshape(len(descriptors), -1, 3)
    mean = per_channel.mean(axis=(0, 1))
    std = per_channel.std(axis=(0, 1)) + 1e-8
    normalised = (per_channel - mean) / std
    return normalised.reshape(len(descriptors), -1).astype(np.float32)


def sliced_wasserstein(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> float:
    """Mean 1-D Wasserstein distance of two equal-sized point sets along random directions."""
    total = 0.0
    for _ in range(REPEATS):
        directions = rng.standard_normal((a.shape[1], DIRECTIONS)).astype(np.float32)
        directions /= np.linalg.norm(directions, axis=0, keepdims=True)
        pa = np.sort(np.ascontiguousarray((a @ directions).T), axis=1)
        pb = np.sort(np.ascontiguousarray((b @ directions).T), axis=1)
        total += float(np.abs(pa - pb).mean())
    return total / REPEATS


def swd(
    fake: np.ndarray, real: np.ndarray, seed: int = 0, patches_per_image: int = PATCHES_PER_IMAGE
) -> SwdResult:
    """Sliced Wasserstein distance between two sets of N × H × W × 3 uint8 images."""
    if fake.shape[1:] != real.shape[1:]:
        raise ValueError(f"image sizes differ: {fake.shape[1:3]} and {real.shape[1:3]}")
    rng = np.random.default_rng(seed)
    pyramid_a, pyramid_b = laplacian_pyramid(fake), laplacian_pyramid(real)
    levels, resolutions = [], []
    for level_a, level_b in zip(pyramid_a, pyramid_b, strict=True):
        if min(level_a.shape[1:3]) < PATCH:
            continue
        places = int(rng.integers(0, 2**63))
        da = _normalise(_patches(level_a, patches_per_image, np.random.default_rng(places)))
        db = _normalise(_patches(level_b, patches_per_image, np.random.default_rng(places)))
        count = min(len(da), len(db))
        if len(da) != len(db):
            da = da[rng.permutation(len(da))[:count]]
            db = db[rng.permutation(len(db))[:count]]
        levels.append(sliced_wasserstein(da, db, rng) * 1e3)
        resolutions.append(int(level_a.shape[1]))
    return SwdResult(levels, resolutions)
