"""The GAN studio's training thread: one long `TrainJob`, off the GUI thread.

Training runs for minutes to hours, so it gets its own QThread rather than the window's
job worker, which stays free for repairs meanwhile. Reports reach the GUI thread through
queued signals, throttled: the status (losses, speed, history) at most every
`STATUS_INTERVAL_S`, plus every refreshed sample grid and every SWD measurement.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from dataclasses import replace

from PySide6.QtCore import QThread, Signal

from restorer.errors import RestorerError
from restorer.generate.gan import TrainJob
from restorer.generate.trainer import History, TrainingStatus
from restorer.progress import Cancelled, Progress

log = logging.getLogger(__name__)

STATUS_INTERVAL_S = 0.2


class TrainingThread(QThread):
    """Runs `job` once. Pause / resume / stop go through the job's `TrainingControl`."""

    status = Signal(object)  # TrainingStatus (history copied)
    progress = Signal(float, str)
    succeeded = Signal(object)  # TrainResult
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, job: TrainJob, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("restorer-gan-training")
        self.job = job
        self.job.on_status = self._report
        self._cancel = threading.Event()
        self._last = -1e9
        self._last_progress = -1e9

    # -- control, from the GUI thread ------------------------------------------
    def pause(self) -> None:
        self.job.control.pause()

    def resume(self) -> None:
        self.job.control.resume()

    def stop(self) -> None:
        """Finish the current step, write a checkpoint, end."""
        self.job.control.stop()

    def cancel(self) -> None:
        """End at the next check without writing another checkpoint."""
        self._cancel.set()
        self.job.control.resume()

    @property
    def paused(self) -> bool:
        return self.job.control.paused

    # -- on the training thread -------------------------------------------------
    def _report(self, status: TrainingStatus) -> None:
        now = time.monotonic()
        final = status.step >= status.total
        news = final or status.samples is not None or status.swd is not None
        if not news and now - self._last < STATUS_INTERVAL_S:
            return
        self._last = now
        history = History(**{k: list(v) for k, v in status.history.__dict__.items()})
        self.status.emit(replace(status, history=history))

    def _progress(self, fraction: float, message: str, _preview=None) -> None:
        now = time.monotonic()
        if fraction >= 1.0 or now - self._last_progress >= STATUS_INTERVAL_S:
            self._last_progress = now
            self.progress.emit(fraction, message)

    def run(self) -> None:
        try:
            result = self.job.run(Progress(self._progress, self._cancel))
        except Cancelled:
            self.cancelled.emit()
        except Exception as error:  # noqa: BLE001 - every failure must reach the window
            if isinstance(error, RestorerError):
                self.failed.emit(str(error))
            else:
                log.error("GAN training failed:\n%s", traceback.format_exc())
                self.failed.emit(f"Training failed unexpectedly: {error} ({type(error).__name__}).")
        else:
            self.succeeded.emit(result)
