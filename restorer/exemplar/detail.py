"""Finishing an exemplar fill: a faithful low band and detail as strong as around it.

Copied patches get fine texture right but can get the broad shading wrong (a patch of
darker grass deep in a hole), while a diffusion fill gets broad shading about right and
has no texture at all. `blend_low_band` moves the fill's low frequencies part of the way
towards a diffusion fill (the two guesses err independently, so their mean errs less)
and leaves its fine detail alone.

Voting averages overlapping patches, so a fill is usually a little softer than the
photo around it. `match_detail` splits the result into a Laplacian pyramid and scales
each band inside the hole so that its local energy matches the energy of the same band
in the known pixels nearby (the band statistics that texture models such as Heeger and
Bergen's match), boosting only, and by at most `max_gain`.
"""

from __future__ import annotations

import cv2
import numpy as np

from restorer.blend import local_mean
from restorer.geometry import bounding_box


def diffusion_guess(
    image: np.ndarray, hole: np.ndarray, method: int = cv2.INPAINT_NS, radius: int = 1
):
    """A diffusion fill (OpenCV's `method`: Navier-Stokes or Telea) of `hole` in `image`
    (HxWx3 uint8), worked out on the hole's box and a few pixels round it.

    `radius` is OpenCV's neighbourhood: 1, the nearest pixels only, follows the
    surroundings more closely than wider ones (in `benchmarks/inpaint_quality.py`,
    finishing with radius 1 instead of 3 gained 0.12 dB inside the hole) and costs a
    third as much."""
    out = image.copy()
    box = bounding_box(hole)
    if box is None:
        return out
    window = box.pad(8).clip(*hole.shape).slices
    out[window] = cv2.inpaint(
        np.ascontiguousarray(image[window]), hole[window].astype(np.uint8), radius, method
    )
    return out


def fsr_guess(image: np.ndarray, hole: np.ndarray, scale: int = 2) -> np.ndarray:
    """OpenCV's Frequency Selective Reconstruction (`cv2.xphoto.inpaint`, FSR_FAST;
    Genser et al. 2018) of `hole` in `image` (HxWx3 uint8), worked out at 1/`scale`
    of the size on the hole's box and a margin round it, and enlarged again: known
    pixels are `image`'s. FSR models each block as a sparse sum of Fourier functions
    fitted to its known pixels, so it continues broad shading and edges into the hole
    more faithfully than diffusion, but slowly and blurred: at a reduced size it costs
    ~scale^2 less and still gives the hole's low band."""
    out = image.copy()
    box = bounding_box(hole)
    if box is None:
        return out
    window = box.pad(16 * scale).clip(*hole.shape).slices
    part = np.ascontiguousarray(image[window])
    part_hole = hole[window].astype(np.float32)
    height, width = part_hole.shape
    size = (max(1, round(width / scale)), max(1, round(height / scale)))
    small = cv2.resize(part, size, interpolation=cv2.INTER_AREA)
    small_hole = cv2.resize(part_hole, size, interpolation=cv2.INTER_AREA) > 0
    if small_hole.all():
        return diffusion_guess(image, hole)
    valid = np.where(small_hole, 0, 255).astype(np.uint8)  # xphoto: non-zero = known
    filled = np.zeros_like(small)
    cv2.xphoto.inpaint(small, valid, filled, cv2.xphoto.INPAINT_FSR_FAST)
    filled = np.where(small_hole[:, :, None], filled, small)
    up = cv2.resize(filled, (width, height), interpolation=cv2.INTER_LINEAR)
    inside = hole[window]
    out[window][inside] = up[inside]
    return out


def blend_low_band(
    fill: np.ndarray,
    guess: np.ndarray,
    hole: np.ndarray,
    sigma: float,
    share: float,
    *,
    max_chroma: float | None = None,
) -> np.ndarray:
    """`fill` (HxWx3 float, 0-255) with `share` of the difference to `guess` below the
    scale `sigma` (px) added inside `hole`. The difference is averaged over hole pixels
    only (normalised Gaussian), so thin strokes get the full share too. Only the hole's
    box (plus the blur's reach) is worked on.

    `max_chroma` caps the difference's colour part (its distance from grey, in levels)
    before the share is taken; its grey part is kept whole. Where the fill and the guess
    are different materials (a brown table copied where diffusion spread a silver
    spoon), mixing their colours would make a hue that is in neither (lavender)."""
    box = bounding_box(hole)
    if share <= 0 or box is None:
        return fill
    window = box.pad(int(4 * sigma) + 2).clip(*hole.shape).slices
    weight = hole[window].astype(np.float32)
    spread = local_mean(guess[window].astype(np.float32) - fill[window], weight, sigma)
    inside = hole[window]
    shift = spread[inside]  # n x 3: only the hole's pixels change
    if max_chroma is not None:
        grey = shift.mean(axis=1, keepdims=True)
        chroma = shift - grey
        size = np.sqrt(np.square(chroma).sum(axis=1, keepdims=True))
        shift = grey + chroma * np.minimum(1.0, max_chroma / np.maximum(size, 1e-6))
    out = fill.copy()
    out[window][inside] += shift * share
    return out


def match_detail(
    fill: np.ndarray,
    hole: np.ndarray,
    *,
    levels: int = 3,
    sigma: float = 8.0,
    max_gain: float = 1.5,
) -> np.ndarray:
    """`fill` (HxWx3 float, 0-255) with each of its first `levels` Laplacian bands
    scaled inside `hole` towards the band's local energy in the known pixels nearby
    (Gaussian windows of `sigma` px at each band's own scale); gains lie in
    [1, max_gain]. Only the hole's box (plus the windows' reach) is worked on."""
    box = bounding_box(hole)
    if box is None or levels < 1 or max_gain <= 1.0:
        return fill
    reach = int(3 * sigma * 2 ** (levels - 1)) + 2  # the widest window, at full size
    window = box.pad(reach).clip(*hole.shape).slices
    part = np.ascontiguousarray(fill[window], dtype=np.float32)
    part_hole = hole[window].astype(np.float32)
    bands, low = _laplacian(part, levels)
    inside_full = part_hole
    for index, band in enumerate(bands):
        size = (band.shape[1], band.shape[0])
        inside = (
            inside_full
            if index == 0
            else cv2.resize(inside_full, size, interpolation=cv2.INTER_AREA)
        )
        inside = (inside > 0).astype(np.float32)
        known = (cv2.dilate(inside, np.ones((3, 3), np.uint8)) == 0).astype(np.float32)
        # Summed plane by plane: numpy's sum over the last axis is ~20x slower here.
        energy = sum(np.square(band[:, :, plane]) for plane in range(band.shape[2]))
        around = local_mean(energy, known, sigma)
        own = local_mean(energy, inside, sigma)
        gain = np.sqrt(around / np.maximum(own, 1e-4))
        gain = np.where(inside > 0, np.clip(gain, 1.0, max_gain), 1.0).astype(np.float32)
        bands[index] = band * gain[:, :, None]
    rebuilt = _collapse(bands, low)
    out = fill.copy()
    region = out[window]
    mask = part_hole > 0
    region[mask] = rebuilt[mask]
    return out


def _laplacian(image: np.ndarray, levels: int) -> tuple[list[np.ndarray], np.ndarray]:
    bands = []
    for _ in range(levels):
        if min(image.shape[:2]) < 2:
            break
        smaller = cv2.pyrDown(image).reshape(-1, (image.shape[1] + 1) // 2, image.shape[2])
        up = cv2.pyrUp(smaller, dstsize=(image.shape[1], image.shape[0]))
        bands.append(image - up.reshape(image.shape))
        image = smaller
    return bands, image


def _collapse(bands: list[np.ndarray], low: np.ndarray) -> np.ndarray:
    image = low
    for band in reversed(bands):
        up = cv2.pyrUp(image, dstsize=(band.shape[1], band.shape[0]))
        image = up.reshape(band.shape) + band
    return image
