"""Growing the repair area a few pixels past the painted mask, edge-aware.

A brushed mask that falls a few pixels short of an object leaves a sliver of it, which
the engine then copies back in. `grow_repair_area` adds a ring of `pixels` around the
mask everywhere, and then keeps growing, up to `pixels` more, through smooth image
areas only: it follows a sliver up to the object's outline and stops at the outline
(a strong edge) rather than eating into the background beyond it. The grown area is
repaired fully (a soft brush edge inside it becomes full coverage).
"""

from __future__ import annotations

import numpy as np

MAX_GROW = 50  # pixels
EDGE_PERCENTILE = 75  # gradients above this share of the ring's are edges


def _gradient(rgb: np.ndarray) -> np.ndarray:
    import cv2

    gray = cv2.cvtColor(np.ascontiguousarray(rgb[..., :3]), cv2.COLOR_RGB2GRAY)
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    return cv2.magnitude(gx, gy)


def grow_repair_area(rgb: np.ndarray, coverage: np.ndarray, pixels: int) -> np.ndarray:
    """`coverage` (HxW uint8 0..255, or bool) with the repair area grown by about
    `pixels`, further along smooth areas up to the next strong edge (at most twice
    `pixels`). Returns uint8 coverage; the input is not changed."""
    import cv2

    if coverage.dtype == bool:
        coverage = coverage.view(np.uint8) * np.uint8(255)
    pixels = max(0, min(MAX_GROW, int(pixels)))
    hole = coverage > 0
    if pixels == 0 or not hole.any():
        return coverage.copy()
    size = 2 * pixels + 1
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    grown = cv2.dilate(hole.view(np.uint8), disc, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    # Then on through smooth pixels only, one pixel at a time: a sliver of the object
    # (same colour as the mask's edge) is followed, the object's outline stops it.
    gradient = _gradient(rgb)
    reach = cv2.dilate(grown, disc, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    ring = (reach > 0) & (grown == 0)
    if ring.any():
        threshold = max(24.0, float(np.percentile(gradient[ring], EDGE_PERCENTILE)))
        smooth = ((gradient < threshold) & ring).view(np.uint8)
        cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
        for _ in range(pixels):
            step = cv2.dilate(grown, cross) & smooth
            if not (step & ~grown).any():
                break
            grown |= step
        grown = cv2.dilate(grown, cross) & reach  # take in the outline's own pixel
    return np.where(grown > 0, np.uint8(255), coverage).astype(np.uint8)
