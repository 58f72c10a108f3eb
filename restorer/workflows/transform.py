"""Rotate, flip, crop, resize and straighten a document: a job that prepares the new photo.

The photo (RGBA) and its coverage mask go through the same `restorer.transform` change
on the worker, and the zoom pyramids of the new size are built there too
(`prepare_photo`), so the window only swaps the photo in as one undo step.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from restorer.jobs import Job
from restorer.progress import Progress
from restorer.transform import Transform, transform_photo
from restorer.workflows.filters import NewPhoto
from restorer.workflows.photo_state import prepare_photo


@dataclass
class DocumentTransformJob(Job):
    """Apply one geometric change to the document's photo and mask."""

    pixels: np.ndarray  # HxWx4 snapshot
    mask: np.ndarray  # HxW coverage snapshot
    change: Transform
    mask_gain: int = 255  # the document's `mask_pyramid.gain`
    title: str = field(default="Transforming the photo")
    cancellable: bool = False

    def run(self, progress: Progress) -> NewPhoto:
        started = time.perf_counter()
        progress.update(0.0, self.change.text())
        pixels, mask = transform_photo(self.pixels, self.mask, self.change)
        progress.update(0.6, "Preparing the new photo")
        state = prepare_photo(pixels, mask, self.mask_gain)
        progress.update(1.0)
        height, width = state.size
        return NewPhoto(state, "cpu", time.perf_counter() - started, f"{width} × {height} px")
