"""Operations on a coverage mask (uint8, 0 = keep, 255 = repair) and on repaired pixels.

`grow` / `shrink` move the mask's edge outwards or inwards by whole pixels, working on
the mask's bounding box only. `blend_by_coverage` puts an engine's pixels into a photo
in proportion to the coverage, so a soft brush edge gives a soft repair edge; engines
themselves get `mask > 0` as the hole.
"""

from __future__ import annotations

import numpy as np

from restorer.geometry import Box, bounding_box

MAX_STEP = 500


def _disc(radius: int) -> np.ndarray:
    import cv2

    size = 2 * radius + 1
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


def grow(mask: np.ndarray, pixels: int, bounds: Box | None = None) -> tuple[Box, np.ndarray] | None:
    """The mask grown by `pixels` (a round dilation) over the box it can reach.

    Returns (box, new values for that box), or None when the mask is empty. `bounds`,
    when known, holds every set pixel (saves a scan of a large mask).
    """
    import cv2

    pixels = max(1, min(MAX_STEP, int(pixels)))
    height, width = mask.shape
    bounds = bounds if bounds is not None else bounding_box(mask)
    if bounds is None:
        return None
    box = bounds.pad(pixels).clip(height, width)
    region = np.ascontiguousarray(mask[box.slices])
    return box, cv2.dilate(region, _disc(pixels), borderType=cv2.BORDER_CONSTANT, borderValue=0)


def shrink(
    mask: np.ndarray, pixels: int, bounds: Box | None = None
) -> tuple[Box, np.ndarray] | None:
    """The mask shrunk by `pixels` (a round erosion); the photo's edges do not erode it."""
    import cv2

    pixels = max(1, min(MAX_STEP, int(pixels)))
    bounds = bounds if bounds is not None else bounding_box(mask)
    if bounds is None:
        return None
    # Pad inside the photo (zeros there erode the edge); at the photo's own edges the
    # mask is repeated outwards, so a mask touching the border keeps touching it.
    box = bounds.pad(pixels).clip(*mask.shape)
    region = np.ascontiguousarray(mask[box.slices])
    eroded = cv2.erode(region, _disc(pixels), borderType=cv2.BORDER_REPLICATE)
    return box, eroded


def blend_by_coverage(before: np.ndarray, repaired: np.ndarray, coverage: np.ndarray) -> np.ndarray:
    """`before` with `repaired` mixed in by `coverage` (0..255, or bool) per pixel; HxWx3."""
    if coverage.dtype == bool:
        coverage = coverage.view(np.uint8) * np.uint8(255)
    out = before.copy()
    full = coverage == 255
    out[full] = repaired[full]
    partial = (coverage > 0) & ~full
    if partial.any():
        weight = coverage[partial].astype(np.uint16)[:, None]
        old = before[partial].astype(np.uint16)
        new = repaired[partial].astype(np.uint16)
        out[partial] = ((new * weight + old * (255 - weight) + 127) // 255).astype(np.uint8)
    return out
