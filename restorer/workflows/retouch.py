"""The healing brush's finishing blend as a job, for strokes too large to blend at once.

The window paints a fast preview while the stroke is drawn; for a large stroke, the
membrane blend (`restorer.retouch.heal_blend`) of its box runs on the worker from
copies of the box, and comes back with the stroke's new undo record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from restorer.edits import PixelEdit
from restorer.geometry import Box
from restorer.jobs import Job
from restorer.progress import Progress
from restorer.retouch import heal_blend


@dataclass
class HealResult:
    """The finished pixels of `box` and the stroke's undo record (start to finished)."""

    box: Box
    pixels: np.ndarray
    edit: PixelEdit | None


@dataclass
class HealBlendJob(Job):
    """Blend one healing stroke: `before` (the destination at the stroke's start),
    `source` and `coverage` over `box`, all copies."""

    box: Box
    before: np.ndarray
    source: np.ndarray
    coverage: np.ndarray
    title: str = field(default="Healing")

    def run(self, progress: Progress) -> HealResult | None:
        progress.update(0.0, "Matching the tone")
        healed = heal_blend(self.before, self.source, self.coverage)
        if healed is None:
            return None
        progress.update(1.0)
        return HealResult(self.box, healed, PixelEdit.from_arrays(self.box, self.before, healed))
