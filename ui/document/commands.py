"""Undo steps: each holds only the rectangle it changed (see `restorer.edits`)."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Protocol

import numpy as np
from PySide6.QtGui import QUndoCommand

from restorer.edits import MaskEdit, PixelEdit
from restorer.geometry import Box
from restorer.workflows.photo_state import PhotoState


class Document(Protocol):
    """What the commands write through (`ui.document.Document`)."""

    def write_mask(self, write: Callable[[np.ndarray], Box]) -> None: ...

    def write_pixels(
        self, write: Callable[[np.ndarray], Box], where: Box | None = None
    ) -> None: ...

    def write_repair_gradually(
        self, pixels: PixelEdit | None, mask: MaskEdit | None, undo: bool = False
    ) -> None: ...

    def image_edit_applied(self, serial: int, applied: bool) -> None: ...

    def swap_photo_state(self, state: PhotoState) -> PhotoState: ...


_serials = count(1)
HEAL_MERGE_ID = 19  # a stroke and the repair that heals it merge into one undo step


class MaskCommand(QUndoCommand):
    """A change of the mask: a brush or eraser stroke, clearing it, loading one from a file."""

    def __init__(self, document: Document, edit: MaskEdit, text: str) -> None:
        super().__init__(text)
        self._document = document
        self.edit = edit

    def redo(self) -> None:
        self._document.write_mask(self.edit.redo)

    def undo(self) -> None:
        self._document.write_mask(self.edit.undo)


class RepairCommand(QUndoCommand):
    """One repair: the new pixels, and the repaired area taken out of the mask."""

    def __init__(
        self,
        document: Document,
        pixels: PixelEdit | None,
        mask: MaskEdit | None,
        text: str,
        gradual: bool = False,
        heals: QUndoCommand | None = None,
    ) -> None:
        super().__init__(text)
        self._document = document
        self.pixels = pixels
        self.mask = mask
        self.serial = next(_serials)  # tells the document which edits are in effect
        self._gradual = gradual  # the first redo writes the pixels over a few event-loop turns
        self._done_once = False  # later redos always do
        # The brush stroke this repair heals (heal as you paint): pushed right after it,
        # the repair merges into the stroke's step, so a healed stroke is one History entry.
        self.heals = heals

    def id(self) -> int:  # noqa: A003 - Qt API
        return HEAL_MERGE_ID if self.heals is not None else -1

    def redo(self) -> None:
        # Undo and redo are written in bands over a few event-loop turns, as a repair's
        # first write is (a filter's first write is at once): the window never stalls
        # on a large rectangle, and whatever reads the photo next finishes the write.
        if self._gradual or self._done_once:
            self._document.write_repair_gradually(self.pixels, self.mask)
        else:
            if self.pixels is not None:
                self._document.write_pixels(self.pixels.redo, self.pixels.box)
            if self.mask is not None:
                self._document.write_mask(self.mask.redo)
        self._gradual = False
        self._done_once = True
        self._document.image_edit_applied(self.serial, True)

    def undo(self) -> None:
        self._document.write_repair_gradually(self.pixels, self.mask, undo=True)
        self._document.image_edit_applied(self.serial, False)


_photo_serials = count(1_000_000_000)  # apart from the rectangle edits' serials


class ReplacePhotoCommand(QUndoCommand):
    """Swap the document's whole photo (and mask) for another, and back."""

    def __init__(self, document: Document, state: PhotoState, text: str) -> None:
        super().__init__(text)
        self._document = document
        self._other = state  # the state not in the document now
        self.serial = next(_photo_serials)

    def _swap(self) -> None:
        self._other = self._document.swap_photo_state(self._other)

    def redo(self) -> None:
        self._swap()
        self._document.image_edit_applied(self.serial, True)

    def undo(self) -> None:
        self._swap()
        self._document.image_edit_applied(self.serial, False)
