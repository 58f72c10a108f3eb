"""A training thread for the studios (GAN Studio, Train a Model): one long job, off the
GUI thread.

Training runs for minutes to hours, so it gets its own QThread rather than the window's
job runner, which stays free for repairs meanwhile. It reports with the same `JobEvent`
as every other job, on one signal: PROGRESS, PREVIEW (the trainer's status: losses,
speed, history, at most every `STATUS_INTERVAL_S`, plus every status that brings news:
a refreshed sample, a measurement), then exactly one of FINISHED / FAILED / CANCELLED.
A failure is described as any job's is (`describe_failure`).

The job is a `restorer.jobs.Job` with a `control` (`TrainingControl`: pause, resume,
stop) and an `on_status` callback; its status has `step`, `total` and a `history` of
lists, copied before it crosses threads.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QThread, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
)

from restorer.errors import RestorerError
from restorer.progress import Cancelled, Progress
from ui.core import dialogs
from ui.core.jobs import JobEvent, JobKind, Throttle, describe_failure, track_thread

log = logging.getLogger(__name__)

STATUS_INTERVAL_S = 0.2
TRAINING_JOB_ID = 0  # the thread runs one job; its events carry this id


def _copy_history(status: Any) -> Any:
    """`status` with its own copy of the history (the trainer keeps appending to it)."""
    history = status.history
    copied = type(history)(**{k: list(v) for k, v in history.__dict__.items()})
    return replace(status, history=copied)


class TrainingThread(QThread):
    """Runs `job` once. Pause / resume / stop go through the job's `TrainingControl`.

    `news(status)` says whether a status must reach the window even when the last one
    was sent moments ago (it carries samples or a measurement)."""

    event = Signal(object)  # JobEvent

    def __init__(
        self,
        job: Any,
        parent=None,
        *,
        news: Callable[[Any], bool] = lambda status: False,
        name: str = "restorer-training",
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.job = job
        self.job.on_status = self._report
        self._news = news
        self._cancel = threading.Event()
        self._status_gate = Throttle(STATUS_INTERVAL_S)
        self._progress_gate = Throttle(STATUS_INTERVAL_S)
        track_thread(self)

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

    @property
    def stopping(self) -> bool:
        return self.job.control.stopping

    # -- on the training thread -------------------------------------------------
    def _emit(self, kind: JobKind, **fields: object) -> None:
        self.event.emit(JobEvent(kind, TRAINING_JOB_ID, job=self.job, **fields))

    def _report(self, status: Any) -> None:
        final = status.step >= status.total
        if not self._status_gate.ready(final=final or self._news(status)):
            return
        self._emit(JobKind.PREVIEW, preview=_copy_history(status))

    def _progress(self, fraction: float, message: str, _preview=None) -> None:
        if self._progress_gate.ready(final=fraction >= 1.0):
            self._emit(JobKind.PROGRESS, fraction=fraction, message=message)

    def run(self) -> None:
        try:
            result = self.job.run(Progress(self._progress, self._cancel))
        except Cancelled:
            self._emit(JobKind.CANCELLED)
        except Exception as error:  # noqa: BLE001 - every failure must reach the window
            if not isinstance(error, RestorerError):
                log.error("Training failed:\n%s", traceback.format_exc())
            self._emit(JobKind.FAILED, error=describe_failure(self.job, error))
        else:
            self._emit(JobKind.FINISHED, result=result)


def spin_box(low: int, high: int, value: int, tip: str) -> QSpinBox:
    """A studio's number field: its range, first value and tooltip."""
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setToolTip(tip)
    return spin


class StudioReports:
    """What the training studios (GAN Studio, Train a Model) do alike, mixed into their
    window class: the folder row, the Pause / Stop buttons and the progress lines, whether
    a run is going, and the thread's JobEvents handed to the studio's `_show_progress`,
    `_show_status`, `_succeeded` and `_ended`. The studio provides `thread` (a
    `TrainingThread` or None) and builds its widgets with `_folder_row`, `_run_buttons`
    and `_progress_lines`."""

    FOLDER_TITLE = "Folder of Photos"
    PAUSED_MESSAGE = "Paused. Resume to go on, or Stop to end."

    # -- building ------------------------------------------------------------------
    def _folder_row(self, placeholder: str) -> QHBoxLayout:
        """`folder_edit` and its Browse… button, as one row."""
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText(placeholder)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        return row

    def _run_buttons(self, start: QPushButton, stop_tip: str) -> list[QPushButton]:
        """`start` (the default button), `pause_button` and `stop_button`, wired."""
        start.setDefault(True)
        self.pause_button = QPushButton("Pause")
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip(stop_tip)
        self.stop_button.clicked.connect(self.stop)
        return [start, self.pause_button, self.stop_button]

    def _progress_lines(self, first_message: str) -> None:
        """`progress_bar`, `status_label` (showing `first_message`) and `speed_label`."""
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.status_label = QLabel(first_message)
        self.status_label.setWordWrap(True)
        self.speed_label = QLabel("")

    # -- pausing -------------------------------------------------------------------
    def _can_pause(self) -> bool:
        return self.training

    def toggle_pause(self) -> None:
        if not self._can_pause():
            return
        if self.thread.paused:
            self.thread.resume()
            self.status_label.setText("Training…")
        else:
            self.thread.pause()
            self.status_label.setText(self.PAUSED_MESSAGE)
        self._refresh_buttons()

    @property
    def training(self) -> bool:
        return self.thread is not None and self.thread.isRunning()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.FOLDER_TITLE, self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def _on_event(self, event: JobEvent) -> None:
        if event.kind is JobKind.PROGRESS:
            self._show_progress(event.fraction, event.message)
        elif event.kind is JobKind.PREVIEW:
            self._show_status(event.preview)
        elif event.kind is JobKind.FINISHED:
            self._succeeded(event.result)
        elif event.kind is JobKind.FAILED:
            self._failed(event.error or "")
        elif event.kind is JobKind.CANCELLED:
            self._ended("Training cancelled.")

    def _failed(self, message: str) -> None:
        self._ended(message)
        dialogs.show_error(self, "Training stopped", message)
