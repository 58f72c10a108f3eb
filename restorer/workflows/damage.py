"""The job behind Mask → Find Damage: find damage on a snapshot of the photo.

Plain Python (no Qt). Besides the mask it prepares the preview overlay (the found pixels
in the finder's colour, clear elsewhere) so the GUI thread only wraps it in a QImage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from restorer.damage import DamageSettings, detect_damage
from restorer.geometry import Box
from restorer.jobs import Job
from restorer.progress import Progress

FOUND_COLOUR = (0, 220, 255, 190)  # cyan: not the mask's own colour


@dataclass
class FoundDamage:
    """What a search found: the coverage mask, and its overlay over `box`."""

    settings: DamageSettings
    mask: np.ndarray  # HxW uint8, 255 = damaged
    box: Box | None  # where the found pixels are; None when nothing was found
    overlay: np.ndarray | None  # box-sized HxWx4 RGBA

    @property
    def pixels(self) -> int:
        return int(np.count_nonzero(self.mask))


@dataclass
class FindDamageJob(Job):
    """Run `detect_damage` on an RGBA snapshot (optionally only inside `region`)."""

    pixels: np.ndarray  # HxWx4 snapshot
    settings: DamageSettings
    region: np.ndarray | None = None  # HxW bool
    title: str = "Finding damage"

    def run(self, progress: Progress) -> FoundDamage:
        rgb = np.ascontiguousarray(self.pixels[..., :3])
        s = self.settings
        mask = detect_damage(
            rgb,
            kinds=s.kinds,
            sensitivity=s.sensitivity,
            min_size=s.min_size,
            max_size=s.max_size,
            grow=s.grow,
            progress=progress,
            region=self.region,
        )
        rows = np.flatnonzero(mask.any(axis=1))
        if rows.size == 0:
            return FoundDamage(s, mask, None, None)
        cols = np.flatnonzero(mask.any(axis=0))
        box = Box(int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1)
        overlay = np.zeros((box.height, box.width, 4), np.uint8)
        overlay[mask[box.slices] > 0] = FOUND_COLOUR
        return FoundDamage(s, mask, box, overlay)


def added_to_mask(
    current: np.ndarray, found: np.ndarray, region: np.ndarray | None = None
) -> np.ndarray:
    """The document mask after Add to Mask: the found damage added to it. With a search
    region (the brushed area), the region is replaced by what was found in it."""
    result = current.copy()
    if region is not None:
        result[region] = 0
    np.maximum(result, found, out=result)
    return result
