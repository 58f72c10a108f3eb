"""The open photo: RGBA pixels, the repair mask, their zoom pyramids and the undo stack.

All changes go through here, so the canvas repaints exactly the changed rectangle
(`image_changed(box)`, `mask_changed(box)`) and every change is one undo step holding
only that rectangle. Jobs get the pixels without a copy (`share_pixels`): the next
change to the pixels while a job still reads them copies them first (copy-on-write),
so the GUI thread never waits and the job never sees a half-applied edit.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from restorer.brush import Point, Stroke
from restorer.edits import MaskEdit, PixelEdit
from restorer.geometry import Box
from restorer.jobs import PatchResult
from ui.commands import MaskCommand, RepairCommand
from ui.jobs import LoadedPhoto
from ui.photo_replace import PhotoState, ReplacePhotoCommand, prepare_photo

UNDO_LIMIT = 100


class Document(QObject):
    """One photo being repaired."""

    photo_replaced = Signal()  # the whole photo was swapped (its size may have changed)
    image_changed = Signal(object)  # Box of changed pixels
    mask_changed = Signal(object)  # Box of changed mask pixels
    pixels_replaced = Signal()  # the pixel array is a new object (after copy-on-write)
    modified_changed = Signal(bool)

    def __init__(self, loaded: LoadedPhoto, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path: Path = loaded.path
        self._untitled_name = loaded.untitled_name
        self.has_alpha = loaded.has_alpha
        self.exif = loaded.exif
        self.icc = loaded.icc
        self.source_format = loaded.format
        self.notes = list(loaded.notes)
        self._pixels = loaded.pixels
        self.mask = loaded.mask
        self.image_pyramid = loaded.image_pyramid
        self.mask_pyramid = loaded.mask_pyramid
        self.mask_bounds: Box | None = None  # holds every set mask pixel (maybe more)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        self._shares = 0
        self._applied: list[int] = []  # serials of the image edits now applied, oldest first
        self._saved: list[int] = []
        self._stroke: Stroke | None = None

    # -- what it is ----------------------------------------------------------
    @property
    def pixels(self) -> np.ndarray:
        """HxWx4 RGBA; read it, change it only through this class."""
        return self._pixels

    @property
    def height(self) -> int:
        return int(self._pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self._pixels.shape[1])

    @property
    def name(self) -> str:
        return self._untitled_name or self.path.name

    @property
    def untitled(self) -> bool:
        """True for an image made in the app that was never saved (`path` is a suggestion)."""
        return self._untitled_name is not None

    @property
    def is_modified(self) -> bool:
        """True when the pixels differ from the file last opened or saved (or there is none)."""
        return self.untitled or self._applied != self._saved

    def edit_state(self) -> tuple[int, ...]:
        """Which image edits are in effect now (to mark exactly this state as saved)."""
        return tuple(self._applied)

    def mark_saved(self, path: Path | None = None, state: tuple[int, ...] | None = None) -> None:
        """The file at `path` now holds `state` (default: the current pixels)."""
        if path is not None:
            self.path = Path(path)
            self._untitled_name = None
        self._saved = list(self._applied if state is None else state)
        self.modified_changed.emit(self.is_modified)

    # -- low level writes, used by the undo commands ---------------------------
    def _own_pixels(self) -> None:
        if self._shares > 0:
            self._pixels = self._pixels.copy()
            self._shares = 0
            self.image_pyramid.replace_base(self._pixels)
            self.pixels_replaced.emit()

    def write_pixels(self, write: Callable[[np.ndarray], Box]) -> None:
        """Apply `write(rgb_view) -> box` to the RGB channels and refresh that box."""
        self._own_pixels()
        box = write(self._pixels[..., :3])
        self.image_pyramid.update(box)
        self.image_changed.emit(box)

    def write_mask(self, write: Callable[[np.ndarray], Box]) -> None:
        """Apply `write(mask) -> box` to the mask and refresh that box."""
        box = write(self.mask)
        self._mask_written(box)

    def _mask_written(self, box: Box) -> None:
        self.mask_bounds = box if self.mask_bounds is None else self.mask_bounds.union(box)
        self.mask_pyramid.update(box)
        self.mask_changed.emit(box)

    def image_edit_applied(self, serial: int, applied: bool) -> None:
        """Track which image edits are in effect, for `is_modified`."""
        was = self.is_modified
        if applied:
            self._applied.append(serial)
        elif self._applied and self._applied[-1] == serial:
            self._applied.pop()
        if self.is_modified != was:
            self.modified_changed.emit(self.is_modified)

    # -- sharing with jobs ----------------------------------------------------
    def share_pixels(self) -> np.ndarray:
        """The pixel array for a job to read; call `release_pixels(array)` when it is done."""
        self._shares += 1
        return self._pixels

    def release_pixels(self, array: np.ndarray) -> None:
        if array is self._pixels and self._shares > 0:
            self._shares -= 1

    def pixels_unchanged_since(self, array: np.ndarray) -> bool:
        """True when no pixel was written since `array` was shared (it is still ours)."""
        return array is self._pixels

    # -- the mask ------------------------------------------------------------
    @property
    def stroking(self) -> bool:
        return self._stroke is not None

    def begin_stroke(self, point: Point, size: float, erase: bool = False) -> None:
        """Start a brush (or eraser) stroke with a dab at `point` (image pixels)."""
        if self._stroke is not None:
            self.end_stroke()
        self._stroke = Stroke(self.mask, size, 0 if erase else 1)
        self.stroke_to(point)

    def stroke_to(self, point: Point) -> None:
        if self._stroke is None:
            return
        box = self._stroke.line_to(point)
        if box is not None:
            self._mask_written(box)

    def end_stroke(self) -> None:
        """Finish the stroke: it becomes one undo step (if it changed anything)."""
        stroke, self._stroke = self._stroke, None
        if stroke is None:
            return
        edit = stroke.finish()
        if edit is not None:
            text = "Erase" if stroke.value == 0 else "Brush stroke"
            self.undo_stack.push(_AppliedMaskCommand(self, edit, text))

    def mask_is_empty(self) -> bool:
        if self.mask_bounds is None:
            return True
        return not self.mask[self.mask_bounds.slices].any()

    def mask_snapshot(self) -> np.ndarray:
        """A bool copy of the mask, for a job (copies only the part that can be set)."""
        snapshot = np.zeros(self.mask.shape, bool)  # lazily zeroed pages: cheap
        if self.mask_bounds is not None:
            box = self.mask_bounds
            snapshot[box.slices] = self.mask[box.slices].view(bool)
        return snapshot

    def clear_mask(self) -> bool:
        """Clear the whole mask as one undo step; False when it was already empty."""
        self.end_stroke()
        if self.mask_bounds is None:
            return False
        box = self.mask_bounds
        region = self.mask[box.slices]
        edit = MaskEdit.from_arrays(box, region, np.zeros_like(region))
        if edit is None:
            return False
        self.undo_stack.push(MaskCommand(self, edit, "Clear mask"))
        return True

    def replace_mask(self, mask: np.ndarray, text: str = "Load mask") -> bool:
        """Replace the mask (HxW, non-zero = repair) as one undo step."""
        self.end_stroke()
        new = np.asarray(mask).astype(bool)
        if new.shape != self.mask.shape:
            raise ValueError(f"mask shape {new.shape} is not the image's {self.mask.shape}")
        edit = MaskEdit.from_arrays(Box(0, 0, self.height, self.width), self.mask, new)
        if edit is None:
            return False
        self.undo_stack.push(MaskCommand(self, edit, text))
        return True

    # -- repairs -------------------------------------------------------------
    def apply_repair(
        self,
        patch: PatchResult,
        job_mask: np.ndarray,
        snapshot: np.ndarray | None = None,
        pixel_edit: PixelEdit | None = None,
        engine_label: str | None = None,
    ) -> bool:
        """Apply an engine's result as one undo step; the repaired area leaves the mask.

        Only pixels under `job_mask` (the mask the job was given) change. `pixel_edit`,
        computed by the job against `snapshot`, is used as is when nothing was written
        since; otherwise the edit is computed again against the current pixels.
        """
        self.end_stroke()
        box = Box(*patch.box)
        hole = job_mask[box.slices]
        if snapshot is None or not self.pixels_unchanged_since(snapshot):
            current = self._pixels[box.slices][..., :3]
            after = current.copy()
            after[hole] = patch.pixels[hole]
            pixel_edit = PixelEdit.from_arrays(box, current, after)
        mask_now = self.mask[box.slices]
        mask_edit = MaskEdit.from_arrays(box, mask_now, np.where(hole, 0, mask_now))
        if pixel_edit is None and mask_edit is None:
            return False
        label = engine_label or patch.engine_id
        text = f"Repair ({label})" if label else "Repair"
        self.undo_stack.push(RepairCommand(self, pixel_edit, mask_edit, text))
        return True

    # -- filters and the whole photo -----------------------------------------
    def apply_patch(
        self,
        patch: PatchResult,
        job_mask: np.ndarray | None,
        snapshot: np.ndarray | None = None,
        pixel_edit: PixelEdit | None = None,
        text: str = "Filter",
    ) -> bool:
        """Apply a filter's new pixels as one undo step; the mask stays (a selection).

        Only pixels under `job_mask` (None: the whole patch) change. `pixel_edit`, made
        by the job against `snapshot`, is used when nothing was written since. A result
        for a photo of another size (replaced since the job started) is dropped: False.
        """
        self.end_stroke()
        if snapshot is not None and snapshot.shape[:2] != (self.height, self.width):
            return False
        box = Box(*patch.box)
        if snapshot is None or not self.pixels_unchanged_since(snapshot):
            current = self._pixels[box.slices][..., :3]
            after = patch.pixels.copy()
            if job_mask is not None:
                hole = job_mask[box.slices] != 0
                after = current.copy()
                after[hole] = patch.pixels[hole]
            pixel_edit = PixelEdit.from_arrays(box, current, after)
        if pixel_edit is None:
            return False
        self.undo_stack.push(RepairCommand(self, pixel_edit, None, text))
        return True

    def replace_photo(
        self,
        image: np.ndarray | PhotoState,
        mask: np.ndarray | None = None,
        text: str = "Replace photo",
    ) -> None:
        """Replace the whole photo (its size may change) as one undo step.

        `image` is HxWx3/HxWx4 uint8, or a `PhotoState` a job prepared; `mask` (HxW,
        same size) becomes the mask, None clears it. Undo restores the previous photo
        and mask exactly.
        """
        self.end_stroke()
        state = image
        if not isinstance(state, PhotoState):
            state = prepare_photo(state, mask, self.mask_pyramid.gain)
        self.undo_stack.push(ReplacePhotoCommand(self, state, text))

    def swap_photo_state(self, state: PhotoState) -> PhotoState:
        """Put `state` in place of the current photo and mask; return the previous ones."""
        self.end_stroke()
        previous = PhotoState(
            self._pixels,
            self.mask,
            self.image_pyramid,
            self.mask_pyramid,
            self.mask_bounds,
            self._shares,
        )
        self._pixels = state.pixels
        self.mask = state.mask
        self.image_pyramid = state.image_pyramid
        self.mask_pyramid = state.mask_pyramid
        self.mask_bounds = state.mask_bounds
        self._shares = state.shares
        self.pixels_replaced.emit()
        self.photo_replaced.emit()
        return previous

    # -- undo ----------------------------------------------------------------
    def undo(self) -> None:
        self.end_stroke()
        self.undo_stack.undo()

    def redo(self) -> None:
        self.end_stroke()
        self.undo_stack.redo()


class _AppliedMaskCommand(MaskCommand):
    """A stroke's command: the stroke is already on the mask when it is pushed."""

    def __init__(self, document: Document, edit: MaskEdit, text: str) -> None:
        super().__init__(document, edit, text)
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        super().redo()
