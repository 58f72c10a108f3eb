"""Jobs that give the document a new photo or new pixels: restore filters, Extend canvas.

Plain Python (no Qt widgets): everything heavy — the model, the blend, the undo record,
the zoom pyramids of a photo that changed size — is done here on the worker thread, so
the GUI thread only pushes the undo step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from restorer.edits import PixelEdit
from restorer.filters import FilterJob, FilterRun, ImageResult
from restorer.generate.extend import Borders, ExtendJob
from restorer.geometry import Box
from restorer.jobs import Job, PatchResult
from restorer.progress import Progress
from restorer.workflows.jobs import RepairOutcome
from restorer.workflows.photo_state import PhotoState, prepare_photo, resize_mask


def under_mask(before: np.ndarray, pixels: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """A filter's new `pixels` where `mask` (same box) is set, `before` elsewhere; with no
    mask, the new pixels everywhere. A filter's mask is a selection: no blending."""
    if mask is None:
        return pixels.copy()
    after = before.copy()
    hole = mask != 0
    after[hole] = pixels[hole]
    return after


@dataclass
class NewPhoto:
    """A whole new photo for `Document.replace_photo`, prepared on the worker."""

    state: PhotoState
    device: str
    seconds: float
    detail: str = ""
    run: FilterRun | None = None  # how a filter's model actually ran


def _resized_alpha(alpha: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    import cv2

    height, width = size
    return cv2.resize(alpha, (width, height), interpolation=cv2.INTER_CUBIC)


@dataclass
class DocumentFilterJob(Job):
    """Run a restore filter on the document: whole photo, or only its masked area.

    Same size: a `RepairOutcome` (patch + undo record) applied like a repair. A larger
    photo (super-resolution): a `NewPhoto`, the mask scaled with it.
    """

    pixels: np.ndarray  # HxWx4 snapshot
    model_id: str
    device: str = "auto"
    mask: np.ndarray | None = None  # HxW, non-zero: only here; None: the whole photo
    has_alpha: bool = False
    mask_gain: int = 255  # the document's `mask_pyramid.gain`
    title: str = field(default="Filtering")

    def run(self, progress: Progress) -> RepairOutcome | NewPhoto | None:
        rgb = np.ascontiguousarray(self.pixels[..., :3])
        job = FilterJob(rgb, self.model_id, self.device, self.mask)
        result = job.run(progress.span(0.0, 0.9))
        if result is None:
            return None
        if isinstance(result, ImageResult):
            return self._new_photo(result, progress)
        return RepairOutcome(result, self._edit(rgb, result))

    def _edit(self, rgb: np.ndarray, patch: PatchResult) -> PixelEdit | None:
        box = Box(*patch.box)
        before = rgb[box.slices]
        mask = None if self.mask is None else self.mask[box.slices]
        return PixelEdit.from_arrays(box, before, under_mask(before, patch.pixels, mask))

    def _new_photo(self, result: ImageResult, progress: Progress) -> NewPhoto:
        progress.update(0.9, "Preparing the larger photo")
        size = result.pixels.shape[:2]
        pixels = result.pixels
        if self.has_alpha:
            pixels = np.dstack([pixels, _resized_alpha(self.pixels[..., 3], size)])
        mask = None if self.mask is None else resize_mask(self.mask, size)
        state = prepare_photo(pixels, mask, self.mask_gain)
        progress.update(1.0)
        height, width = size
        return NewPhoto(state, result.device, result.seconds, f"{width} × {height} px", result.run)


@dataclass
class DocumentExtendJob(Job):
    """Extend the document's canvas (see `restorer.generate.extend`); the mask moves along."""

    pixels: np.ndarray  # HxWx4 snapshot
    mask: np.ndarray  # HxW snapshot (`Document.mask_snapshot`)
    borders: Borders
    engine_id: str | None = None
    device: str = "auto"
    has_alpha: bool = False
    mask_gain: int = 255  # the document's `mask_pyramid.gain`
    title: str = field(default="Extending the canvas")

    def run(self, progress: Progress) -> NewPhoto:
        rgb = np.ascontiguousarray(self.pixels[..., :3])
        job = ExtendJob(rgb, self.borders, self.engine_id, self.device)
        result = job.run(progress.span(0.0, 0.9))
        progress.update(0.9, "Preparing the larger photo")
        b = self.borders
        height, width = self.mask.shape
        new_height, new_width = result.pixels.shape[:2]
        mask = np.zeros((new_height, new_width), self.mask.dtype)  # values kept as they are
        mask[b.top : b.top + height, b.left : b.left + width] = self.mask
        pixels = result.pixels
        if self.has_alpha:
            alpha = np.full((new_height, new_width), 255, np.uint8)
            alpha[b.top : b.top + height, b.left : b.left + width] = self.pixels[..., 3]
            pixels = np.dstack([pixels, alpha])
        state = prepare_photo(pixels, mask, self.mask_gain)
        progress.update(1.0)
        return NewPhoto(state, result.device, result.seconds, f"{new_width} × {new_height} px")
