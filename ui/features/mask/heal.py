"""Heal as you paint: each finished brush stroke is repaired at once, by itself.

With the mode on, a stroke's end hands a repair of that stroke's area (the mask inside
the stroke's rectangle) to the worker with the chosen engine and device. Strokes
finished while a heal runs wait in a queue and go one after another, each against the
photo as the previous heal left it; the photo and mask stay editable meanwhile. A
stroke and its heal are one undo step ("Heal (engine)"): a heal that lands right after
its stroke merges into the stroke's step, and one whose stroke waited in the queue joins
that stroke's step where it is in the History (only other strokes came after it).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from restorer.errors import RestorerError
from restorer.geometry import Box
from restorer.workflows.jobs import RepairOutcome
from ui.core import dialogs

CONTEXT_MIN = 96  # pixels of surroundings the engine sees around a stroke, at least
CONTEXT_FACTOR = 2  # ...or this many times the stroke's size

if TYPE_CHECKING:
    from ui.document import Document
    from ui.shell import Shell


class HealController(QObject):
    """Turns finished strokes into repair jobs while heal mode is on."""

    healed = Signal(object)  # Box repaired
    enabled_changed = Signal(bool)

    def __init__(self, shell: Shell) -> None:
        super().__init__(shell.widget())
        self.shell = shell
        self._enabled = False
        self._queue: list[tuple[Box, object]] = []  # (stroke's box, its undo step)
        self._running: int | None = None
        self._document: Document | None = None

    @property
    def enabled(self) -> bool:
        return self._enabled

    def set_enabled(self, enabled: bool) -> None:
        if enabled != self._enabled:
            self._enabled = enabled
            self.enabled_changed.emit(enabled)

    @property
    def busy(self) -> bool:
        return self._running is not None or bool(self._queue)

    def attach(self, document: Document | None) -> None:
        """Follow the strokes of the newly opened document (the old queue is dropped)."""
        if self._document is not None:
            with contextlib.suppress(RuntimeError, TypeError):
                self._document.stroke_finished.disconnect(self._on_stroke)
        self._document = document
        self._queue.clear()
        if document is not None:
            document.stroke_finished.connect(self._on_stroke)

    def _on_stroke(self, box: Box, erased: bool) -> None:
        if self._enabled and not erased and self._document is not None:
            self._queue.append((box, self._document.last_stroke))
        self._next()

    def _next(self) -> None:
        document = self._document
        if self._running is not None or not self._queue or document is None:
            return
        if document.stroking:
            # A result may be waiting for the stroke: the stroke's end comes back here.
            document.after_stroke(self._next)
            return
        box, stroke = self._queue.pop(0)
        if not document.mask[box.slices].any():
            self._next()
            return
        choice = self.shell.engine_choice
        try:
            engine = choice.engine()
        except RestorerError as error:
            self._queue.clear()
            dialogs.show_error(self.shell.widget(), "Cannot heal", str(error))
            return
        # The engine sees the stroke and its surroundings, not the whole photo: a heal
        # on a 24-megapixel photo takes as long as one on a small one.
        job = document.repair_job(
            engine.id,
            choice.job_device(engine),
            engine_label=engine.label,
            within=box,
            context=max(CONTEXT_MIN, CONTEXT_FACTOR * max(box.height, box.width)),
            title="Healing",
            grow=choice.grow_pixels,
        )

        def done(outcome: RepairOutcome | None) -> None:
            if document is self._document and document.apply_outcome(job, outcome, stroke):
                self.healed.emit(Box(*outcome.patch.box))

        def failed(message: str) -> None:
            self._queue.clear()
            dialogs.show_error(
                self.shell.widget(), "Healing failed", f"{message}\n\nYour mask is kept."
            )

        def cancelled() -> None:
            self._queue.clear()

        def ended() -> None:
            document.release_job(job)
            self._running = None
            # After this job's continuation has applied its result.
            QTimer.singleShot(0, self._next)

        self._running = self.shell.jobs.submit(
            job, done, on_failed=failed, on_cancelled=cancelled, on_end=ended
        )
