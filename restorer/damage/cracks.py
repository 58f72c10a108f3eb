"""Cracks: thin dark meandering, branching lines, as in the cracked emulsion of an old print.

Works on one tile (with its margin) of `restorer.damage.detect`; Qt-free, numpy and OpenCV.

1. **Valley measure.** On the brightest channel (a dark neutral crack darkens every channel,
   and the brightest one most on a saturated colour), lightly smoothed: for 4 directions of
   the normal, how much darker a pixel is than the darker of its two neighbours 1-3 px
   away on either side, less half their difference. A crack is darker than *both* sides;
   a step edge is not, and an outline between two different tones counts little. Each
   direction's valley is averaged 7 px along the line, which lifts a crack above the
   grain. The deepest direction less the shallowest is the line response: a speck is as
   deep across every direction and is left to dust.
2. **Normalised by the texture.** Grass, hair and foliage make valleys and ridges crowd
   together: the local mean of both is subtracted, and thresholds scale with the grain.
3. **Hysteresis**: pixels over a low threshold joined (across 1-px gaps) to one over a
   high threshold.
4. **Component tests** (cheap ones first, then on crops of the few left): a long skeleton,
   meandering (its pixels spread across its main axis, few of them on straight 25-px
   runs, which is what picture lines, seams and lattices are made of), standing clear of
   the texture around it, not crowded like writing. Pieces of some length that a gap cut
   off, within a few px of a crack kept, join it.
The constants in `CrackTuning` were chosen on the tuning half of
benchmarks/damage_detection.py (generators A and B) only.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Normals of the 4 directions (dy, dx), and how far the side samples lie along each.
_DIRECTIONS = ((1, 0), (0, 1), (1, 1), (1, -1))
_PAD = 3


@dataclass(frozen=True)
class CrackTuning:
    smooth: float = 0.7  # px, Gaussian blur before the valley measure
    along: int = 7  # px, a valley is averaged this far along the line
    straight_steps: tuple[int, ...] = (2, 3)  # px to the side samples, across and down
    diagonal_steps: tuple[int, ...] = (1, 2)  # diagonal steps to them (x 1.41 px)
    asymmetry: float = 0.5  # of the difference between the two sides
    window: int = 31  # px, local mean of valleys and ridges (the texture)
    ridge_weight: float = 1.0
    valley_weight: float = 0.5
    weak: float = 1.0  # low threshold: grain units ...
    strong: float = 2.0
    weak_floor: float = 7.0  # ... plus these many levels
    strong_floor: float = 14.0
    join: int = 3  # px square: fragments this close form one crack
    reach: int = 24  # px: weak pixels farther than this from a strong one are dropped
    min_length: float = 90.0  # px of skeleton
    min_spread: float = 4.0  # px: std of the pixels across the main axis
    max_straight: float = 0.5  # share of pixels on straight 25-px runs
    min_score: float = 3.0  # mean score, grain units
    follow: int = 6  # px: pieces this near a crack found join it ...
    piece: int = 30  # ... when they hold this many pixels
    crowd_window: int = 15  # px
    max_crowding: float = 0.11  # mean share of that window its skeleton fills
    max_texture: float = 0.5  # mean valley depth around it (itself left out), grain units


CRACK_TUNING = CrackTuning()


def _along(direction: tuple[int, int], length: int) -> np.ndarray:
    """A mean over `length` px along the line whose normal is `direction` (dy, dx)."""
    dy, dx = direction
    kernel = np.zeros((length, length), np.float32)
    c = length // 2
    for t in range(-c, c + 1):
        kernel[c + t * dx, c - t * dy] = 1.0  # along = the normal turned by 90 degrees
    return kernel / kernel.sum()


def valleys(gray: np.ndarray, tuning: CrackTuning = CRACK_TUNING):
    """Per pixel (uint8): the deepest valley over the 4 directions, the shallowest, and the
    highest ridge (brighter than both sides)."""
    height, width = gray.shape
    big = cv2.copyMakeBorder(gray, _PAD, _PAD, _PAD, _PAD, cv2.BORDER_REPLICATE)

    def shifted(dy: int, dx: int) -> np.ndarray:
        return big[_PAD + dy : _PAD + dy + height, _PAD + dx : _PAD + dx + width]

    deepest = np.zeros_like(gray)
    shallowest = np.full_like(gray, 255)
    ridge = np.zeros_like(gray)
    for dy, dx in _DIRECTIONS:
        valley = np.zeros_like(gray)
        straight = dy == 0 or dx == 0
        for d in tuning.straight_steps if straight else tuning.diagonal_steps:
            a, b = shifted(dy * d, dx * d), shifted(-dy * d, -dx * d)
            sides = cv2.addWeighted(cv2.min(a, b), 1.0, cv2.absdiff(a, b), -tuning.asymmetry, 0)
            cv2.max(valley, cv2.subtract(sides, gray), dst=valley)
            if d == 2 or len(tuning.straight_steps) == 1:
                cv2.max(ridge, cv2.subtract(gray, cv2.max(a, b)), dst=ridge)
        if tuning.along > 1:
            length = tuning.along if straight else max(3, int(round(tuning.along / 1.41)) | 1)
            valley = cv2.filter2D(valley, -1, _along((dy, dx), length))
        cv2.max(deepest, valley, dst=deepest)
        cv2.min(shallowest, valley, dst=shallowest)
    return deepest, shallowest, ridge


def crack_score(rgb: np.ndarray, tuning: CrackTuning = CRACK_TUNING):
    """Line response less the local texture (float32), and the valley depth (uint8)."""
    value = cv2.max(cv2.max(rgb[:, :, 0], rgb[:, :, 1]), rgb[:, :, 2])
    if tuning.smooth > 0:
        value = cv2.GaussianBlur(value, (0, 0), tuning.smooth)
    deep, shallow, ridge = valleys(value, tuning)
    line = cv2.subtract(deep, shallow)
    k = (tuning.window, tuning.window)
    texture = cv2.addWeighted(
        cv2.blur(ridge, k), tuning.ridge_weight, cv2.blur(deep, k), tuning.valley_weight, 0,
        dtype=cv2.CV_32F,
    )  # fmt: skip
    return cv2.subtract(line, texture, dtype=cv2.CV_32F), deep


def noise(rgb: np.ndarray) -> float:
    """Grain of the tile in levels of its brightest channel: a robust spread of each pixel
    against its 4 neighbours, on a subsample."""
    value = cv2.max(cv2.max(rgb[::2, ::2, 0], rgb[::2, ::2, 1]), rgb[::2, ::2, 2])
    kernel = np.array([[0, -0.25, 0], [-0.25, 1, -0.25], [0, -0.25, 0]], np.float32)
    diff = cv2.filter2D(value.astype(np.float32), -1, kernel)
    return max(float(np.median(np.abs(diff))) * 1.4826 / 1.118, 1.0)


def _line_kernels(length: int, directions: int) -> list[np.ndarray]:
    kernels = []
    c = length // 2
    for step in range(directions):
        angle = np.pi * step / directions
        dx, dy = np.cos(angle) * c, np.sin(angle) * c
        kernel = np.zeros((length, length), np.uint8)
        start = (int(round(c - dx)), int(round(c - dy)))
        end = (int(round(c + dx)), int(round(c + dy)))
        cv2.line(kernel, start, end, 1, 1)
        kernels.append(kernel)
    return kernels


STRAIGHT_KERNELS = _line_kernels(25, 16)


@dataclass(frozen=True)
class _Limits:
    length: float  # px of skeleton
    score: float  # levels
    texture: float  # levels


def _straight_share(crop: np.ndarray) -> float:
    """The share of a candidate's pixels (uint8 0/1 crop) on straight 25-px runs."""
    padded = cv2.copyMakeBorder(crop, 13, 13, 13, 13, cv2.BORDER_CONSTANT)
    straight = np.zeros_like(padded)
    for kernel in STRAIGHT_KERNELS:
        straight |= cv2.morphologyEx(padded, cv2.MORPH_OPEN, kernel)
    return float(straight.sum()) / max(float(crop.sum()), 1.0)


def _texture_around(deep: np.ndarray, crop: np.ndarray, x: int, y: int, window: int) -> float:
    """Mean valley depth over a window around each of the candidate's pixels, the
    candidate itself (and 2 px around it) left out; averaged over its pixels."""
    h, w = crop.shape
    ya, xa = max(0, y - window // 2), max(0, x - window // 2)
    yb = min(deep.shape[0], y + h + window // 2)
    xb = min(deep.shape[1], x + w + window // 2)
    outside = np.ones((yb - ya, xb - xa), np.float32)
    outside[y - ya : y - ya + h, x - xa : x - xa + w] -= cv2.dilate(crop, np.ones((5, 5), np.uint8))
    around = cv2.blur(deep[ya:yb, xa:xb] * outside, (window, window))
    around /= np.maximum(cv2.blur(outside, (window, window)), 0.05)
    return float(around[y - ya : y - ya + h, x - xa : x - xa + w][crop > 0].mean())


def _crowding(skeleton: np.ndarray, window: int) -> float:
    """How much of a window around each of its pixels the candidate's skeleton fills, on
    average: one line crosses it once (1/window), a fork 1.5 times, writing (strokes side
    by side) several times."""
    padded = cv2.copyMakeBorder(skeleton, window, window, window, window, cv2.BORDER_CONSTANT)
    share = cv2.blur((padded > 0).astype(np.float32), (window, window))
    return float(share[padded > 0].mean())


def _is_crack(crop, score, deep, x, y, limits: _Limits, tuning: CrackTuning) -> bool:
    """The component tests, cheapest first."""
    inside = crop > 0
    if float(score[inside].mean()) < limits.score:
        return False
    ys, xs = np.nonzero(inside)
    cov = np.cov(np.stack([xs, ys]).astype(np.float64))
    if np.sqrt(max(np.linalg.eigvalsh(cov)[0], 0.0)) < tuning.min_spread:
        return False  # straight or a gentle arc: its pixels hug its main axis
    skeleton = cv2.ximgproc.thinning(crop * 255)
    if np.count_nonzero(skeleton) < limits.length:
        return False
    if _crowding(skeleton, tuning.crowd_window) > tuning.max_crowding:
        return False  # strokes packed side by side: writing, a pattern, not a crack
    if _texture_around(deep, crop, x, y, tuning.window) > limits.texture:
        return False
    return _straight_share(crop) <= tuning.max_straight


def find_cracks(
    rgb: np.ndarray,
    sensitivity: float = 0.5,
    min_size: int = 1,
    tuning: CrackTuning = CRACK_TUNING,
) -> np.ndarray:
    """The crack mask of one tile (uint8, 255 = crack), not yet grown."""
    score, deep = crack_score(rgb, tuning)
    grain = noise(rgb)
    factor = 2.0 ** ((0.5 - sensitivity) * 2.0)
    weak = (tuning.weak * grain + tuning.weak_floor) * factor
    strong = (tuning.strong * grain + tuning.strong_floor) * factor
    found = np.zeros(score.shape, np.uint8)
    seeds = (score > strong).view(np.uint8)
    if not seeds.any():
        return found
    mask = (score > weak).view(np.uint8)
    # only weak pixels near a strong one can join a crack: fewer pixels to label
    near = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * tuning.reach + 1,) * 2)
    mask &= cv2.dilate(seeds, near)
    joined = cv2.dilate(mask, np.ones((tuning.join, tuning.join), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    keep = np.zeros(count, bool)
    keep[labels[seeds > 0]] = True
    keep[0] = False
    # Cheap tests first: a skeleton of min_length needs as many pixels and a box of
    # about a third of that on its longer side.
    length = max(tuning.min_length, float(min_size))
    seeded = keep.copy()
    keep &= stats[:, 4] >= length
    keep &= np.maximum(stats[:, 2], stats[:, 3]) >= length / 3
    limits = _Limits(length, tuning.min_score * grain * factor, tuning.max_texture * grain)
    for label in np.nonzero(keep)[0]:
        x, y, w, h = stats[label, :4]
        crop = (labels[y : y + h, x : x + w] == label) & (mask[y : y + h, x : x + w] > 0)
        crop = crop.view(np.uint8)
        if _is_crack(crop, score[y : y + h, x : x + w], deep, x, y, limits, tuning):
            found[y : y + h, x : x + w][crop > 0] = 255
    if tuning.follow and found.any():
        # Pieces of the same crack that a gap cut off: seeded candidates of some length
        # within `follow` px of a crack found are part of it.
        reach = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * tuning.follow + 1,) * 2)
        close = np.zeros(count, bool)
        close[labels[(cv2.dilate(found, reach) > 0) & (mask > 0)]] = True
        pieces = close & seeded & (stats[:, 4] >= tuning.piece)
        found[pieces[labels] & (mask > 0)] = 255
    return found
