"""Apply a tone curve (`restorer.tone`) to the document: a job like a restore filter.

The whole photo, or only the masked area when a mask is painted (the mask is a
selection and stays). The new pixels and their undo record are made on the worker;
the window pushes one undo step (`Document.apply_patch`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from restorer.edits import PixelEdit
from restorer.geometry import Box, bounding_box
from restorer.jobs import Job, PatchResult
from restorer.progress import Progress
from restorer.tone import ToneCurve, apply_under
from restorer.workflows.jobs import RepairOutcome


@dataclass
class DocumentToneJob(Job):
    """Apply `curve` to the photo (under `mask` when given)."""

    pixels: np.ndarray  # HxWx4 snapshot
    curve: ToneCurve
    mask: np.ndarray | None = None  # HxW, non-zero: only here; None: the whole photo
    title: str = field(default="Adjusting tone")

    def run(self, progress: Progress) -> RepairOutcome | None:
        started = time.perf_counter()
        height, width = self.pixels.shape[:2]
        box = Box(0, 0, height, width) if self.mask is None else bounding_box(self.mask)
        if box is None or self.curve.is_identity:
            return None
        progress.update(0.0, self.title)
        before = np.ascontiguousarray(self.pixels[box.slices][..., :3])
        mask = None if self.mask is None else self.mask[box.slices]
        after = apply_under(before, self.curve, mask)
        progress.check()
        progress.update(0.7, "Preparing the undo step")
        edit = PixelEdit.from_arrays(box, before, after)
        patch = PatchResult(tuple(box), after, "tone", "cpu", time.perf_counter() - started)
        progress.update(1.0)
        return RepairOutcome(patch, edit)
