"""Live preview of a running repair: the engine's partial result drawn on the canvas.

Engines that work coarse to fine (the `patchmatch` engine, per pyramid level) report
a preview through the region strategy as a `RegionPreview(box, pixels)` of one crop;
the worker turns it into a `RepairOverlay` (RGBA, the mask as alpha) before sending it.
While a repair (or a heal) runs, its latest preview is shown over the photo, inside the
masked area only and by the mask's coverage, as the result will be blended; the
document's pixels are never touched. The overlay goes when the job ends in any way
(finished, failed, cancelled); after a finished repair, once its result is written
(the document writes it over a few event-loop turns), so the old photo never flashes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QImage

from restorer.geometry import Box
from restorer.regions import RegionPreview
from restorer.workflows.jobs import RepairJob, RepairOverlay, repair_overlay
from ui.core.convert import wrap_array
from ui.core.jobs import JobEvent, JobKind

WRITE_POLL_MS = 15  # how often to look whether a repair's result is written yet

if TYPE_CHECKING:
    from ui.shell import Shell


def preview_image(
    job: RepairJob, preview: RepairOverlay | RegionPreview
) -> tuple[Box, QImage] | None:
    """The preview's box in photo coordinates and an RGBA image of it whose alpha is
    the job's mask coverage there; None when it does not fit the job's photo.

    The worker sends `RepairOverlay`s (`RepairJob.prepare_preview`): wrapping one costs
    no copy, so a preview of a large repair does not pause the window.
    """
    overlay = preview if isinstance(preview, RepairOverlay) else repair_overlay(job, preview)
    if overlay is None:
        return None
    return overlay.box, wrap_array(overlay.rgba)  # the QImage keeps the array alive


class RepairPreviewer(QObject):
    """Shows each running repair job's previews on the window's canvas."""

    def __init__(self, shell: Shell) -> None:
        super().__init__(shell.widget())
        self.shell = shell
        self.job_id: int | None = None  # the job whose preview is shown
        shell.jobs.event.connect(self._on_event)

    def _on_event(self, event: JobEvent) -> None:
        if event.kind is JobKind.PREVIEW:
            self._on_preview(event.job_id, event.job, event.preview)
        elif event.ended:
            self._on_ended(event.job_id)

    def _on_preview(self, job_id: int, job: object, preview: object) -> None:
        document = self.shell.document
        if not isinstance(job, RepairJob) or not isinstance(preview, RepairOverlay | RegionPreview):
            return
        if document is None or job.mask.shape[:2] != (document.height, document.width):
            return
        shown = preview_image(job, preview)
        if shown is not None:
            self.job_id = job_id
            self.shell.canvas.set_preview(*shown)

    def _on_ended(self, job_id: int) -> None:
        if job_id == self.job_id:
            self.job_id = None
            # The result was applied just before this (by the job's continuation) and
            # is written over a few event-loop turns: the preview stays until then.
            self.shell.canvas.end_preview()
            QTimer.singleShot(WRITE_POLL_MS, self._clear_when_written)

    def _clear_when_written(self) -> None:
        if self.job_id is not None:
            return  # a newer job shows its own preview now
        if not self.shell.canvas.drop_written_preview():
            QTimer.singleShot(WRITE_POLL_MS, self._clear_when_written)
