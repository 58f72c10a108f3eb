"""Spots and stains: soft blotches up to ~40 px, dark, bright or coloured (often warm).

A stain is a partly transparent layer over the photo: inside it every pixel is pulled
towards one colour, so it differs from what surrounds it in lightness, in colour or both,
by about the same amount all over, and it ends softly. How one tile is searched:

1. **Reduced resolution.** The tile is shrunk by `SCALE` (area average): a 12-40 px stain
   becomes a 3-10 px blob and the grain averages away, which is what makes faint stains
   stand out; the rest costs ~1/16 of full resolution.
2. **Background.** A median over a window about 1.5x `max_size` (lightness at 1/4, colour
   at 1/8 resolution) is what the photo would be without any blot that small; the
   residual (photo minus background, smoothed a little) is measured in Lab levels, chroma
   weighted 1.5x. A second pass uses the chroma alone: on a grey or busy picture a
   coloured stain stands out in colour where the picture's texture is mostly lightness.
3. **Blobs.** A blob is what lies over a low threshold and over half of the highest
   residual near it (so a stain on texture is cut out of it, not joined to it), and must
   reach a high threshold somewhere.
4. **Blob tests** (texture and picture structure are told from stains here): compact,
   between `min_size` and `max_size` long; not part of a larger structure (the blob at
   half the thresholds is not much longer: edges and shadows run on); a mean residual
   well above that of the ring around it (grass, gravel, foliage leave residuals in the
   ring too); no part of the ring in the blob's own colour (the corner of a dark shape
   is the shape going on); few alike blobs within ~100 px (text, gravel, rivets); and a
   colour that is a blend of its surround with a warm or neutral stain colour.
   `sensitivity` scales the thresholds, the contrast and the ring test.
5. **Outline at full resolution**: where the photo differs from the upsampled background
   by a share of the blob's peak, so the mask covers the soft edge of the stain.

Constants were chosen on the tuning half of benchmarks/damage_detection.py (generators A
and B). Qt-free; works on one tile with its margin (`detect.detect_tile`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

SCALE = 4  # the tile is searched at 1/SCALE resolution


@dataclass(frozen=True)
class SpotTuning:
    """Constants chosen on the tuning half of benchmarks/damage_detection.py (A and B)."""

    chroma_pass: bool = True
    chroma_weak: float = 4.0
    chroma_strong: float = 8.0
    chroma_mean: float = 10.0
    chroma_weight: float = 1.5  # a and b count this much more than lightness
    smooth: float = 1.0  # Gaussian sigma of the residual, reduced pixels
    half: float = 0.5  # a blob is what lies over this share of the highest residual near it
    local: float = 0.5  # 'near': within this share of max_size
    weak: float = 6.0  # low threshold, Lab levels (8-bit scale)
    strong: float = 12.0  # a blob must reach this somewhere
    blob_mean: float = 15.0  # ... and this on average (its magnitude, chroma weighted)
    min_extent: int = 12  # px at full resolution: smaller blots are dust
    min_fill: float = 0.45  # of its box
    max_aspect: float = 2.5
    grown: float = 3.2  # the blob at half the thresholds may be this much longer
    ring_ratio: float = 0.12  # mean residual in the ring around it / in the blob, at most
    crowd: int = 3  # at most this many other blobs within ~100 px (text, gravel, rivets)
    alike: float = 0.6  # a ring pixel this near the blob's colour (share of its contrast) ...
    ring_alike: float = 0.1  # ... may be at most this share of the ring
    stain_fit: float = 0.3  # blob colour off a blend of surround and stain colour, at most
    edge_level: float = 0.3  # outline: where the residual exceeds this share of the peak
    edge_floor: float = 6.0  # ... and at least these many Lab levels


# The colours a stain may pull towards (RGB): warm browns and yellows or neutral, dark to mid.
STAIN_LOW = np.array([40.0, 25.0, 10.0])
STAIN_HIGH = np.array([170.0, 130.0, 100.0])


TUNING = SpotTuning()


def _odd(n: float) -> int:
    return max(3, int(n) | 1)


def spot_residual(rgb: np.ndarray, max_size: int, tuning: SpotTuning = TUNING):
    """Reduced Lab tile, its background and the residual magnitude (float32, Lab levels)."""
    height, width = rgb.shape[:2]
    size = (max(1, width // SCALE), max(1, height // SCALE))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2Lab)
    # Lightness at 1/SCALE; colour, smoother in photos, at half that (a third of the cost).
    background = np.empty_like(lab)
    background[:, :, 0] = cv2.medianBlur(lab[:, :, 0], _odd(1.5 * max_size / SCALE + 2))
    half = cv2.resize(lab, (max(1, size[0] // 2), max(1, size[1] // 2)),
                      interpolation=cv2.INTER_AREA)  # fmt: skip
    half = cv2.medianBlur(half, _odd(0.75 * max_size / SCALE + 1))
    background[:, :, 1:] = cv2.resize(half, size, interpolation=cv2.INTER_LINEAR)[:, :, 1:]
    diff = lab.astype(np.float32) - background.astype(np.float32)
    if tuning.smooth > 0:  # a blot is coherent over its area; grain and texture average away
        diff = cv2.GaussianBlur(diff, (0, 0), tuning.smooth)
    w = tuning.chroma_weight
    magnitude = np.sqrt(diff[:, :, 0] ** 2 + w * w * (diff[:, :, 1] ** 2 + diff[:, :, 2] ** 2))
    return small, lab, background, diff, magnitude


def find_spots(rgb: np.ndarray, settings, tuning: SpotTuning = TUNING) -> np.ndarray:
    """Mask (uint8, 255 = stain) of the spots and stains on one tile, at its resolution."""
    height, width = rgb.shape[:2]
    found = np.zeros((height, width), np.uint8)
    if min(height, width) < 4 * SCALE:
        return found
    small, lab, background, diff, magnitude = spot_residual(rgb, settings.max_size, tuning)
    factor = 2.0 ** ((0.5 - settings.sensitivity) * 2.0)
    context = (small, lab, background, diff)
    keep, labels = _blobs(magnitude, factor, settings, tuning, context)
    chosen = keep[labels]
    if tuning.chroma_pass:
        # Colour alone: on a grey or busy picture a coloured stain stands out in chroma,
        # where the picture's texture is mostly lightness.
        chroma = tuning.chroma_weight * np.sqrt(diff[:, :, 1] ** 2 + diff[:, :, 2] ** 2)
        colour_tuning = replace(
            tuning, weak=tuning.chroma_weak, strong=tuning.chroma_strong,
            blob_mean=tuning.chroma_mean,
        )  # fmt: skip
        keep, labels = _blobs(chroma, factor, settings, colour_tuning, context)
        chosen |= keep[labels]
    if not chosen.any():
        return found
    return _outline(chosen, rgb, background, tuning)


def blob_features(score, magnitude, weak, strong, settings, tuning=TUNING, context=None):
    """Components of `score > weak` holding a pixel over `strong`: labels and a feature
    table (one row per label; row 0 is the background)."""
    # A blob is what lies over half of the highest residual near it: a stain on texture
    # is cut out of it rather than joined to it.
    reach = _odd(settings.max_size / SCALE * tuning.local + 1)
    local = cv2.dilate(score, np.ones((reach, reach), np.uint8))
    mask = ((score > weak) & (score >= local * tuning.half)).view(np.uint8)
    count, labels, stats, centres = cv2.connectedComponentsWithStats(mask, connectivity=8)
    features = {}
    if count <= 1:
        return labels, stats, features
    strong_one = np.bincount(labels[score > strong], minlength=count) > 0
    w, h = stats[:, 2].astype(np.float64), stats[:, 3].astype(np.float64)
    area = stats[:, 4].astype(np.float64)
    # The same blob at half the low threshold: a blot stays about as big, a piece of a
    # larger structure (an edge, a shadow) runs on.
    loose = ((score > tuning.weak * 0.5) & (score >= local * tuning.half * 0.5)).view(np.uint8)
    _, loose_labels, loose_stats, _ = cv2.connectedComponentsWithStats(loose, connectivity=8)
    inside = labels > 0
    index = labels[inside]
    outer = np.zeros(count, np.int64)
    outer[index] = loose_labels[inside]
    loose_extent = np.maximum(loose_stats[outer, 2], loose_stats[outer, 3]).astype(np.float64)
    blob_mean = np.bincount(index, magnitude[inside], count) / np.maximum(area, 1)
    # Ring: from 1 to ~1 blob radius outside the blob.
    reach = 3
    spread = cv2.dilate(labels.astype(np.uint16 if count < 65536 else np.float32),
                        np.ones((2 * reach + 1,) * 2, np.uint8))  # fmt: skip
    near = cv2.dilate(inside.view(np.uint8), np.ones((3, 3), np.uint8)) > 0
    ring = (spread > 0) & ~near
    ring_index = spread[ring].astype(np.int64)
    ring_count = np.bincount(ring_index, minlength=count)
    ring_mean = np.bincount(ring_index, magnitude[ring], count) / np.maximum(ring_count, 1)
    ring_sq = np.bincount(ring_index, magnitude[ring] ** 2, count) / np.maximum(ring_count, 1)
    ring_busy = np.bincount(ring_index, (score[ring] > weak * 0.5).astype(np.float64), count)
    ring_busy = ring_busy / np.maximum(ring_count, 1)
    fill = area / np.maximum(w * h, 1)
    features = {
        "extent": np.maximum(w, h) * SCALE,
        "aspect": np.maximum(w, h) / np.maximum(np.minimum(w, h), 1),
        "fill": fill,
        "strong": strong_one,
        "loose_ratio": loose_extent / np.maximum(np.maximum(w, h), 1),
        "ring_ratio": ring_mean / np.maximum(blob_mean, 1e-3),
        "ring_rms": np.sqrt(ring_sq) / np.maximum(blob_mean, 1e-3),
        "ring_busy": ring_busy,
        "blob_mean": blob_mean,
    }
    # Crowding: how many other blob-like candidates lie within ~100 px (text, gravel).
    cx, cy = centres[:, 0], centres[:, 1]
    for name, like in (
        ("crowd", strong_one),
        ("crowd_alike", strong_one & (fill >= 0.45) & (features["ring_ratio"] <= 0.3)),
    ):
        like = like & (np.arange(count) > 0)
        rows = np.nonzero(strong_one)[0]  # only these can be kept
        close = np.abs(cx[rows, None] - cx[like][None]) < 24
        close &= np.abs(cy[rows, None] - cy[like][None]) < 24
        features[name] = np.zeros(count)
        features[name][rows] = close.sum(1) - like[rows]
    if context is not None:
        small, lab, background, diff = context
        # Picture structure (a corner of a dark shape): part of the ring has the blob's
        # own colour, where a stain's ring has the colour under it.
        weights = np.float32([1.0, tuning.chroma_weight, tuning.chroma_weight])
        lab_w = lab.astype(np.float32) * weights
        back_w = background.astype(np.float32) * weights
        mean_in = np.stack([np.bincount(index, lab_w[:, :, c][inside], count) for c in range(3)], 1)
        mean_in /= np.maximum(area, 1)[:, None]
        back_in = np.stack(
            [np.bincount(index, back_w[:, :, c][inside], count) for c in range(3)], 1
        )
        back_in /= np.maximum(area, 1)[:, None]
        contrast = np.linalg.norm(mean_in - back_in, axis=1)
        distance = np.linalg.norm(lab_w[ring] - mean_in[ring_index], axis=1)
        alike = distance < tuning.alike * contrast[ring_index]
        features["ring_alike"] = np.bincount(ring_index, alike, count) / np.maximum(ring_count, 1)
        rgb_in = (
            np.stack(
                [
                    np.bincount(index, small[:, :, c][inside].astype(np.float64), count)
                    for c in range(3)
                ],
                1,
            )
            / np.maximum(area, 1)[:, None]
        )
        rgb_out = (
            np.stack(
                [
                    np.bincount(ring_index, small[:, :, c][ring].astype(np.float64), count)
                    for c in range(3)
                ],
                1,
            )
            / np.maximum(ring_count, 1)[:, None]
        )
        for c in range(3):
            features[f"in{c}"] = rgb_in[:, c]
            features[f"out{c}"] = rgb_out[:, c]
        for c in range(3):
            features[f"d{c}"] = np.bincount(
                index, diff[:, :, c][inside].astype(np.float64), count
            ) / np.maximum(area, 1)
        features["stain_fit"] = stain_fit(rgb_in, rgb_out)
    return labels, stats, features


def stain_fit(inside: np.ndarray, around: np.ndarray) -> np.ndarray:
    """How far (relative to the change) each blob's mean colour `inside` (Nx3 RGB) is from
    the nearest blend of the colour `around` it with a stain colour (STAIN_LOW..HIGH, red
    >= green >= blue) at some opacity: 0 when it looks like a stain."""
    change = inside - around
    best = np.full(len(inside), np.inf)
    for alpha in np.linspace(0.15, 0.95, 17):
        colour = np.clip(around + change / alpha, STAIN_LOW, STAIN_HIGH)
        colour[:, 1] = np.minimum(colour[:, 1], colour[:, 0])
        colour[:, 2] = np.minimum(colour[:, 2], colour[:, 1])
        error = np.linalg.norm(around + alpha * (colour - around) - inside, axis=1)
        best = np.minimum(best, error)
    return best / (np.linalg.norm(change, axis=1) + 1e-3)


def _blobs(magnitude, factor, settings, tuning, context):
    weak, strong = tuning.weak * factor, tuning.strong * factor
    labels, _, f = blob_features(magnitude, magnitude, weak, strong, settings, tuning, context)
    if not f:
        return np.zeros(1, bool), labels
    low = max(settings.min_size, tuning.min_extent)
    keep = f["strong"] & (f["extent"] >= low) & (f["extent"] <= settings.max_size)
    keep &= (f["fill"] >= tuning.min_fill) & (f["aspect"] <= tuning.max_aspect)
    # Sensitivity scales the contrast a blob needs and how clear of its ring it must be.
    factor = weak / tuning.weak
    keep &= f["loose_ratio"] <= tuning.grown
    keep &= f["ring_ratio"] <= tuning.ring_ratio / factor
    keep &= (f["crowd_alike"] <= tuning.crowd) & (f["blob_mean"] >= tuning.blob_mean * factor)
    keep &= (f["stain_fit"] <= tuning.stain_fit) & (f["ring_alike"] <= tuning.ring_alike)
    keep[0] = False
    return keep, labels


def _outline(chosen, rgb, background, tuning):
    """Kept blobs at full resolution: where the photo differs from the upsampled background
    by a share of the blob's peak, near the blob, so the mask covers the soft edge."""
    height, width = rgb.shape[:2]
    found = np.zeros((height, width), np.uint8)
    chosen = cv2.dilate(chosen.view(np.uint8), np.ones((3, 3), np.uint8))
    count, parts, stats, _ = cv2.connectedComponentsWithStats(chosen, connectivity=8)
    w = tuning.chroma_weight
    for i in range(1, count):
        x, y, bw, bh = stats[i, :4]
        fx0, fy0 = x * SCALE, y * SCALE
        fx1, fy1 = min(width, (x + bw) * SCALE), min(height, (y + bh) * SCALE)
        if fx1 <= fx0 or fy1 <= fy0:
            continue
        lab = cv2.cvtColor(rgb[fy0:fy1, fx0:fx1], cv2.COLOR_RGB2Lab).astype(np.float32)
        size = (bw * SCALE, bh * SCALE)
        back = cv2.resize(background[y : y + bh, x : x + bw], size, interpolation=cv2.INTER_LINEAR)
        diff = cv2.GaussianBlur(
            lab - back[: fy1 - fy0, : fx1 - fx0].astype(np.float32), (0, 0), 1.0
        )
        magnitude = np.sqrt(diff[:, :, 0] ** 2 + w * w * (diff[:, :, 1] ** 2 + diff[:, :, 2] ** 2))
        near = cv2.resize((parts[y : y + bh, x : x + bw] == i).view(np.uint8), size,
                          interpolation=cv2.INTER_NEAREST)[: fy1 - fy0, : fx1 - fx0]  # fmt: skip
        peak = float(magnitude[near > 0].max()) if near.any() else 0.0
        level = max(peak * tuning.edge_level, tuning.edge_floor)
        found[fy0:fy1, fx0:fx1] |= np.where((near > 0) & (magnitude > level), 255, 0).astype(
            np.uint8
        )
    return found
