"""Generate → GAN Studio…: train a generator on a folder of pictures, and watch it learn.

The person picks a folder (at least 50 pictures), a size, a number of steps and a name;
training runs on its own thread (`ui.core.training`). The window shows the generator's and
discriminator's loss curves (pyqtgraph), a grid of samples from fixed noise refreshed
every few steps, speed and time left, and the sliced Wasserstein distance to the real
pictures whenever it is measured. Pause, Resume and Stop act between steps; Stop and
closing the studio (or the main window) write a checkpoint and end cleanly.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from restorer.generate.config import GanConfig, GanError
from restorer.generate.gan import EVAL_SAMPLES, TrainJob, TrainResult
from restorer.generate.store import check_name
from restorer.generate.trainer import TrainingStatus, format_duration
from ui.core import dialogs
from ui.core.training import StudioReports, TrainingThread, spin_box
from ui.core.widgets import ArrayPicture

if TYPE_CHECKING:
    from ui.shell import Shell

SAMPLES_SIDE = 288
STUDIO_SIZES = (32, 64, 128)


class GanStudio(StudioReports, QWidget):
    """The GAN studio window (one per main window)."""

    FOLDER_TITLE = "Folder of Pictures"
    PAUSED_MESSAGE = "Paused. Resume to go on, or Stop to save and end."

    def __init__(self, shell: Shell) -> None:
        super().__init__(shell.widget(), Qt.WindowType.Window)
        self.shell = shell
        self.setObjectName("ganStudio")
        self.setWindowTitle("GAN Studio")
        self.thread: TrainingThread | None = None
        self.result: TrainResult | None = None
        self.last_status: TrainingStatus | None = None
        self.eval_samples = EVAL_SAMPLES  # samples per SWD measurement
        self._build()
        self._refresh_buttons()
        shell.closing.connect(self.shut_down)

    # -- building ----------------------------------------------------------------
    def _build(self) -> None:
        folder_row = self._folder_row("A folder of at least 50 pictures of one kind")
        self.size_combo = QComboBox()
        for size in STUDIO_SIZES:
            self.size_combo.addItem(f"{size} × {size} px", size)
        self.size_combo.setCurrentIndex(1)
        self.steps_spin = spin_box(1, 10_000_000, 5000, "Training steps to run")
        self.steps_spin.setSingleStep(500)
        self.name_edit = QLineEdit("my-generator")
        self.resume_check = QCheckBox("Continue the generator with this name")
        self.resume_check.setToolTip(
            "Resume from its last checkpoint for the given number of steps more; "
            "size, width and batch then come from the checkpoint"
        )
        self.width_spin = spin_box(8, 128, 16, "Network width: smaller trains faster")
        self.batch_spin = spin_box(2, 64, 16, "Pictures per step")
        self.sample_spin = spin_box(1, 100_000, 100, "Refresh the sample grid every N steps")
        self.eval_spin = spin_box(0, 1_000_000, 500, "Measure SWD every N steps (0 = never)")

        form = QFormLayout()
        form.addRow("Pictures:", folder_row)
        form.addRow("Size:", self.size_combo)
        form.addRow("Steps:", self.steps_spin)
        form.addRow("Name:", self.name_edit)
        form.addRow("", self.resume_check)
        form.addRow("Width:", self.width_spin)
        form.addRow("Batch:", self.batch_spin)
        form.addRow("Samples every:", self.sample_spin)
        form.addRow("SWD every:", self.eval_spin)

        self.train_button = QPushButton("Train")
        self.train_button.clicked.connect(self.train)
        buttons = QHBoxLayout()
        for button in self._run_buttons(
            self.train_button, "Finish this step, save a checkpoint, stop"
        ):
            buttons.addWidget(button)

        self._progress_lines("Choose a folder of pictures and press Train.")
        self.swd_label = QLabel("SWD: not measured yet")
        self.swd_label.setToolTip(
            "Sliced Wasserstein distance (×10³) between samples and your pictures: lower is closer"
        )

        self.loss_plot = pg.PlotWidget(title="Losses")
        self.loss_plot.setObjectName("lossPlot")
        self.loss_plot.addLegend()
        self.loss_plot.setLabel("bottom", "step")
        self.g_curve = self.loss_plot.plot([], [], pen=pg.mkPen("#4fc3f7", width=2), name="G")
        self.d_curve = self.loss_plot.plot([], [], pen=pg.mkPen("#ffb74d", width=2), name="D")
        self.swd_plot = pg.PlotWidget(title="SWD ×10³ (lower is better)")
        self.swd_plot.setLabel("bottom", "step")
        self.swd_curve = self.swd_plot.plot([], [], pen=pg.mkPen("#81c784", width=2), symbol="o")

        self.samples_label = ArrayPicture("Samples appear here", SAMPLES_SIDE, SAMPLES_SIDE)
        self.samples_label.setObjectName("ganSamples")

        left = QVBoxLayout()
        left.addLayout(form)
        left.addLayout(buttons)
        left.addWidget(self.progress_bar)
        left.addWidget(self.status_label)
        left.addWidget(self.speed_label)
        left.addWidget(self.swd_label)
        left.addWidget(self.samples_label, 0, Qt.AlignmentFlag.AlignHCenter)
        left.addStretch(1)
        layout = QGridLayout(self)
        layout.addLayout(left, 0, 0, 2, 1)
        layout.addWidget(self.loss_plot, 0, 1)
        layout.addWidget(self.swd_plot, 1, 1)
        layout.setColumnStretch(1, 1)
        self.resize(980, 640)

    # -- actions --------------------------------------------------------------------
    def train(self) -> None:
        """Start a run with the settings in the window (a clear message if they are wrong)."""
        if self.training:
            return
        folder = self.folder_edit.text().strip()
        name = self.name_edit.text().strip()
        try:
            if not folder:
                raise GanError("Choose the folder of pictures to train on.")
            check_name(name)
            width = self.width_spin.value()
            config = GanConfig(
                size=int(self.size_combo.currentData()),
                channels=width,
                max_channels=max(256, width),
                batch=self.batch_spin.value(),
                sample_every=self.sample_spin.value(),
            ).validate()
        except GanError as error:
            dialogs.show_error(self, "Cannot train", str(error))
            return
        job = TrainJob(
            Path(folder),
            name,
            self.steps_spin.value(),
            config,
            resume=self.resume_check.isChecked(),
            eval_every=self.eval_spin.value(),
            eval_samples=self.eval_samples,
            device="auto",
        )
        self.result = None
        self.last_status = None
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(0)
        self.speed_label.setText("")
        for curve in (self.g_curve, self.d_curve, self.swd_curve):
            curve.setData([], [])
        self.thread = TrainingThread(
            job,
            self,
            news=lambda s: s.samples is not None or s.swd is not None,
            name="restorer-gan-training",
        )
        self.thread.event.connect(self._on_event)
        self.thread.finished.connect(self._refresh_buttons)
        self.status_label.setText(f"Reading the pictures in {folder}…")
        self.thread.start()
        self._refresh_buttons()

    def stop(self) -> None:
        if self.training:
            self.thread.stop()
            self.status_label.setText("Stopping after this step and saving a checkpoint…")
            self.stop_button.setEnabled(False)

    def shut_down(self) -> None:
        """Stop training (a checkpoint is written) and wait for the thread to end."""
        if self.thread is not None:
            self.thread.stop()
            self.thread.wait()

    def _refresh_buttons(self) -> None:
        running = self.training
        self.train_button.setEnabled(not running)
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.pause_button.setText("Resume" if running and self.thread.paused else "Pause")
        for widget in (
            self.folder_edit,
            self.size_combo,
            self.steps_spin,
            self.name_edit,
            self.resume_check,
            self.width_spin,
            self.batch_spin,
            self.sample_spin,
            self.eval_spin,
        ):
            widget.setEnabled(not running)

    # -- reports from the thread ------------------------------------------------------
    def _show_progress(self, fraction: float, message: str) -> None:
        if self.last_status is None:  # before the first step (reading the pictures)
            self.progress_bar.setValue(round(fraction * self.progress_bar.maximum()))
        if not self.thread or not self.thread.paused:
            self.status_label.setText(message)

    def _show_status(self, status: TrainingStatus) -> None:
        self.last_status = status
        history = status.history
        self.g_curve.setData(history.steps, history.loss_g)
        self.d_curve.setData(history.steps, history.loss_d)
        self.swd_curve.setData(history.swd_steps, history.swd)
        _fit_view(self.swd_plot, history.swd_steps, history.swd)
        # The bar counts steps, as the line under it does.
        self.progress_bar.setRange(0, max(1, status.total))
        self.progress_bar.setValue(min(status.step, status.total))
        self.speed_label.setText(_speed_text(status, with_time_left=True))
        if history.swd:
            self.swd_label.setText(
                f"SWD: {history.swd[-1]:.1f} at step {history.swd_steps[-1]} "
                f"(first {history.swd[0]:.1f})"
            )
        if status.samples is not None:
            self.show_samples(status.samples)

    def show_samples(self, grid: np.ndarray) -> None:
        self.samples_label.show_array(grid)

    def _succeeded(self, result: TrainResult) -> None:
        self.result = result
        self._show_status(result.status)
        skipped = f" {len(result.skipped)} unreadable files were skipped." if result.skipped else ""
        how = "Stopped" if result.stopped_early else "Finished"
        self._ended(
            f"{how} at step {result.step}; '{result.name}' is saved in the models folder. "
            f"Use Generate → Generate Images… to make pictures with it.{skipped}"
        )

    def _ended(self, message: str) -> None:
        self.status_label.setText(message)
        if self.last_status is not None:  # no time is left to count once it has ended
            self.speed_label.setText(_speed_text(self.last_status, with_time_left=False))
        self._refresh_buttons()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        self.shut_down()
        event.accept()


def _speed_text(status: TrainingStatus, with_time_left: bool) -> str:
    parts = [f"Step {status.step} of {status.total}", f"{status.steps_per_s:.1f} steps/s"]
    if with_time_left:
        parts.append(f"{format_duration(status.seconds_left)} left")
    parts.append(f"on {status.device.upper()}")
    return "  ·  ".join(parts)


def axis_range(values: list[float], floor: float | None = None) -> tuple[float, float] | None:
    """A range to show `values` in when they span (almost) nothing; None: let it auto-range.

    One point or flat data would otherwise get a hair-thin axis (99.6–100.4): the range
    then runs from `floor` (or a fifth below the value) to a fifth above it.
    """
    if not values:
        return None
    low, high = min(values), max(values)
    size = max(abs(low), abs(high))
    if high - low > 1e-6 * max(size, 1.0):
        return None
    margin = max(size * 0.2, 1.0)
    return (floor if floor is not None else low - margin), high + margin


def _fit_view(plot: pg.PlotWidget, steps: list[int], values: list[float]) -> None:
    box = plot.getViewBox()
    box.enableAutoRange()
    x_range = axis_range([float(step) for step in steps], floor=0.0)
    y_range = axis_range(values, floor=0.0 if values and min(values) >= 0 else None)
    if x_range is not None:
        box.setXRange(*x_range, padding=0)
    if y_range is not None:
        box.setYRange(*y_range, padding=0)


def open_gan_studio(shell: Shell, studio: GanStudio | None = None) -> GanStudio:
    """Show `studio` (the window's GAN studio), made now when there is none yet."""
    if studio is None:
        studio = GanStudio(shell)
    studio.show()
    studio.raise_()
    studio.activateWindow()
    return studio
