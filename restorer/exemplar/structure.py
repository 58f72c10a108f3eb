"""A structure term for the completion: straight edges that enter the hole, continued.

Line segments are found in a band round the hole (OpenCV's line segment detector on
the picture with its hole filled smoothly, so the hole's border makes no segments);
the part of each that lies outside the hole is kept where it is long and its two
sides differ clearly. A segment whose extension enters the hole is paired with a
collinear one whose extension enters it from the other side (angle and offset
within tolerances), and the two are joined across the hole; an unpaired one is
extended into the hole for a limited depth. Each continued line is painted into a
fill of the hole as a band a few pixels wide, each side in the colour of the known
pixels beside the line (blended from one end's to the other's across a pair). That
fill is what the coarse levels' guide channels are made of (`FillSettings.structure`),
so PatchMatch is steered towards sources that continue the edge.

Deterministic, and cheap: one detection on the band's box and a few small rasters.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from restorer.geometry import bounding_box


@dataclass(frozen=True)
class StructureSettings:
    min_length: float = 10.0  # px: shorter segment parts outside the hole are ignored
    min_contrast: float = 24.0  # RGB distance (0-255) between the two sides' colours
    reach: float = 3.0  # px: how far from the hole a segment's end may stop
    side_offset: float = 3.0  # px: where each side's colour is read, across the line
    side_run: float = 16.0  # px: ...along the last this-many px of the segment
    angle_tolerance: float = 8.0  # degrees between paired segments
    offset_tolerance: float = 3.0  # px: each pair's ends from the other's line
    pair_gap: float = 8.0  # px: how far past where the extension leaves the hole
    extend: float = 1.0  # unpaired: at most this share of the segment's length...
    max_extend: float = 48.0  # ...and at most this many px into the hole
    half_width: float = 6.0  # px: the painted band on each side of the line
    band: float = 32.0  # px round the hole searched for segments (at least)


@dataclass
class _Segment:
    end: np.ndarray  # the end next to the hole (x, y)
    direction: np.ndarray  # unit, from the segment into the hole
    length: float
    plus: np.ndarray  # colour on the +normal side (normal = (-dy, dx))
    minus: np.ndarray
    contrast: float
    exit: np.ndarray | None  # where the extension leaves the hole (None: it does not)
    span: float  # px of the extension inside the hole


def structure_guide(
    image: np.ndarray,
    hole: np.ndarray,
    fill: np.ndarray,
    settings: StructureSettings | None = None,
) -> np.ndarray:
    """`fill` (HxWx3 uint8, a smooth fill of `hole` in `image`) with the straight edges
    round the hole continued into it (see the module's text); HxWx3 uint8."""
    settings = settings or StructureSettings()
    lines = continued_lines(image, hole, fill, settings)
    if not lines:
        return fill
    return _paint(fill, hole, lines, settings.half_width)


def continued_lines(
    image: np.ndarray,
    hole: np.ndarray,
    fill: np.ndarray,
    settings: StructureSettings,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """The lines to paint: (start, stop, plus colour at start, minus colour at start,
    plus colour at stop, minus colour at stop), in the order to paint them (the
    strongest last)."""
    hole = hole.astype(bool)
    box = bounding_box(hole)
    if box is None:
        return []
    height, width = hole.shape
    depth = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3)
    pad = int(max(settings.band, float(depth.max())))
    window = box.pad(pad).clip(height, width)
    y0, x0 = window.slices[0].start, window.slices[1].start
    crop_hole = hole[window.slices]
    crop_image = image[window.slices]
    grey = cv2.cvtColor(np.ascontiguousarray(fill[window.slices]), cv2.COLOR_RGB2GRAY)
    found = cv2.createLineSegmentDetector(cv2.LSD_REFINE_STD).detect(grey)[0]
    if found is None:
        return []
    to_hole = cv2.distanceTransform((~crop_hole).astype(np.uint8), cv2.DIST_L2, 3)
    # Parts of segments outside the hole (dilated by a pixel: its border's fill step).
    near = cv2.dilate(crop_hole.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    found = found.reshape(-1, 4).astype(np.float64)
    # Only long segments that come near the hole (checked at 17 points along each).
    lengths = np.hypot(found[:, 2] - found[:, 0], found[:, 3] - found[:, 1])
    found = found[lengths >= settings.min_length]
    share = np.linspace(0.0, 1.0, 17)[None, :]
    xs = found[:, 0:1] + share * (found[:, 2:3] - found[:, 0:1])
    ys = found[:, 1:2] + share * (found[:, 3:4] - found[:, 1:2])
    xs = np.clip(np.round(xs).astype(int), 0, crop_hole.shape[1] - 1)
    ys = np.clip(np.round(ys).astype(int), 0, crop_hole.shape[0] - 1)
    found = found[to_hole[ys, xs].min(axis=1) <= settings.reach + 1]
    segments: list[_Segment] = []
    for x_a, y_a, x_b, y_b in found:
        a, b = np.array([x_a, y_a]), np.array([x_b, y_b])
        length = float(np.hypot(*(b - a)))
        if length < settings.min_length:
            continue
        steps = np.linspace(0.0, 1.0, int(length) + 2)
        points = a[None] + steps[:, None] * (b - a)[None]
        cols = np.clip(np.round(points[:, 0]).astype(int), 0, crop_hole.shape[1] - 1)
        rows = np.clip(np.round(points[:, 1]).astype(int), 0, crop_hole.shape[0] - 1)
        inside = near[rows, cols]
        for part in _runs(~inside):
            first, last = points[part[0]], points[part[-1]]
            part_length = float(np.hypot(*(last - first)))
            if part_length < settings.min_length:
                continue
            for end, other in ((first, last), (last, first)):
                segment = _segment(
                    end, other, part_length, crop_image, crop_hole, to_hole, settings
                )
                if segment is not None:
                    segments.append(segment)
    lines = _join(segments, settings)
    offset = np.array([x0, y0], np.float64)
    return [(s + offset, e + offset, *colours) for s, e, *colours in lines]


def _runs(flags: np.ndarray) -> list[np.ndarray]:
    """Index runs where `flags` is true."""
    index = np.flatnonzero(flags)
    if index.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(index) > 1) + 1
    return np.split(index, breaks)


def _segment(end, other, length, image, hole, to_hole, settings) -> _Segment | None:
    """The segment part from `other` to `end`, if `end` is next to the hole and its
    extension enters it, with its side colours and where the extension leaves."""
    height, width = hole.shape
    col, row = int(round(end[0])), int(round(end[1]))
    if not (0 <= col < width and 0 <= row < height) or to_hole[row, col] > settings.reach + 1:
        return None
    direction = (end - other) / max(length, 1e-6)
    normal = np.array([-direction[1], direction[0]])
    # March into the hole: enter within `reach` + 2 px, then cross it.
    steps = np.arange(0.5, settings.reach + 2 + 2 * max(height, width), 0.5)
    points = end[None] + steps[:, None] * direction[None]
    cols = np.round(points[:, 0]).astype(int)
    rows = np.round(points[:, 1]).astype(int)
    within = (cols >= 0) & (cols < width) & (rows >= 0) & (rows < height)
    if not within.all():
        steps, cols, rows = (
            steps[: np.argmin(within)],
            cols[: np.argmin(within)],
            rows[: np.argmin(within)],
        )
    inside = hole[rows, cols]
    if not inside.any():
        return None
    first = int(np.argmax(inside))
    if steps[first] > settings.reach + 2:
        return None
    after = np.flatnonzero(~inside[first:])
    exit_point = None
    if after.size:
        exit_point = points[first + after[0]]
        span = float(steps[first + after[0]] - steps[first])
    else:
        span = float(steps[-1] - steps[first])
    # Side colours: known pixels beside the last `side_run` px of the segment.
    run = min(length, settings.side_run)
    along = end[None] - np.linspace(0.0, run, max(2, int(run)))[:, None] * direction[None]
    colours = []
    for sign in (1.0, -1.0):
        points = along + sign * settings.side_offset * normal[None]
        cols = np.round(points[:, 0]).astype(int)
        rows = np.round(points[:, 1]).astype(int)
        good = (cols >= 0) & (cols < width) & (rows >= 0) & (rows < height)
        cols, rows = cols[good], rows[good]
        known = ~hole[rows, cols]
        if known.sum() < 2:
            return None
        colours.append(image[rows[known], cols[known]].astype(np.float64).mean(axis=0))
    plus, minus = colours
    contrast = float(np.linalg.norm(plus - minus))
    if contrast < settings.min_contrast:
        return None
    return _Segment(end, direction, length, plus, minus, contrast, exit_point, span)


def _join(segments: list[_Segment], settings: StructureSettings) -> list:
    """Pairs across the hole joined, the rest extended; weakest first."""
    cos_tolerance = np.cos(np.radians(settings.angle_tolerance))
    order = sorted(range(len(segments)), key=lambda i: -segments[i].contrast * segments[i].length)
    used = [False] * len(segments)
    lines = []
    for i in order:
        if used[i]:
            continue
        a = segments[i]
        best, best_score = None, np.inf
        if a.exit is not None:
            normal = np.array([-a.direction[1], a.direction[0]])
            for j in order:
                b = segments[j]
                if j == i or used[j] or float(a.direction @ b.direction) > -cos_tolerance:
                    continue
                gap = b.end - a.end
                ahead = float(gap @ a.direction)
                # b's end must lie next to where a's extension leaves the hole.
                past = float((b.end - a.exit) @ a.direction)
                if ahead <= 0 or past < -settings.reach - 2 or past > settings.pair_gap:
                    continue
                off_a = abs(float(gap @ normal))
                b_normal = np.array([-b.direction[1], b.direction[0]])
                off_b = abs(float(gap @ b_normal))
                tolerance = settings.offset_tolerance + 0.05 * ahead
                if off_a > tolerance or off_b > tolerance:
                    continue
                # b's sides are a's mirrored: its minus side continues a's plus side.
                colour = np.linalg.norm(a.plus - b.minus) + np.linalg.norm(a.minus - b.plus)
                score = off_a + off_b + colour / 16.0
                if score < best_score:
                    best, best_score = j, score
        used[i] = True
        if best is not None:
            b = segments[best]
            used[best] = True
            lines.append((a.end, b.end, a.plus, a.minus, b.minus, b.plus, a.contrast))
        else:
            depth = min(a.span, settings.extend * a.length, settings.max_extend)
            if depth < 2:
                continue
            stop = a.end + (depth + settings.reach) * a.direction
            lines.append((a.end, stop, a.plus, a.minus, a.plus, a.minus, a.contrast))
    lines.sort(key=lambda line: line[-1])
    return [line[:-1] for line in lines]


def _paint(fill: np.ndarray, hole: np.ndarray, lines: list, half_width: float) -> np.ndarray:
    """Paint each line into the hole pixels of `fill` as a band of two colours."""
    out = fill.astype(np.float32)
    height, width = hole.shape
    for start, stop, plus0, minus0, plus1, minus1 in lines:
        axis = stop - start
        length = float(np.hypot(*axis))
        if length < 1e-6:
            continue
        direction = axis / length
        normal = np.array([-direction[1], direction[0]])
        reach = half_width + 1
        left = int(max(0, np.floor(min(start[0], stop[0]) - reach)))
        right = int(min(width, np.ceil(max(start[0], stop[0]) + reach) + 1))
        top = int(max(0, np.floor(min(start[1], stop[1]) - reach)))
        bottom = int(min(height, np.ceil(max(start[1], stop[1]) + reach) + 1))
        if left >= right or top >= bottom:
            continue
        rows, cols = np.mgrid[top:bottom, left:right]
        dx, dy = cols - start[0], rows - start[1]
        t = (dx * direction[0] + dy * direction[1]) / length
        s = dx * normal[0] + dy * normal[1]
        where = hole[top:bottom, left:right] & (t >= 0) & (t <= 1) & (np.abs(s) <= half_width)
        if not where.any():
            continue
        tt = t[where][:, None]
        plus = (1 - tt) * plus0 + tt * plus1
        minus = (1 - tt) * minus0 + tt * minus1
        share = np.clip(0.5 + s[where], 0.0, 1.0)[:, None]  # a one-pixel ramp across the line
        out[top:bottom, left:right][where] = minus + share * (plus - minus)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
