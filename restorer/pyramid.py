"""Half-size copies of an image, for drawing a large photo zoomed out quickly and cleanly.

Level 0 is the image itself (shared, not copied); each further level is half the size of
the one before, each pixel the average of a 2x2 block, down to `min_side`. A view zoomed
to 25% draws level 2 at 100% instead of sampling every fourth pixel of level 0: no
shimmer, and the work follows the screen's size, not the photo's. `update(box)` refreshes
only the part of every level under a changed rectangle.

For a 0/1 mask, `gain=255` turns level 1 into coverage (0..255), so thin brush strokes
stay visible, as faint lines, when zoomed far out.
"""

from __future__ import annotations

import numpy as np

from restorer.geometry import Box


def half_size(region: np.ndarray, gain: int = 1) -> np.ndarray:
    """Average 2x2 blocks of an HxW(xC) uint8 array (odd edges repeat their last pixel)."""
    import cv2

    height, width = region.shape[:2]
    if height % 2 or width % 2:
        pad = [(0, height % 2), (0, width % 2)] + [(0, 0)] * (region.ndim - 2)
        region = np.pad(region, pad, mode="edge")
    if gain != 1:
        region = region * np.uint8(gain)
    small = cv2.resize(
        np.ascontiguousarray(region),
        (region.shape[1] // 2, region.shape[0] // 2),
        interpolation=cv2.INTER_AREA,
    )
    return small.reshape((region.shape[0] // 2, region.shape[1] // 2, *region.shape[2:]))


class Pyramid:
    """An image and its successively halved copies."""

    def __init__(self, base: np.ndarray, *, gain: int = 1, min_side: int = 256) -> None:
        self.gain = gain
        self.min_side = min_side
        self.levels: list[np.ndarray] = [base]
        while max(self.levels[-1].shape[:2]) > min_side:
            source = self.levels[-1]
            self.levels.append(half_size(source, gain if len(self.levels) == 1 else 1))

    @property
    def base(self) -> np.ndarray:
        return self.levels[0]

    def replace_base(self, base: np.ndarray) -> None:
        """Use another array with the same contents as level 0 (e.g. after copy-on-write)."""
        if base.shape != self.levels[0].shape:
            raise ValueError("the new base must have the shape of the old one")
        self.levels[0] = base

    def level_for_scale(self, scale: float) -> int:
        """The smallest level still at least as detailed as the screen at `scale`."""
        level = 0
        while level + 1 < len(self.levels) and scale * (2 ** (level + 1)) <= 1.0:
            level += 1
        return level

    def update(self, box: Box) -> None:
        """Recompute every level under `box` (level-0 coordinates) after level 0 changed."""
        for index in range(1, len(self.levels)):
            source = self.levels[index - 1]
            target = self.levels[index]
            box = box.halved().clip(*target.shape[:2])
            if box.is_empty:
                return
            rows = slice(2 * box.top, min(2 * box.bottom, source.shape[0]))
            cols = slice(2 * box.left, min(2 * box.right, source.shape[1]))
            small = half_size(source[rows, cols], self.gain if index == 1 else 1)
            target[box.slices] = small[: box.height, : box.width]


def proxy_from_levels(levels: list[np.ndarray], longest: int, *, area: bool = True) -> np.ndarray:
    """A copy of a pyramid's image with its longest side at most `longest` pixels, from the
    smallest level at least that detailed (cheap: never reads the full-size base when a
    smaller level will do). `area` averages when shrinking, otherwise nearest neighbour."""
    import cv2

    chosen = levels[0]
    for level in levels:
        if max(level.shape[:2]) >= longest:
            chosen = level
    height, width = chosen.shape[:2]
    scale = min(1.0, longest / max(height, width))
    if scale >= 1.0:
        return np.array(chosen, copy=True)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    method = cv2.INTER_AREA if area else cv2.INTER_NEAREST
    return cv2.resize(np.ascontiguousarray(chosen), size, interpolation=method)
