"""Tone and colour for faded prints: levels, auto levels / contrast, white balance, fade
restoration.

Every adjustment here is a per-channel curve: a `ToneCurve` (3 x 256 uint8, one lookup
table per channel R, G, B). The statistics that choose a curve are measured on a small
copy of the photo (a dialog's preview), so the preview and the full-size result use
the very same curve; applying it to 24 megapixels is one table lookup per pixel. An
optional `where` (HxW bool, same size as the measured image) restricts the measuring
to a selection, so a masked area is corrected by its own statistics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

IDENTITY = np.arange(256, dtype=np.float64)


@dataclass(frozen=True)
class ToneCurve:
    """One lookup table per channel: `table[c, v]` is the new value of value v in channel c."""

    table: np.ndarray  # 3 x 256 uint8

    @classmethod
    def identity(cls) -> ToneCurve:
        return cls(np.tile(np.arange(256, dtype=np.uint8), (3, 1)))

    @classmethod
    def from_float(cls, curves: np.ndarray) -> ToneCurve:
        """From 3 x 256 floats in 0..255 (rounded and clipped)."""
        return cls(np.clip(np.rint(curves), 0, 255).astype(np.uint8))

    @property
    def is_identity(self) -> bool:
        return bool(np.array_equal(self.table, ToneCurve.identity().table))

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        """The curve applied to the first three channels of `rgb` (HxWx3 or HxWx4 uint8)."""
        import cv2

        colour = np.ascontiguousarray(rgb[..., :3])
        lut = np.ascontiguousarray(self.table.T.reshape(1, 256, 3))
        return cv2.LUT(colour, lut)

    def blend(self, strength: float) -> ToneCurve:
        """This curve mixed with the identity: 0 changes nothing, 1 is the whole curve."""
        strength = min(1.0, max(0.0, strength))
        mixed = IDENTITY[None, :] * (1 - strength) + self.table.astype(np.float64) * strength
        return ToneCurve.from_float(mixed)


def levels_curve(
    black: tuple[float, float, float] | float = 0,
    white: tuple[float, float, float] | float = 255,
    gamma: tuple[float, float, float] | float = 1.0,
) -> ToneCurve:
    """Levels: `black` maps to 0, `white` to 255, the midtones bent by `gamma` (>1
    brightens). Each may be one value for all channels or one per channel."""
    blacks = np.broadcast_to(np.asarray(black, np.float64), (3,))
    whites = np.broadcast_to(np.asarray(white, np.float64), (3,))
    gammas = np.broadcast_to(np.asarray(gamma, np.float64), (3,))
    curves = np.empty((3, 256))
    for channel in range(3):
        low, high = blacks[channel], max(whites[channel], blacks[channel] + 1)
        scaled = np.clip((IDENTITY - low) / (high - low), 0, 1)
        curves[channel] = 255 * scaled ** (1 / max(gammas[channel], 1e-3))
    return ToneCurve.from_float(curves)


def _samples(rgb: np.ndarray, where: np.ndarray | None) -> np.ndarray:
    """N x 3 pixel values to measure: the selection's, or all (when none is selected)."""
    colour = rgb[..., :3].reshape(-1, 3)
    if where is not None:
        chosen = np.asarray(where, bool).reshape(-1)
        if chosen.any():
            colour = colour[chosen]
    return colour


def _percentile(values: np.ndarray, percent: float) -> float:
    """The value below which `percent` % of `values` (uint8) lie, from a histogram."""
    counts = np.bincount(values.ravel(), minlength=256).astype(np.float64)
    cumulative = np.cumsum(counts) / max(counts.sum(), 1)
    return float(np.searchsorted(cumulative, percent / 100, side="left"))


def channel_range(
    rgb: np.ndarray, clip: float = 0.5, where: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per channel, the values with `clip` % of the pixels darker / brighter: (lows, highs)."""
    samples = _samples(rgb, where)
    lows = np.array([_percentile(samples[:, c], clip) for c in range(3)])
    highs = np.array([_percentile(samples[:, c], 100 - clip) for c in range(3)])
    return lows, highs


def auto_levels(
    rgb: np.ndarray, clip: float = 0.5, where: np.ndarray | None = None, per_channel: bool = True
) -> ToneCurve:
    """Stretch the values so the darkest `clip` % become black and the brightest white.

    `per_channel` stretches each channel by itself (Auto Levels: also removes an even
    colour cast); otherwise one stretch for all three (Auto Contrast: colours kept).
    """
    lows, highs = channel_range(rgb, clip, where)
    if not per_channel:
        lows = np.full(3, lows.min())
        highs = np.full(3, highs.max())
    highs = np.maximum(highs, lows + 1)
    return levels_curve(tuple(lows), tuple(highs))


def grey_world_gains(rgb: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    """Per-channel gains that make the photo's average colour neutral (grey world)."""
    samples = _samples(rgb, where).astype(np.float64)
    means = np.maximum(samples.mean(axis=0), 1.0)
    return means.mean() / means


def picked_gains(rgb: np.ndarray, x: float, y: float, radius: int = 2) -> np.ndarray:
    """Per-channel gains that make the colour around pixel (x, y) neutral grey (its
    brightness kept)."""
    height, width = rgb.shape[:2]
    col = int(min(max(round(x), 0), width - 1))
    row = int(min(max(round(y), 0), height - 1))
    patch = rgb[
        max(0, row - radius) : row + radius + 1, max(0, col - radius) : col + radius + 1, :3
    ]
    means = np.maximum(patch.reshape(-1, 3).astype(np.float64).mean(axis=0), 1.0)
    return means.mean() / means


def gains_curve(gains: np.ndarray) -> ToneCurve:
    """Multiply each channel by its gain (white balance)."""
    gains = np.asarray(gains, np.float64).reshape(3, 1)
    return ToneCurve.from_float(IDENTITY[None, :] * gains)


def fade_restoration(
    rgb: np.ndarray, clip: float = 1.0, strength: float = 1.0, where: np.ndarray | None = None
) -> ToneCurve:
    """Undo dye fading: stretch each channel to the full range (its own black and white
    points, `clip` % clipped), then bend each channel's midtones so their medians meet
    (faded prints lose one dye faster than the others: a cast strongest in the mids).
    `strength` mixes the result with the photo as it is."""
    samples = _samples(rgb, where)
    lows, highs = channel_range(rgb, clip, where)
    highs = np.maximum(highs, lows + 1)
    stretched = levels_curve(tuple(lows), tuple(highs))
    medians = np.array(
        [stretched.table[c][int(_percentile(samples[:, c], 50))] for c in range(3)], np.float64
    )
    medians = np.clip(medians, 8, 247) / 255
    target = float(np.exp(np.log(medians).mean()))  # the channels meet at their mean
    gammas = np.log(medians) / np.log(target)  # median ** (1 / gamma) == target
    curves = np.empty((3, 256))
    for channel in range(3):
        scaled = stretched.table[channel].astype(np.float64) / 255
        curves[channel] = 255 * scaled ** (1 / gammas[channel])
    return ToneCurve.from_float(curves).blend(strength)


def apply_under(rgb: np.ndarray, curve: ToneCurve, mask: np.ndarray | None) -> np.ndarray:
    """The curve applied where `mask` (HxW) is set, the photo as it is elsewhere; with no
    mask, everywhere (a filter's mask is a selection, as for the Filters menu)."""
    after = curve.apply(rgb)
    if mask is None:
        return after
    before = np.ascontiguousarray(rgb[..., :3])
    return np.where((np.asarray(mask) != 0)[..., None], after, before)
