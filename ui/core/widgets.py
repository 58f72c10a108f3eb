"""Small widgets of the main window (the brush size control, the job progress panel),
the studios' picture of an array (`ArrayPicture`) and what drop targets share
(`dropped_files`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QToolButton,
    QWidget,
)

from restorer.eta import TimeLeft, describe_time_left
from ui.core.convert import wrap_array
from ui.core.jobs import JobEvent, JobKind, Jobs
from ui.core.theme import icon


class BrushSizeControl(QWidget):
    """Slider (logarithmic: fine at small sizes) plus a spin box, in image pixels."""

    value_changed = Signal(int)

    SLIDER_MIN = 1
    SLIDER_MAX = 1000
    LIMIT = 5000
    STEPS = 1000

    def __init__(self, value: int = 40, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._value = value
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, self.STEPS)
        self.slider.setFixedWidth(150)
        self.slider.setToolTip("Brush size  ( [ smaller, ] larger )")
        self.spin = QSpinBox(self)
        self.spin.setRange(1, self.LIMIT)
        self.spin.setSuffix(" px")
        self.spin.setFixedWidth(78)
        self.spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.spin.setToolTip("Brush size in image pixels")
        label = QLabel("Size", self)
        label.setObjectName("toolLabel")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(8)
        layout.addWidget(label)
        layout.addWidget(self.slider)
        layout.addWidget(self.spin)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.slider.valueChanged.connect(self._from_slider)
        self.spin.valueChanged.connect(self.set_value)
        self._show(value)

    def _to_slider(self, size: int) -> int:
        span = math.log(self.SLIDER_MAX / self.SLIDER_MIN)
        fraction = (
            math.log(max(self.SLIDER_MIN, min(self.SLIDER_MAX, size)) / self.SLIDER_MIN) / span
        )
        return round(fraction * self.STEPS)

    def _from_slider(self, position: int) -> None:
        span = math.log(self.SLIDER_MAX / self.SLIDER_MIN)
        size = round(self.SLIDER_MIN * math.exp(span * position / self.STEPS))
        if self._to_slider(self._value) != position:
            self.set_value(size)

    def _show(self, value: int) -> None:
        for widget, shown in ((self.slider, self._to_slider(value)), (self.spin, value)):
            widget.blockSignals(True)
            widget.setValue(shown)
            widget.blockSignals(False)

    @property
    def value(self) -> int:
        return self._value

    def set_value(self, value: int) -> None:
        value = max(1, min(self.LIMIT, int(value)))
        if value == self._value:
            return
        self._value = value
        self._show(value)
        self.value_changed.emit(value)


def step_brush_size(size: int, larger: bool) -> int:
    """The next size for `[` / `]`: about 15% steps, at least one pixel."""
    step = max(1, round(size * 0.15))
    return min(BrushSizeControl.LIMIT, size + step) if larger else max(1, size - step)


class JobPanel(QWidget):
    """Status bar panel while a job runs: what it does, a progress bar, and Cancel."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = QLabel(self)
        self.message.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(200)
        self.time_left = QLabel(self)  # "about 20 s left", once it can be judged
        self.time_left.setObjectName("timeLeft")
        self._time_left = TimeLeft()
        self.cancel_button = QToolButton(self)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setIcon(icon("cancel"))
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.cancel_button.setToolTip("Cancel the running job (Esc)")
        self.cancel_button.clicked.connect(self.cancel_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(8)
        layout.addWidget(self.message)
        layout.addWidget(self.bar)
        layout.addWidget(self.time_left)
        layout.addWidget(self.cancel_button)
        self.hide()

    def start(self, title: str, cancellable: bool) -> None:
        self.message.setText(f"{title}…")
        self.bar.setRange(0, 0)  # busy until the first report
        self._time_left.restart()
        self.time_left.clear()
        self.cancel_button.setEnabled(cancellable)
        self.show()

    def report(self, fraction: float, message: str) -> None:
        if self.bar.maximum() == 0:
            self.bar.setRange(0, 1000)
        self.bar.setValue(round(fraction * 1000))
        if message:
            self.message.setText(message)
        self.time_left.setText(describe_time_left(self._time_left.update(fraction)))

    def stop(self) -> None:
        self.hide()
        self.time_left.clear()
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)


def follow_jobs(panel: JobPanel, jobs: Jobs, on_start: Callable[[], None] | None = None) -> None:
    """Show the foreground jobs of `jobs` in `panel`; its Cancel cancels them.
    `on_start` runs as each one starts (the window clears its status message)."""

    def on_event(event: JobEvent) -> None:
        if event.background:
            return
        if event.kind is JobKind.STARTED:
            if on_start is not None:
                on_start()
            panel.start(event.message, event.job.cancellable)
        elif event.kind is JobKind.PROGRESS:
            panel.report(event.fraction, event.message)

    jobs.event.connect(on_event)
    jobs.busy_changed.connect(lambda busy: None if busy else panel.stop())
    panel.cancel_requested.connect(jobs.cancel_all)


def dropped_files(event) -> list[Path]:
    """The local files of a drag or drop event, in order (none for other drags)."""
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class ArrayPicture(QLabel):
    """An RGB uint8 array shown scaled to fit a fixed box, pixels kept crisp (the GAN
    studio's samples, the training studio's strips)."""

    def __init__(self, placeholder: str, width: int, height: int, parent=None) -> None:
        super().__init__(placeholder, parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFixedSize(width, height)
        self.array: np.ndarray | None = None

    def show_array(self, array: np.ndarray) -> None:
        self.array = np.ascontiguousarray(array)
        pixmap = QPixmap.fromImage(wrap_array(self.array).copy())
        self.setPixmap(
            pixmap.scaled(
                self.width(),
                self.height(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.FastTransformation,
            )
        )
