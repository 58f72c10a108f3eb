"""Clone stamp and healing brush: copy pixels from a source offset, touching only the dab.

A `RetouchStroke` paints one press-drag-release. Each segment covers a capsule (the
same geometry as the mask brush, `restorer.brush`) and writes only that rectangle:

- clone: the destination becomes the source pixels at `point - offset`, blended by the
  brush's coverage (a hard brush copies them exactly);
- heal: while painting, the source's texture over the destination's tone (source plus a
  low-pass of destination minus source: a fast preview); when the stroke ends,
  `finish` replaces that with a membrane blend: the source plus a smooth correction
  that matches the destination along the stroke's rim, so the stroke takes on the
  surrounding tone even over a blemish.

Both read the photo as it was when the stroke began (the first write to each 128x128
tile backs it up), so a source that overlaps the stroke never copies its own strokes,
and `finish` returns the stroke's undo record (`PixelEdit`, the changed rectangle
only). Coverage within a stroke combines by maximum, so going over a spot twice never
builds up. Arrays are HxWxC of any unsigned integer type: 16-bit photos stay 16-bit.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from restorer.brush import MAX_SIZE, MIN_SIZE, Point, capsule_bounds, segment_distance, snap_centre
from restorer.edits import PixelEdit
from restorer.geometry import Box, bounding_box

TILE = 128
RIM = 2  # pixels of destination around a healing stroke that its tone is matched to
MAX_PREVIEW_SIGMA = 12.0  # widest blur of the healing preview's tone match


def dab_coverage(p0: Point, p1: Point, radius: float, hardness: float, box: Box) -> np.ndarray:
    """Coverage 0..255 (uint8) of a brush segment p0-p1 over `box`.

    Full inside `hardness * radius` of the segment, falling linearly to 0 at `radius`;
    a hard brush covers exactly the pixels whose centres lie within `radius`.
    """
    distance = segment_distance(p0, p1, box)
    if hardness >= 1.0:
        return (distance <= radius).view(np.uint8) * np.uint8(255)
    ramp = max(radius * (1.0 - max(0.0, hardness)), 1e-3)
    cover = np.clip((radius - distance) * np.float32(255.0 / ramp), 0, 255)
    return (cover + np.float32(0.5)).astype(np.uint8)


def _to_dtype(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    top = np.iinfo(dtype).max if np.issubdtype(dtype, np.integer) else None
    values = np.rint(values)
    if top is not None:
        values = np.clip(values, 0, top)
    return values.astype(dtype)


def _blend(
    before: np.ndarray, texture: np.ndarray, coverage: np.ndarray, dtype: np.dtype
) -> np.ndarray:
    """before + coverage/255 * (texture - before), rounded to `dtype` (N x C or HxWxC)."""
    before = before.astype(np.float32)
    weight = coverage.astype(np.float32)[..., None] * np.float32(1 / 255)
    return _to_dtype(before + weight * (texture.astype(np.float32) - before), dtype)


def low_pass(values: np.ndarray, sigma: float) -> np.ndarray:
    """A quick Gaussian-like blur: two box blurs (cost independent of `sigma`), on a
    copy shrunk by about sigma/3 for a wide blur, enlarged back."""
    height, width = values.shape[:2]
    factor = max(1, int(sigma // 3))
    small = values
    if factor > 1:
        size = (max(1, width // factor), max(1, height // factor))
        small = _resize(values, size[0], size[1], cv2.INTER_AREA)
    box = max(1, int(round(sigma / factor * 1.7)) | 1)
    small = cv2.blur(small, (box, box), borderType=cv2.BORDER_REFLECT)
    small = cv2.blur(small, (box, box), borderType=cv2.BORDER_REFLECT)
    small = small.reshape(small.shape[:2] + values.shape[2:])
    if factor > 1:
        return _resize(small, width, height, cv2.INTER_LINEAR)
    return small


def _resize(values: np.ndarray, width: int, height: int, interpolation: int) -> np.ndarray:
    out = cv2.resize(values, (width, height), interpolation=interpolation)
    return out.reshape(height, width, *values.shape[2:])


def membrane_fill(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Fill the pixels not `known` with a smooth interpolation of the known ones.

    Push-pull over a pyramid: known values (premultiplied by their weight) and weights
    are averaged down to a coarse level, then each level takes what its own weight
    lacks from the level below. Known pixels keep their values exactly. HxW or HxWxC.
    """
    values = values.astype(np.float32, copy=False)
    weight = known.astype(np.float32).reshape(known.shape + (1,) * (values.ndim - 2))
    levels = [(values * weight, weight)]
    while min(levels[-1][1].shape[:2]) > 2:
        value, w = levels[-1]
        height, width = (w.shape[0] + 1) // 2, (w.shape[1] + 1) // 2
        levels.append(
            (
                _resize(value, width, height, cv2.INTER_AREA),
                _resize(w, width, height, cv2.INTER_AREA),
            )
        )
    value, w = levels[-1]
    estimate = value / np.maximum(w, 1e-6)
    for value, w in reversed(levels[:-1]):
        up = _resize(estimate, w.shape[1], w.shape[0], cv2.INTER_LINEAR)
        estimate = value + up * (1.0 - np.minimum(w, 1.0))
    return np.where(weight > 0, values, estimate)


class _Backup:
    """The photo as it was when a stroke began: each tile is copied before its first write."""

    def __init__(self, height: int, width: int) -> None:
        self.height, self.width = height, width
        self.tiles: dict[tuple[int, int], np.ndarray] = {}

    def _keys(self, box: Box):
        for ty in range(box.top // TILE, (box.bottom - 1) // TILE + 1):
            for tx in range(box.left // TILE, (box.right - 1) // TILE + 1):
                yield ty, tx

    def keep(self, pixels: np.ndarray, box: Box) -> None:
        for key in self._keys(box):
            if key not in self.tiles:
                ty, tx = key
                self.tiles[key] = pixels[
                    ty * TILE : (ty + 1) * TILE, tx * TILE : (tx + 1) * TILE
                ].copy()

    def read(self, pixels: np.ndarray, box: Box) -> np.ndarray:
        """A copy of `box` as it was before the stroke (each part copied once)."""
        out = np.empty((box.height, box.width, *pixels.shape[2:]), pixels.dtype)
        for key in self._keys(box):
            ty, tx = key
            tile = Box(ty * TILE, tx * TILE, (ty + 1) * TILE, (tx + 1) * TILE)
            common = tile.intersect(box)
            saved = self.tiles.get(key)
            where = common.relative_to(box).slices
            if saved is None:
                out[where] = pixels[common.slices]
            else:
                out[where] = saved[common.relative_to(tile).slices]
        return out


def _shift(box: Box, offset: tuple[int, int]) -> Box:
    dx, dy = offset
    return Box(box.top - dy, box.left - dx, box.bottom - dy, box.right - dx)


class RetouchStroke:
    """One clone-stamp or healing-brush stroke over an HxWxC image.

    `offset` is (dx, dy) in whole pixels: destination minus source. The image is passed
    to each call (the caller's array may be replaced between segments, copy-on-write);
    its values must only change through this stroke while it lasts.
    """

    def __init__(
        self,
        height: int,
        width: int,
        offset: tuple[int, int],
        size: float,
        hardness: float = 1.0,
        heal: bool = False,
    ) -> None:
        self.height, self.width = height, width
        self.offset = (int(offset[0]), int(offset[1]))
        self.size = float(min(MAX_SIZE, max(MIN_SIZE, size)))
        self.radius = self.size / 2.0
        self.hardness = float(max(0.0, min(1.0, hardness)))
        self.heal = heal
        self.last: Point | None = None
        self.box: Box | None = None  # everything painted so far
        self._backup = _Backup(height, width)
        self._coverage = np.zeros((height, width), np.uint8)  # lazily zeroed pages: cheap
        self.sigma = min(MAX_PREVIEW_SIGMA, max(2.0, self.radius / 3.0))

    def _valid(self) -> Box:
        """Destination pixels whose source lies inside the image."""
        dx, dy = self.offset
        return Box(max(0, dy), max(0, dx), self.height + min(0, dy), self.width + min(0, dx))

    def reach(self, point: Point) -> Box | None:
        """The box the next `line_to(point)` may write (None: nothing)."""
        point = snap_centre(point, self.size)
        start = self.last if self.last is not None else point
        box = capsule_bounds(start, point, self.radius).intersect(self._valid())
        box = box.clip(self.height, self.width)
        return None if box.is_empty else box

    def source_of(self, point: Point) -> Point:
        """Where the source of a destination point lies."""
        return point[0] - self.offset[0], point[1] - self.offset[1]

    def line_to(self, image: np.ndarray, point: Point) -> Box | None:
        """Paint from the previous point (a single dab on the first call) to `point`.

        Only the box of the pixels whose coverage grows is written (a moving brush's
        leading edge, not its whole dab again). Returns that box, or None.
        """
        box = self.reach(point)
        point = snap_centre(point, self.size)
        start = self.last if self.last is not None else point
        self.last = point
        if box is None:
            return None
        cover = dab_coverage(start, point, self.radius, self.hardness, box)
        coverage = self._coverage[box.slices]
        grew = cover > coverage
        inner = bounding_box(grew)
        if inner is None:
            return None
        np.maximum(coverage, cover, out=coverage)
        # The rest of that box gets the values it has again (same coverage, same source).
        box = inner.placed_in(box)
        self._backup.keep(image, box)
        before = self._backup.read(image, box)
        if self.heal:
            texture = self._preview_heal(image, box)
        else:
            texture = self._backup.read(image, _shift(box, self.offset))
        image[box.slices] = _blend(before, texture, self._coverage[box.slices], image.dtype)
        self.box = box if self.box is None else self.box.union(box)
        return box

    def _preview_heal(self, image: np.ndarray, box: Box) -> np.ndarray:
        """Source texture over destination tone: source + low-pass(destination - source)."""
        pad = int(math.ceil(2 * self.sigma))
        # Aligned to the blur's shrinking grid, so neighbouring segments agree.
        grid = max(1, int(self.sigma // 3))
        outer = box.pad(pad)
        outer = Box(
            outer.top // grid * grid,
            outer.left // grid * grid,
            -(-outer.bottom // grid) * grid,
            -(-outer.right // grid) * grid,
        )
        outer = outer.intersect(self._valid()).clip(self.height, self.width)
        destination = self._backup.read(image, outer).astype(np.float32)
        source = self._backup.read(image, _shift(outer, self.offset)).astype(np.float32)
        tone = low_pass(destination - source, self.sigma)
        inner = box.relative_to(outer).slices
        return source[inner] + tone[inner]

    def finish(self, image: np.ndarray) -> PixelEdit | None:
        """End the stroke (a healing stroke gets its membrane blend now) and return its
        undo record: the changed pixels of the painted rectangle, before and after."""
        if self.box is None:
            return None
        box = self.box
        if self.heal:
            box, before, source, coverage = self.heal_inputs(image)
            healed = heal_blend(before, source, coverage)
            if healed is not None:
                image[box.slices] = healed
        return self.record(image, box)

    def record(self, image: np.ndarray, box: Box | None = None) -> PixelEdit | None:
        """The undo record of what the stroke changed so far inside `box` (default: all
        it painted), without finishing it."""
        box = box or self.box
        if box is None:
            return None
        return PixelEdit.from_arrays(box, self._backup.read(image, box), image[box.slices].copy())

    def finish_box(self) -> Box | None:
        """The box `finish` may write (the painted rectangle and the healing rim)."""
        if self.box is None:
            return None
        if not self.heal:
            return self.box
        return self.box.pad(RIM + 1).intersect(self._valid()).clip(self.height, self.width)

    def heal_inputs(self, image: np.ndarray) -> tuple[Box, np.ndarray, np.ndarray, np.ndarray]:
        """What `heal_blend` needs, as copies (it may run elsewhere): the finish box, the
        destination as it was, the source and the stroke's coverage there."""
        box = self.finish_box()
        assert box is not None
        self._backup.keep(image, box)
        before = self._backup.read(image, box)
        source = self._backup.read(image, _shift(box, self.offset))
        return box, before, source, self._coverage[box.slices].copy()


def heal_blend(before: np.ndarray, source: np.ndarray, coverage: np.ndarray) -> np.ndarray | None:
    """The healing brush's result over a box: the source plus a membrane correction that
    meets the destination along the stroke's rim, blended in by the stroke's coverage.

    `before` is the destination as it was, `source` what the stroke copies, both HxWxC
    of one dtype; `coverage` HxW uint8. None when the stroke has no rim (it covers the
    whole box).
    """
    inside = coverage > 0
    grown = cv2.dilate(inside.astype(np.uint8), np.ones((3, 3), np.uint8), iterations=RIM)
    rim = (grown > 0) & ~inside
    if not rim.any():
        return None
    destination = before.astype(np.float32)
    copied = source.astype(np.float32)
    correction = membrane_fill(destination - copied, rim)
    return _blend(destination, copied + correction, coverage, before.dtype)


def blemish_around(image: np.ndarray, point: Point, radius: float) -> tuple[Box, np.ndarray] | None:
    """The blemish a spot-heal click lands on, so that one click covers all of it.

    Pixels whose brightness stands out from the local median (more than four times the
    spread of the surroundings) and that connect to the pixels under the brush form the
    blemish; it is grown by two pixels and kept within twice the brush's radius of the
    click. Returns (box, bool mask over the box), or None when nothing stands out.
    """
    height, width = image.shape[:2]
    reach = max(2, int(math.ceil(2 * radius)))
    x, y = int(math.floor(point[0])), int(math.floor(point[1]))
    outer = Box(y - 3 * reach, x - 3 * reach, y + 3 * reach + 1, x + 3 * reach + 1)
    outer = outer.clip(height, width)
    if outer.is_empty:
        return None
    top = float(np.iinfo(image.dtype).max) if image.dtype.kind in "ui" else 255.0
    lum = image[outer.slices][..., :3].astype(np.float32).mean(axis=2) * np.float32(255 / top)
    small = np.clip(lum + 0.5, 0, 255).astype(np.uint8)
    kernel = min(4 * reach + 1, (min(small.shape) - 1) | 1)  # wide: the blemish is a minority
    background = cv2.medianBlur(small, kernel) if kernel >= 3 else small
    deviation = np.abs(lum - background.astype(np.float32))
    spread = 1.4826 * float(np.median(deviation))
    standing = (deviation > max(12.0, 4 * spread)).astype(np.uint8)
    count, labels = cv2.connectedComponents(standing, connectivity=8)
    if count <= 1:
        return None
    rows = np.arange(outer.top, outer.bottom, dtype=np.float32)[:, None] + 0.5 - point[1]
    cols = np.arange(outer.left, outer.right, dtype=np.float32)[None, :] + 0.5 - point[0]
    distance = np.sqrt(rows * rows + cols * cols)
    picked = np.unique(labels[(distance <= max(radius, 1.0)) & (standing > 0)])
    if picked.size == 0:
        return None
    blemish = np.isin(labels, picked).astype(np.uint8)
    blemish = cv2.dilate(blemish, np.ones((3, 3), np.uint8), iterations=2) > 0
    blemish &= distance <= 2 * radius + 2
    return outer, blemish
