"""Painting a mask with a round brush, in numpy, touching only the pixels under the brush.

Coordinates are image pixels as floats, (x, y) with x to the right and y down; pixel
(row r, column c) covers [c, c+1) x [r, r+1). A stroke segment from p0 to p1 with a
brush of diameter `size` covers every pixel whose centre lies within size/2 of the
segment (a capsule). Work is done row by row on the capsule's bounding box only, so a
segment costs the same on a 24-megapixel mask as on a small one.

The mask holds coverage, 0..255. A hard brush sets the capsule's pixels outright; a
softer one (`hardness` < 1) paints full coverage out to `hardness * radius` and fades
linearly to nothing at the radius, combining with what is there by maximum (brush) or
by taking coverage away (eraser), so going over the same spot twice never builds up.

`Stroke` records what a whole stroke changed, for undo: it backs up each 128x128 tile
of the mask the first time the brush touches it and, when the stroke ends, returns one
`MaskEdit` holding only the changed rectangle.
"""

from __future__ import annotations

import math

import numpy as np

from restorer.edits import MaskEdit
from restorer.geometry import Box

Point = tuple[float, float]

MIN_SIZE = 1
MAX_SIZE = 5000


def snap_centre(point: Point, size: float) -> Point:
    """Put the brush centre where a brush of this diameter paints a symmetric dab.

    Odd diameters centre on a pixel's middle, even ones on a pixel corner, so a 1-pixel
    brush paints exactly the pixel under the pointer and a 2-pixel brush a 2x2 block.
    """
    x, y = point
    if round(size) % 2 == 1:
        return math.floor(x) + 0.5, math.floor(y) + 0.5
    return float(round(x)), float(round(y))


def capsule_bounds(p0: Point, p1: Point, radius: float) -> Box:
    """The box of pixels whose centres can lie within `radius` of the segment p0-p1."""
    (x0, y0), (x1, y1) = p0, p1
    return Box(
        math.floor(min(y0, y1) - radius - 0.5),
        math.floor(min(x0, x1) - radius - 0.5),
        math.ceil(max(y0, y1) + radius + 0.5) + 1,
        math.ceil(max(x0, x1) + radius + 0.5) + 1,
    )


def _linear_interval(a: float, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the X with lo <= a*X <= hi (all X when a == 0 and lo <= 0 <= hi)."""
    if a > 0:
        return lo / a, hi / a
    if a < 0:
        return hi / a, lo / a
    inside = (lo <= 0) & (hi >= 0)
    return np.where(inside, -np.inf, np.inf), np.where(inside, np.inf, -np.inf)


def capsule_spans(
    p0: Point, p1: Point, radius: float, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each pixel row, the first and last column (inclusive) inside the capsule.

    Rows the capsule misses get first > last. The capsule is convex, so each row meets it
    in one interval: the union of the intervals of its two end discs and its body.
    """
    (x0, y0), (x1, y1) = p0, p1
    yc = rows.astype(np.float64) + 0.5
    r2 = radius * radius
    starts = np.full(rows.shape, np.inf)
    ends = np.full(rows.shape, -np.inf)
    for px, py in ((x0, y0), (x1, y1)):
        dy2 = (yc - py) ** 2
        hit = dy2 <= r2
        half = np.sqrt(np.where(hit, r2 - dy2, 0.0))
        starts = np.where(hit, np.minimum(starts, px - half), starts)
        ends = np.where(hit, np.maximum(ends, px + half), ends)
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    if length2 > 0:
        rel = yc - y0
        # 0 <= projection <= length^2  and  |cross product| <= radius * length
        a_lo, a_hi = _linear_interval(dx, -rel * dy, length2 - rel * dy)
        reach = radius * math.sqrt(length2)
        b_lo, b_hi = _linear_interval(dy, rel * dx - reach, rel * dx + reach)
        lo, hi = np.maximum(a_lo, b_lo) + x0, np.minimum(a_hi, b_hi) + x0
        body = lo <= hi
        starts = np.where(body, np.minimum(starts, lo), starts)
        ends = np.where(body, np.maximum(ends, hi), ends)
    first = np.ceil(starts - 0.5)
    last = np.floor(ends - 0.5)
    empty = ~(first <= last)
    first = np.where(empty, 1, first)
    last = np.where(empty, 0, last)
    return first.astype(np.int64), last.astype(np.int64)


def paint_capsule(
    mask: np.ndarray, p0: Point, p1: Point, radius: float, value: int | bool
) -> Box | None:
    """Set every pixel of `mask` within `radius` of the segment p0-p1 to `value`.

    Returns the box of the pixels covered (inside the mask), or None when the capsule
    lies wholly outside it.
    """
    height, width = mask.shape[:2]
    box = capsule_bounds(p0, p1, radius).clip(height, width)
    if box.is_empty:
        return None
    rows = np.arange(box.top, box.bottom)
    first, last = capsule_spans(p0, p1, radius, rows)
    first = np.maximum(first, box.left)
    last = np.minimum(last, box.right - 1)
    used = first <= last
    if not used.any():
        return None
    row_index = np.flatnonzero(used)
    top, bottom = box.top + int(row_index[0]), box.top + int(row_index[-1]) + 1
    left, right = int(first[used].min()), int(last[used].max()) + 1
    cover = Box(top, left, bottom, right)
    cols = np.arange(left, right)
    sel = slice(int(row_index[0]), int(row_index[-1]) + 1)
    hit = (cols[None, :] >= first[sel, None]) & (cols[None, :] <= last[sel, None])
    mask[cover.slices][hit] = value
    return cover


def segment_distance(p0: Point, p1: Point, box: Box) -> np.ndarray:
    """Distance from each pixel centre of `box` to the segment p0-p1 (float32 array)."""
    (x0, y0), (x1, y1) = p0, p1
    xs = np.arange(box.left, box.right, dtype=np.float32) + np.float32(0.5 - x0)
    ys = np.arange(box.top, box.bottom, dtype=np.float32)[:, None] + np.float32(0.5 - y0)
    dx, dy = np.float32(x1 - x0), np.float32(y1 - y0)
    length2 = float(dx * dx + dy * dy)
    if length2 == 0:
        return np.sqrt(xs * xs + ys * ys)
    t = np.clip((xs * dx + ys * dy) / np.float32(length2), 0, 1)
    ex = xs - t * dx
    ey = ys - t * dy
    return np.sqrt(ex * ex + ey * ey)


def paint_soft_capsule(
    mask: np.ndarray, p0: Point, p1: Point, radius: float, hardness: float, erase: bool
) -> Box | None:
    """Paint (or erase) coverage with a soft edge along the segment p0-p1.

    Full coverage within `hardness * radius` of the segment, falling linearly to 0 at
    `radius`. Returns the box that may have changed, or None outside the mask.
    """
    height, width = mask.shape[:2]
    box = capsule_bounds(p0, p1, radius).clip(height, width)
    if box.is_empty:
        return None
    distance = segment_distance(p0, p1, box)
    inner = radius * max(0.0, min(1.0, hardness))
    ramp = max(radius - inner, 1e-3)
    cover = np.clip((radius - distance) * np.float32(255.0 / ramp), 0, 255)
    cover = (cover + np.float32(0.5)).astype(np.uint8)
    region = mask[box.slices]
    if erase:
        np.minimum(region, 255 - cover, out=region)
    else:
        np.maximum(region, cover, out=region)
    return box


class Stroke:
    """One press-drag-release of the brush (or eraser) on a mask, recorded for undo."""

    TILE = 128

    def __init__(
        self, mask: np.ndarray, size: float, value: int = 255, hardness: float = 1.0
    ) -> None:
        self.mask = mask
        self.size = float(min(MAX_SIZE, max(MIN_SIZE, size)))
        self.radius = self.size / 2.0
        self.value = value  # 0 erases
        self.hardness = float(max(0.0, min(1.0, hardness)))
        self.last: Point | None = None
        self.box: Box | None = None
        self._tiles: dict[tuple[int, int], np.ndarray] = {}

    def _back_up(self, box: Box) -> None:
        tile = self.TILE
        for ty in range(box.top // tile, (box.bottom - 1) // tile + 1):
            for tx in range(box.left // tile, (box.right - 1) // tile + 1):
                if (ty, tx) not in self._tiles:
                    rows = slice(ty * tile, (ty + 1) * tile)
                    cols = slice(tx * tile, (tx + 1) * tile)
                    self._tiles[ty, tx] = self.mask[rows, cols].copy()

    def line_to(self, point: Point) -> Box | None:
        """Paint from the previous point (a single dab on the first call) to `point`.

        Returns the box of the mask that may have changed, for repainting.
        """
        point = snap_centre(point, self.size)
        start = self.last if self.last is not None else point
        self.last = point
        height, width = self.mask.shape[:2]
        reach = capsule_bounds(start, point, self.radius).clip(height, width)
        if reach.is_empty:
            return None
        self._back_up(reach)
        if self.hardness >= 1.0:
            cover = paint_capsule(self.mask, start, point, self.radius, self.value)
        else:
            cover = paint_soft_capsule(
                self.mask, start, point, self.radius, self.hardness, self.value == 0
            )
        if cover is not None:
            self.box = cover if self.box is None else self.box.union(cover)
        return cover

    def finish(self) -> MaskEdit | None:
        """The stroke's change as one undo record (None when nothing changed)."""
        if self.box is None:
            return None
        box = self.box
        after = self.mask[box.slices].copy()
        before = after.copy()
        tile = self.TILE
        for (ty, tx), saved in self._tiles.items():
            tile_box = Box(
                ty * tile, tx * tile, ty * tile + saved.shape[0], tx * tile + saved.shape[1]
            )
            common = tile_box.intersect(box)
            if common.is_empty:
                continue
            before[common.relative_to(box).slices] = saved[common.relative_to(tile_box).slices]
        self._tiles.clear()
        return MaskEdit.from_arrays(box, before, after)
