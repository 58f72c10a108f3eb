"""Joining a fill to the pixels around it without a visible seam.

A fill that was made at another size, or by copying patches from elsewhere, can be a
shade off where it meets the known pixels. `match_border` measures that gap on a thin
ring just outside the hole and spreads it into the hole as a smooth correction that
fades with depth: the shading lines up at the border, the fill's own detail stays.
"""

from __future__ import annotations

import cv2
import numpy as np

from restorer.geometry import bounding_box

RING = 2  # pixels of known surroundings that measure the gap
# Gaussian windows wider than twice this (px) are blurred at a reduced size (`local_mean`).
_SHRUNK_SIGMA = 2.0


def hole_depth(mask: np.ndarray) -> np.ndarray:
    """Distance (px) of each hole pixel from the nearest known pixel; 0 outside."""
    padded = np.pad(mask.astype(np.uint8), 1)
    return cv2.distanceTransform(padded, cv2.DIST_L2, 3)[1:-1, 1:-1]


def border_gap_correction(gap: np.ndarray, mask: np.ndarray, fade: float) -> np.ndarray:
    """Spread `gap` (HxWxC, measured on the known ring around `mask`) into the hole.

    Normalised Gaussian averaging of the ring's values, times exp(-depth / fade);
    zero outside the hole. Works on the hole's box (plus the blur's reach) only."""
    hole = mask.astype(bool)
    out = np.zeros(gap.shape, np.float32)
    box = bounding_box(hole)
    if box is None:
        return out
    reach = RING + int(3 * fade) + 1
    window = box.pad(reach).clip(*hole.shape).slices
    hole_w = hole[window]
    ring = _ring(hole_w)
    weights = ring.astype(np.float32)
    ring_gap = np.ascontiguousarray(gap[window], dtype=np.float32)
    if not (ring_gap[ring]).any():
        return out
    spread = local_mean(ring_gap, weights, fade, least=1e-3)
    falloff = np.exp(-np.maximum(hole_depth(hole_w) - 1.0, 0.0) / fade) * hole_w
    out[window] = spread * falloff[:, :, None]
    return out


def local_mean(
    values: np.ndarray, weight: np.ndarray, sigma: float, *, least: float = 1e-4
) -> np.ndarray:
    """Gaussian-weighted mean of `values` (HxW or HxWxC float32) over the pixels
    `weight` (HxW, 0..1) marks: normalised convolution; 0 where the blurred weight is
    below `least` (nothing marked nearby).

    Wide windows are worked out at a reduced size (the sums halved with `pyrDown` until
    the window is about `_SHRUNK_SIGMA` px there, the mean enlarged again): a Gaussian
    that wide hardly notices the shrinking, and blurring costs ~factor^2 less."""
    height, width = weight.shape
    halvings = 0
    while sigma / 2 ** (halvings + 1) >= _SHRUNK_SIGMA and min(height, width) >= 2 ** (
        halvings + 4
    ):
        halvings += 1
    weight = weight.astype(np.float32, copy=False)
    if values.ndim == 2:
        sums = values.astype(np.float32, copy=False) * weight
    else:
        sums = values.astype(np.float32, copy=False) * weight[:, :, None]
    norm = weight
    sizes = []
    for _ in range(halvings):
        sizes.append((norm.shape[1], norm.shape[0]))
        sums, norm = cv2.pyrDown(sums), cv2.pyrDown(norm)
    # Each halving and each doubling back blurs by 1 px at its own scale: the window
    # is narrowed to match, so the total stays about `sigma` wide.
    scale = np.sqrt(max(sigma**2 - 2 * (4**halvings - 1) / 3, 0.25)) / 2**halvings
    # One plane at a time: OpenCV blurs single planes faster than interleaved ones.
    norm = cv2.GaussianBlur(norm, (0, 0), scale)
    empty = norm < least
    norm = np.maximum(norm, least)
    means = []
    for plane in cv2.split(sums) if sums.ndim == 3 else [sums]:
        mean = cv2.GaussianBlur(plane, (0, 0), scale) / norm
        mean[empty] = 0.0
        means.append(mean)
    mean = cv2.merge(means) if len(means) > 1 else means[0]
    for size in reversed(sizes):  # back up on the same grid `pyrDown` went down on
        mean = cv2.pyrUp(mean, dstsize=size)
    return mean.reshape(values.shape)


def match_border(
    filled: np.ndarray, original: np.ndarray, mask: np.ndarray, fade: float = 6.0
) -> np.ndarray:
    """`filled` (HxWx3 uint8, any values outside the hole) joined to `original`.

    Outside `mask` the result is `original`, bit for bit. Inside, the fill is shifted
    by the smooth correction that makes it agree with `original` at the border."""
    hole = mask.astype(bool)
    if _agrees_on_ring(filled, original, hole):
        # Nothing to correct (an engine that returns the known pixels as they are).
        out = original.copy()
        out[hole] = filled[hole]
        return out
    gap = original.astype(np.float32) - filled.astype(np.float32)
    correction = border_gap_correction(gap, hole, fade)
    joined = np.clip(filled.astype(np.float32) + correction + 0.5, 0, 255).astype(np.uint8)
    out = original.copy()
    out[hole] = joined[hole]
    return out


def _agrees_on_ring(filled: np.ndarray, original: np.ndarray, hole: np.ndarray) -> bool:
    """Whether `filled` equals `original` on the ring of known pixels round `hole`, where
    `border_gap_correction` measures the gap (True for an empty hole)."""
    box = bounding_box(hole)
    if box is None:
        return True
    window = box.pad(RING).clip(*hole.shape).slices
    ring = _ring(hole[window])
    return bool(np.array_equal(filled[window][ring], original[window][ring]))


def _ring(hole: np.ndarray) -> np.ndarray:
    """The known pixels within `RING` px (square) of `hole` (HxW bool)."""
    grown = cv2.dilate(hole.astype(np.uint8), np.ones((2 * RING + 1,) * 2, np.uint8)) > 0
    return grown & ~hole
