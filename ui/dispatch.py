"""Routes each job's outcome from the worker to the code that submitted it.

The window submits a job with what to do when it finishes, fails or is cancelled; one
place listens to the worker's signals and calls the right continuation. Failures nobody
handles become an error dialog, so no error goes unseen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from restorer.jobs import Job
from ui.core.dialogs import show_error
from ui.worker import Worker

log = logging.getLogger(__name__)


@dataclass
class _Pending:
    job: Job
    on_done: Callable[[Any], None]
    on_failed: Callable[[str], None] | None
    on_cancelled: Callable[[], None] | None
    on_end: Callable[[], None] | None
    background: bool


class JobDispatcher(QObject):
    """Submits jobs to a `Worker` and calls each job's continuations on the GUI thread."""

    # job_id, title, cancellable — a foreground job started
    job_started = Signal(int, str, bool)
    job_progress = Signal(int, float, str)
    # True while any foreground (not background) job is queued or running
    busy_changed = Signal(bool)
    job_ended = Signal(int)

    def __init__(self, worker: Worker, window: QWidget) -> None:
        super().__init__(window)
        self.worker = worker
        self._window = window
        self._pending: dict[int, _Pending] = {}
        worker.started.connect(self._started)
        worker.progress.connect(self._progress)
        worker.finished.connect(self._finished)
        worker.failed.connect(self._failed)
        worker.cancelled.connect(self._cancelled)

    def submit(
        self,
        job: Job,
        on_done: Callable[[Any], None],
        *,
        on_failed: Callable[[str], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        on_end: Callable[[], None] | None = None,
        background: bool = False,
    ) -> int:
        """Queue `job`. `on_end` runs first in every outcome (release what the job held).

        Background jobs (a device probe) show no progress and do not make the window busy.
        """
        was_busy = self.busy
        job_id = self.worker.submit(job)
        self._pending[job_id] = _Pending(job, on_done, on_failed, on_cancelled, on_end, background)
        if not was_busy and self.busy:
            self.busy_changed.emit(True)
        return job_id

    @property
    def busy(self) -> bool:
        return any(not pending.background for pending in self._pending.values())

    def is_pending(self, job_id: int | None) -> bool:
        return job_id is not None and job_id in self._pending

    def cancel_all(self) -> None:
        for job_id, pending in self._pending.items():
            if not pending.background:
                self.worker.cancel(job_id)

    def forget_all(self) -> None:
        """Drop every continuation (the window is closing)."""
        self._pending.clear()

    # -- worker signals -------------------------------------------------------
    def _started(self, job_id: int, title: str) -> None:
        pending = self._pending.get(job_id)
        if pending is not None and not pending.background:
            self.job_started.emit(job_id, title, self.worker.can_cancel(job_id))

    def _progress(self, job_id: int, fraction: float, message: str) -> None:
        pending = self._pending.get(job_id)
        if pending is not None and not pending.background:
            self.job_progress.emit(job_id, fraction, message)

    def _end(self, job_id: int) -> _Pending | None:
        pending = self._pending.pop(job_id, None)
        if pending is None:
            return None
        if pending.on_end is not None:
            self._call(pending, pending.on_end)
        self.job_ended.emit(job_id)
        if not pending.background and not self.busy:
            self.busy_changed.emit(False)
        return pending

    def _finished(self, job_id: int, result: object) -> None:
        pending = self._end(job_id)
        if pending is not None:
            self._call(pending, pending.on_done, result)

    def _failed(self, job_id: int, message: str) -> None:
        pending = self._end(job_id)
        if pending is None:
            return
        if pending.on_failed is not None:
            self._call(pending, pending.on_failed, message)
        else:
            show_error(self._window, f"{pending.job.title} failed", message)

    def _cancelled(self, job_id: int) -> None:
        pending = self._end(job_id)
        if pending is not None and pending.on_cancelled is not None:
            self._call(pending, pending.on_cancelled)

    def _call(self, pending: _Pending, function: Callable[..., None], *args: object) -> None:
        """Run a continuation; a bug in one is reported, never kills the window."""
        try:
            function(*args)
        except Exception as error:  # noqa: BLE001 - keep the app alive, show the error
            log.exception("Handling the result of %s failed", pending.job.title)
            show_error(
                self._window,
                f"{pending.job.title} failed",
                f"Applying the result failed: {error} ({type(error).__name__}).",
            )
