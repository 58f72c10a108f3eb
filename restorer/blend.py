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
    ring = (
        cv2.dilate(hole_w.astype(np.uint8), np.ones((2 * RING + 1,) * 2, np.uint8)) > 0
    ) & ~hole_w
    weights = ring.astype(np.float32)
    ring_gap = np.ascontiguousarray(gap[window].astype(np.float32) * weights[:, :, None])
    if not ring_gap.any():
        return out
    numerator = cv2.GaussianBlur(ring_gap, (0, 0), fade).reshape(ring_gap.shape)
    denominator = cv2.GaussianBlur(weights, (0, 0), fade)[:, :, None]
    spread = np.where(denominator > 1e-3, numerator / np.maximum(denominator, 1e-3), 0.0)
    falloff = np.exp(-np.maximum(hole_depth(hole_w) - 1.0, 0.0) / fade) * hole_w
    out[window] = spread * falloff[:, :, None]
    return out


def match_border(
    filled: np.ndarray, original: np.ndarray, mask: np.ndarray, fade: float = 6.0
) -> np.ndarray:
    """`filled` (HxWx3 uint8, any values outside the hole) joined to `original`.

    Outside `mask` the result is `original`, bit for bit. Inside, the fill is shifted
    by the smooth correction that makes it agree with `original` at the border."""
    hole = mask.astype(bool)
    gap = original.astype(np.float32) - filled.astype(np.float32)
    correction = border_gap_correction(gap, hole, fade)
    joined = np.clip(filled.astype(np.float32) + correction + 0.5, 0, 255).astype(np.uint8)
    out = original.copy()
    out[hole] = joined[hole]
    return out
