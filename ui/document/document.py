"""The open photo: RGBA pixels, the repair mask, their zoom pyramids and the undo stack.

All changes go through here, so the canvas repaints exactly the changed rectangle
(`image_changed(box)`, `mask_changed(box)`) and every change is one undo step holding
only that rectangle. The mask is coverage, 0 (keep) to 255 (repair), so a soft brush
gives a soft repair edge. Jobs get the pixels and the mask without a copy
(`share_pixels`, `share_mask`): the next change to them while a job still reads them
copies them first (copy-on-write), so the GUI thread never waits and the job never
sees a half-applied edit. A large repair is written in bands of rows over a few
event-loop turns, so the window never freezes; reading `pixels` or `mask` finishes it.
Before pixels are first written, their original tiles are kept (`original`), for the
before/after views.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from restorer.brush import Point, Stroke
from restorer.edits import MaskEdit, PixelEdit
from restorer.geometry import Box
from restorer.jobs import PatchResult
from restorer.maskops import blend_by_coverage, grow, shrink
from restorer.memory import release_free_memory_soon
from restorer.original import OriginalTiles
from restorer.pyramid import Pyramid
from restorer.workflows.filters import under_mask
from restorer.workflows.jobs import LoadedPhoto, RepairJob, RepairOutcome
from restorer.workflows.photo_state import PhotoState, prepare_photo
from ui.document.commands import (
    HEAL_MERGE_ID,
    MaskCommand,
    RepairCommand,
    ReplacePhotoCommand,
)

UNDO_LIMIT = 100
GRADUAL_ROWS = 32  # rows of a large repair written per step
GRADUAL_BUDGET_S = 0.008  # GUI-thread time per event-loop turn for writing a repair


class Document(QObject):
    """One photo being repaired."""

    photo_replaced = Signal()  # the whole photo was swapped (its size may have changed)
    image_changed = Signal(object)  # Box of changed pixels
    mask_changed = Signal(object)  # Box of changed mask pixels
    pixels_replaced = Signal()  # the pixel array is a new object (after copy-on-write)
    modified_changed = Signal(bool)
    stroke_finished = Signal(object, bool)  # Box the stroke changed, erased?

    def __init__(self, loaded: LoadedPhoto, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path: Path = loaded.path
        self._untitled_name = loaded.untitled_name
        self.has_alpha = loaded.has_alpha
        self.exif = loaded.exif
        self.icc = loaded.icc
        self.source_format = loaded.format
        self.deep_source = loaded.deep_source  # a 16-bit original: Save writes 16 bits
        self.notes = list(loaded.notes)
        self._pixels = loaded.pixels
        self._mask = loaded.mask
        self.image_pyramid = loaded.image_pyramid
        self.mask_pyramid = loaded.mask_pyramid
        if self.mask_pyramid.gain != 1:  # the mask holds coverage: average it as it is
            self.mask_pyramid = Pyramid(self._mask)
        self._original = OriginalTiles(self.height, self.width)
        self.mask_version = 0  # counts mask writes: a job's mask edit is valid while equal
        # Repairs being written (or undone) in steps: (pixel edit, mask edit, next row,
        # changed pixels of the pixel edit before that row, undoing?).
        self._gradual: list[tuple[PixelEdit | None, MaskEdit | None, int, int, bool]] = []
        self._gradual_timer = QTimer(self)
        self._gradual_timer.setSingleShot(True)
        self._gradual_timer.timeout.connect(self._write_some)
        # Holds every set mask pixel (maybe more); a restored mask may have some already.
        self.mask_bounds: Box | None = loaded.mask_bounds
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        self._shares = 0
        self._stoppers: list[Callable[[], None]] = []
        self._mask_shares = 0
        self._applied: list[int] = []  # serials of the image edits now applied, oldest first
        # A restored crash session matches no file: no edit state equals "saved".
        self._saved: list[int] = [0] if loaded.recovered else []
        self._stroke: Stroke | None = None
        self.last_stroke: MaskCommand | None = None  # the undo step of the last stroke
        self._deferred: list[Callable[[], object]] = []  # repairs waiting for a stroke's end
        self._paint_finish: Callable[[], None] | None = None  # a retouching stroke's end
        self._replaying = False  # applying what waited for a stroke's end

    # -- what it is ----------------------------------------------------------
    @property
    def pixels(self) -> np.ndarray:
        """HxWx4 RGBA; read it, change it only through this class."""
        self.flush()
        return self._pixels

    @property
    def original(self) -> OriginalTiles:
        """The original photo's tiles that were written over since (for compare views).

        A photo replaced by one of another size starts afresh.
        """
        if (self._original.height, self._original.width) != (self.height, self.width):
            self._original = OriginalTiles(self.height, self.width)
        return self._original

    @property
    def mask(self) -> np.ndarray:
        """HxW uint8 coverage (0 keep .. 255 repair); change it only through this class."""
        self.flush()
        return self._mask

    @mask.setter
    def mask(self, mask: np.ndarray) -> None:
        """Swap in another mask array (whole-photo replacement); no undo step by itself."""
        self.flush()
        self._mask = mask
        self._mask_shares = 0
        self.mask_version += 1  # edits jobs prepared against the old mask are void

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
    def _stop_readers(self) -> None:
        """Readers that can stop (an autosave) do so and give their share back."""
        stoppers, self._stoppers = self._stoppers, []
        for stop in stoppers:
            stop()

    def _own_pixels(self) -> None:
        if self._shares > 0:
            self._stop_readers()
        if self._shares > 0:
            self._pixels = self._pixels.copy()
            self._shares = 0
            self.image_pyramid.replace_base(self._pixels)
            self.pixels_replaced.emit()

    def _own_mask(self) -> None:
        """Copy the mask before writing it while a job still reads it (copy-on-write)."""
        if self._mask_shares > 0:
            self._mask = self._mask.copy()
            self._mask_shares = 0
            self.mask_pyramid.replace_base(self._mask)
            self.pixels_replaced.emit()

    def write_repair_gradually(
        self, pixels: PixelEdit | None, mask: MaskEdit | None, undo: bool = False
    ) -> None:
        """Apply a repair's edits (their old values with `undo`) in bands of rows over
        the next event-loop turns: a large repair (and its undo, its redo, and the
        repaint of what changed) would otherwise hold the GUI thread for a tenth of a
        second or more. Anything that reads or writes the photo next finishes it first
        (`flush`), so what it sees is exact."""
        self.flush()
        self._own_pixels()
        boxes = [edit.box for edit in (pixels, mask) if edit is not None]
        if not boxes:
            return
        top = min(box.top for box in boxes)
        self._gradual.append((pixels, mask, top, 0, undo))
        self._gradual_timer.start(0)

    def _write_some(self, budget_s: float = GRADUAL_BUDGET_S) -> None:
        started = time.perf_counter()
        while self._gradual:
            pixels, mask, row, offset, undo = self._gradual[0]
            end = row + GRADUAL_ROWS
            bottom = max(edit.box.bottom for edit in (pixels, mask) if edit is not None)
            if pixels is not None and row < pixels.box.bottom and end > pixels.box.top:
                start = max(row, pixels.box.top)
                stop = min(end, pixels.box.bottom)
                self.original.keep(
                    self._pixels, Box(start, pixels.box.left, stop, pixels.box.right)
                )
                write_pixels = pixels.undo_rows if undo else pixels.redo_rows
                band, offset = write_pixels(self._pixels[..., :3], start, stop, offset)
                self.image_pyramid.update(band)
                self.image_changed.emit(band)
            if mask is not None and row < mask.box.bottom and end > mask.box.top:
                self._own_mask()
                write_mask = mask.undo_rows if undo else mask.redo_rows
                self._mask_written(write_mask(self._mask, row, end))
            if end >= bottom:
                self._gradual.pop(0)
            else:
                self._gradual[0] = (pixels, mask, end, offset, undo)
            if budget_s and time.perf_counter() - started > budget_s:
                break
        if self._gradual:
            self._gradual_timer.start(0)
        elif budget_s:
            # The repair's temporaries are freed: give the memory back (off this thread).
            QTimer.singleShot(0, release_free_memory_soon)

    @property
    def writing(self) -> bool:
        """True while a repair is still being written in steps."""
        return bool(self._gradual)

    def flush(self) -> None:
        """Finish any gradual write now (before anything else reads or writes pixels)."""
        if self._gradual:
            self._gradual_timer.stop()
            self._write_some(budget_s=0)

    def write_pixels(self, write: Callable[[np.ndarray], Box], where: Box | None = None) -> None:
        """Apply `write(rgb_view) -> box` to the RGB channels and refresh that box.

        `where` is the box the write stays within; the original pixels there are kept
        first, for comparing before and after (the whole photo when not given).
        """
        self.flush()
        self._own_pixels()
        self.original.keep(self._pixels, where or Box(0, 0, self.height, self.width))
        box = write(self._pixels[..., :3])
        self.image_pyramid.update(box)
        self.image_changed.emit(box)

    def write_mask(self, write: Callable[[np.ndarray], Box]) -> None:
        """Apply `write(mask) -> box` to the mask and refresh that box."""
        self.flush()
        self._own_mask()
        box = write(self._mask)
        self._mask_written(box)

    def _mask_written(self, box: Box) -> None:
        self.mask_version += 1
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
    def share_pixels(self, stop: Callable[[], None] | None = None) -> np.ndarray:
        """The pixel array for a job to read; call `release_pixels(array)` when it is done.

        A reader that can stop early passes `stop`: before the next write, `stop()` is
        called instead of copying the photo, and must release the share at once.
        """
        self.flush()
        self._shares += 1
        if stop is not None:
            self._stoppers.append(stop)
        return self._pixels

    def release_pixels(self, array: np.ndarray, stop: Callable[[], None] | None = None) -> None:
        if stop is not None and stop in self._stoppers:
            self._stoppers.remove(stop)
        if array is self._pixels and self._shares > 0:
            self._shares -= 1

    def share_mask(self) -> np.ndarray:
        """The coverage mask for a job to read without a copy; `release_mask` when done.

        The next write to the mask while it is shared copies it first.
        """
        self.flush()
        self._mask_shares += 1
        return self._mask

    def release_mask(self, array: np.ndarray) -> None:
        if array is self._mask and self._mask_shares > 0:
            self._mask_shares -= 1

    def pixels_unchanged_since(self, array: np.ndarray) -> bool:
        """True when no pixel was written since `array` was shared (it is still ours)."""
        return array is self._pixels

    # -- the mask ------------------------------------------------------------
    @property
    def stroking(self) -> bool:
        """True while a mask stroke or a retouching tool's stroke (`begin_paint`) is drawn."""
        return self._stroke is not None or self._paint_finish is not None

    def begin_paint(self, finish: Callable[[], None]) -> None:
        """A retouching tool starts a stroke that paints into the photo.

        Until `end_paint`, the document counts as stroking: repair results wait for the
        stroke's end (`after_stroke`), and anything else that changes the document (undo,
        redo, a filter, another photo) calls `end_stroke`, which ends this stroke first
        through `finish()` (the tool records its undo step there).
        """
        self.end_stroke()
        self._paint_finish = finish

    def end_paint(self) -> None:
        """End the retouching stroke (calls its `finish`), then apply what waited for it."""
        finish, self._paint_finish = self._paint_finish, None
        if finish is None:
            return
        finish()
        self._run_deferred()

    def after_stroke(self, apply: Callable[[], object]) -> None:
        """Call `apply` now, or at the end of the stroke being drawn."""
        if self.stroking:
            self._deferred.append(apply)
        else:
            apply()

    def _run_deferred(self) -> None:
        deferred, self._deferred = self._deferred, []
        replaying, self._replaying = self._replaying, True
        try:
            for apply in deferred:
                apply()
        finally:
            self._replaying = replaying

    def begin_stroke(
        self, point: Point, size: float, erase: bool = False, hardness: float = 1.0
    ) -> None:
        """Start a brush (or eraser) stroke with a dab at `point` (image pixels)."""
        if self._stroke is not None:
            self.end_stroke()
        self.flush()  # a repair still being written must not overwrite the new stroke
        self._own_mask()
        self._stroke = Stroke(self._mask, size, 0 if erase else 255, hardness)
        self.stroke_to(point)

    def stroke_to(self, point: Point) -> None:
        if self._stroke is None:
            return
        box = self._stroke.line_to(point)
        if box is not None:
            self._mask_written(box)

    def end_stroke(self) -> Box | None:
        """Finish the stroke: it becomes one undo step. Returns the box it changed.

        A retouching tool's stroke (`begin_paint`) is ended too: it returns None then.
        """
        self.end_paint()
        stroke, self._stroke = self._stroke, None
        if stroke is None:
            return None
        edit = stroke.finish()
        self.last_stroke = None
        if edit is not None:
            text = "Erase" if stroke.value == 0 else "Brush stroke"
            self.last_stroke = _AppliedMaskCommand(self, edit, text)
            self.undo_stack.push(self.last_stroke)
        # Repairs that finished during the stroke, before anything reacts to the stroke.
        self._run_deferred()
        if edit is None:
            return None
        self.stroke_finished.emit(edit.box, stroke.value == 0)
        return edit.box

    def mask_is_empty(self) -> bool:
        self.flush()
        if self.mask_bounds is None:
            return True
        return not self._mask[self.mask_bounds.slices].any()

    def mask_snapshot(self, within: Box | None = None) -> np.ndarray:
        """A copy of the coverage mask for a job (only the part that can be set is copied).

        With `within`, only the mask inside that box (e.g. one stroke's area).
        """
        self.flush()
        snapshot = np.zeros(self._mask.shape, np.uint8)  # lazily zeroed pages: cheap
        box = self.mask_bounds
        if box is not None and within is not None:
            box = box.intersect(within)
        if box is not None and not box.is_empty:
            snapshot[box.slices] = self._mask[box.slices]
        return snapshot

    def change_mask_edge(self, pixels: int) -> bool:
        """Grow (pixels > 0) or shrink (< 0) the mask as one undo step."""
        self.end_stroke()
        if pixels == 0 or self.mask_is_empty():
            return False
        change = grow if pixels > 0 else shrink
        result = change(self._mask, abs(pixels), self.mask_bounds)
        if result is None:
            return False
        box, values = result
        edit = MaskEdit.from_arrays(box, self._mask[box.slices], values)
        if edit is None:
            return False
        verb = "Grow" if pixels > 0 else "Shrink"
        self.undo_stack.push(MaskCommand(self, edit, f"{verb} mask by {abs(pixels)} px"))
        return True

    def clear_mask(self) -> bool:
        """Clear the whole mask as one undo step; False when it was already empty."""
        self.end_stroke()
        if self.mask_bounds is None:
            return False
        box = self.mask_bounds
        region = self._mask[box.slices]
        edit = MaskEdit.from_arrays(box, region, np.zeros_like(region))
        if edit is None:
            return False
        self.undo_stack.push(MaskCommand(self, edit, "Clear mask"))
        return True

    def replace_mask(self, mask: np.ndarray, text: str = "Load mask") -> bool:
        """Replace the mask (HxW bool, or uint8 coverage) as one undo step."""
        self.end_stroke()
        new = np.asarray(mask)
        new = new if new.dtype == np.uint8 else new.astype(bool)
        if new.shape != self._mask.shape:
            raise ValueError(f"mask shape {new.shape} is not the image's {self._mask.shape}")
        edit = MaskEdit.from_arrays(Box(0, 0, self.height, self.width), self._mask, new)
        if edit is None:
            return False
        self.undo_stack.push(MaskCommand(self, edit, text))
        return True

    # -- repairs -------------------------------------------------------------
    def repair_job(
        self,
        engine_id: str,
        device: str,
        *,
        engine_label: str | None = None,
        within: Box | None = None,
        context: int = 0,
        title: str = "Repairing",
        grow: int = 0,
    ) -> RepairJob:
        """A job repairing the mask (only inside `within`, if given) with one engine.

        The job reads the pixels and the mask without a copy; `release_job(job)` gives
        them back. With `within`, the engine sees that box padded by `context` pixels
        (heal as you paint), not the whole photo. `grow`: pixels the repair area grows
        past the mask (edge-aware, `restorer.grow_area`). A stroke in progress ends first.
        """
        self.end_stroke()
        if within is None:
            mask = self.share_mask()  # copied only if the mask is written meanwhile
            crop = None
        else:
            mask = self.mask_snapshot(within=within)
            crop = within.pad(context).clip(self.height, self.width)
        return RepairJob(
            self.share_pixels(),
            mask,
            engine_id,
            device,
            title=title,
            crop=crop,
            kept=frozenset(self.original.tiles),
            mask_version=self.mask_version,
            engine_label=engine_label,
            grow=grow,
        )

    def release_job(self, job: RepairJob) -> None:
        """The job ended: it no longer reads the pixels and the mask it was given."""
        self.release_pixels(job.pixels)
        self.release_mask(job.mask)

    def apply_outcome(
        self, job: RepairJob, outcome: RepairOutcome | None, heals: MaskCommand | None = None
    ) -> bool:
        """Apply a repair job's result as one undo step; the repaired area leaves the mask.

        Only pixels under the job's mask change, in proportion to its coverage. The
        job's undo record is used as is when nothing was written since it started;
        otherwise it is made again against the current pixels (and mask). A result for
        a photo of another size (replaced meanwhile) is dropped: False. The pixels are
        written over the next few event-loop turns (`flush` finishes it); a result that
        arrives while a stroke is drawn waits for the stroke's end. `heals`: the stroke
        this repair heals; when its step is the last one, the two become one step.
        """
        if outcome is None or job.mask.shape != (self.height, self.width):
            return False
        if self.stroking:
            self._deferred.append(lambda: self.apply_outcome(job, outcome, heals))
            return True
        self.flush()
        patch = outcome.patch
        snapshot = job.pixels
        box = Box(*patch.box)
        coverage = job.mask[box.slices] if outcome.coverage is None else outcome.coverage
        # A result that waited for a stroke is blended into the current pixels: its job
        # gave its share back meanwhile, so a retouching stroke may have written the
        # same array in place (the array being the same object proves nothing then).
        unchanged = not self._replaying and self.pixels_unchanged_since(snapshot)
        pixel_edit, mask_edit = outcome.edit, outcome.mask_edit
        if unchanged and outcome.tiles:
            self.original.adopt(outcome.tiles)  # copied by the job: no copying here
        if not unchanged:
            current = self._pixels[box.slices][..., :3]
            after = blend_by_coverage(current, patch.pixels, coverage)
            pixel_edit = PixelEdit.from_arrays(box, current, after)
        if mask_edit is None or job.mask_version != self.mask_version:
            mask_now = self._mask[box.slices]
            mask_edit = MaskEdit.from_arrays(box, mask_now, np.where(coverage > 0, 0, mask_now))
        if pixel_edit is None and mask_edit is None:
            return False
        label = job.engine_label or patch.engine_id
        text = f"Repair ({label})" if label else "Repair"
        repair = RepairCommand(self, pixel_edit, mask_edit, text, gradual=True, heals=heals)
        if heals is not None and self._heal_in_place(heals, repair):
            return True
        self.undo_stack.push(repair)
        return True

    def _heal_in_place(self, stroke: MaskCommand, repair: RepairCommand) -> bool:
        """Join a heal to its stroke's step when only unhealed strokes came after it.

        Strokes finished while earlier heals ran wait in a queue: by the time a heal
        lands, later strokes sit above its stroke in the undo stack. Mask-only steps
        above it touch no pixels, so the heal can join its stroke's step where it is:
        each healed stroke stays one History entry. False: push the repair as usual.
        """
        stack = self.undo_stack
        top = stack.index()
        if not isinstance(stroke, _AppliedMaskCommand) or stroke.healed is not None:
            return False
        position = next((i for i in range(top) if stack.command(i) is stroke), None)
        if position is None or position == top - 1:
            return False  # undone, dropped, or on top (there it merges when pushed)
        for index in range(position + 1, top):
            later = stack.command(index)
            if not isinstance(later, MaskCommand) or getattr(later, "healed", None) is not None:
                return False
        stroke.join(repair)
        stack.indexChanged.emit(top)  # the History panel and Undo's text show the new name
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
            hole = None if job_mask is None else job_mask[box.slices]
            pixel_edit = PixelEdit.from_arrays(
                box, current, under_mask(current, patch.pixels, hole)
            )
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
        self._stop_readers()
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
    """A stroke's command: the stroke is already on the mask when it is pushed.

    The repair that heals it (heal as you paint), pushed next, merges into it: one step
    that undoes the repair and the stroke together.
    """

    def __init__(self, document: Document, edit: MaskEdit, text: str) -> None:
        super().__init__(document, edit, text)
        self._first = True
        self.healed: RepairCommand | None = None

    def id(self) -> int:  # noqa: A003 - Qt API
        return HEAL_MERGE_ID

    def mergeWith(self, other) -> bool:  # noqa: N802 - Qt API
        if self.healed is not None or getattr(other, "heals", None) is not self:
            return False
        # Keep the repair's edits (not the command: Qt deletes a merged command).
        self.healed = RepairCommand(self._document, other.pixels, other.mask, other.text())
        self.healed.serial = other.serial
        self.setText(other.text().replace("Repair", "Heal", 1))
        return True

    def join(self, repair: RepairCommand) -> None:
        """Apply `repair` now as part of this (already applied) step: one step, renamed."""
        repair.redo()
        self.healed = repair
        self.setText(repair.text().replace("Repair", "Heal", 1))

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        super().redo()
        if self.healed is not None:
            self.healed.redo()

    def undo(self) -> None:
        if self.healed is not None:
            self.healed.undo()
        super().undo()
