"""Models → Train a Model…: the restoration studio's window.

The person picks a folder of their own photos, the task (a clean-up filter, or an
inpainting model that becomes a repair engine), the architecture and its size, the
damage to learn to remove (or the kinds of holes to fill), the steps and the device, and
presses Start. Training runs on its own thread (`ui.core.training`, shared with the GAN
studio). The window shows the training loss and the validation PSNR as they are
measured, a strip of validation samples (damaged | model | clean) refreshed every N
steps, speed, time left and the device; Pause, Resume and Stop act between steps.

When training stops or finishes the model is evaluated on the held-out photos beside the
damaged input and what Restorer already has (non-local means; the weight-free engines).
Nothing is added to the models folder until the person presses **Keep** (the evaluation
goes into the model's details); closing the studio with a model not kept asks first.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from restorer.errors import RestorerError
from restorer.generate.trainer import format_duration
from restorer.models.info import ModelInfo
from restorer.train.arches import ARCHES, DEFAULT_DEGRADATIONS, DEGRADATION_ORDER, MASK_KINDS
from restorer.train.checkpoint import check_name
from restorer.train.config import TrainConfig, TrainConfigError
from restorer.train.studio import (
    EVAL_CROP,
    KeepModelJob,
    TrainModelJob,
    TrainModelResult,
    discard_training,
)
from restorer.train.trainer import RestorationStatus
from ui.core import dialogs
from ui.core.training import StudioReports, TrainingThread, spin_box
from ui.core.widgets import ArrayPicture

if TYPE_CHECKING:
    from ui.shell import Shell

Button = QMessageBox.StandardButton

TASKS = (("filter", "Clean-up filter"), ("inpaint", "Inpainting (a repair engine)"))
ARCH_NAMES = {
    "compact": "RealESRGAN Compact (SRVGGNetCompact)",
    "lama": "LaMa (fast Fourier convolutions)",
}
DEGRADATION_NAMES = {
    "blur": "Blur",
    "downscale": "Downscaling",
    "noise": "Gaussian noise",
    "poisson": "Poisson noise",
    "grain": "Film grain",
    "jpeg": "JPEG",
    "scratches": "Scratches",
    "dust": "Dust",
    "cracks": "Cracks",
}
MASK_NAMES = {"scratch": "Thin scratches", "stroke": "Brush strokes", "blob": "Object-sized blobs"}
CROPS = (32, 48, 64, 96, 128)
EVALUATING_FROM = 0.86  # the job's progress from here on is the evaluation
STRIP_SIZE = (360, 480)
NO_PERCEPTUAL_NOTE = (
    "Learns from your photos only. No pretrained perceptual network is used (none is "
    "available offline): filters learn from a pixel (Charbonnier) loss, inpainting adds a "
    "patch discriminator and feature matching."
)


def _default_strengths() -> dict[str, str]:
    """The strength text each degradation starts with (its default range, or the
    default recipe's value: noise σ 25 and JPEG 30–90)."""
    from restorer.train.degrade import KINDS, parse_degradations

    texts = {}
    for name, (_, (low, high), _, _) in KINDS.items():
        texts[name] = f"{low:g}" if low == high else f"{low:g}-{high:g}"
    for degradation in parse_degradations(DEFAULT_DEGRADATIONS):
        texts[degradation.name] = str(degradation).partition(":")[2]
    return texts


class TrainStudio(StudioReports, QWidget):
    """The training studio window (one per main window)."""

    PAUSED_MESSAGE = "Paused. Resume to go on, or Stop to end and evaluate."

    def __init__(self, shell: Shell) -> None:
        super().__init__(shell.widget(), Qt.WindowType.Window)
        self.shell = shell
        self.setObjectName("trainStudio")
        self.setWindowTitle("Train a Model")
        self.thread: TrainingThread | None = None
        self.result: TrainModelResult | None = None  # the last run, kept or not
        self.kept: ModelInfo | None = None
        self.keep_job: int | None = None
        self.last_status: RestorationStatus | None = None
        self.evaluating = False
        # Settings the window does not show (tests make them small).
        self.min_images = 50
        self.val_crop = 128
        self.eval_crop = EVAL_CROP
        self.eval_limit: int | None = None
        self._build()
        self._task_changed()
        self._refresh_buttons()
        shell.closing.connect(self.shut_down)

    # -- building ----------------------------------------------------------------
    def _build(self) -> None:
        folder_row = self._folder_row("A folder of at least 50 clean photos")
        self.task_combo = QComboBox()
        for task, text in TASKS:
            self.task_combo.addItem(text, task)
        self.task_combo.currentIndexChanged.connect(self._task_changed)
        self.arch_combo = QComboBox()
        self.arch_combo.currentIndexChanged.connect(self._arch_changed)
        self.size_combo = QComboBox()
        self.steps_spin = spin_box(1, 10_000_000, 5000, "Training steps to run")
        self.steps_spin.setSingleStep(500)
        self.batch_spin = spin_box(1, 64, 8, "Crops per step")
        self.crop_combo = QComboBox()
        for crop in CROPS:
            self.crop_combo.addItem(f"{crop} px", crop)
        self.crop_combo.setCurrentIndex(CROPS.index(64))
        self.eval_spin = spin_box(0, 1_000_000, 100, "Measure validation PSNR every N steps")
        self.strip_spin = spin_box(0, 1_000_000, 100, "Refresh the sample strip every N steps")
        self.device_combo = QComboBox()
        self.device_combo.setToolTip("CUDA trains with mixed precision when a GPU is present")
        self.name_edit = QLineEdit("my-model")
        self.resume_check = QCheckBox("Continue the training of the model with this name")
        self.resume_check.setToolTip(
            "Resume from its last checkpoint for the given number of steps more; task, "
            "architecture, size, damage and crops then come from the checkpoint"
        )

        self.degradation_box = QGroupBox("Damage to learn to remove")
        grid = QGridLayout(self.degradation_box)
        from restorer.train.degrade import KINDS

        strengths = _default_strengths()
        chosen = {part.partition(":")[0] for part in DEFAULT_DEGRADATIONS.split(",")}
        self.degradation_checks: dict[str, QCheckBox] = {}
        self.degradation_edits: dict[str, QLineEdit] = {}
        for row, name in enumerate(DEGRADATION_ORDER):
            check = QCheckBox(DEGRADATION_NAMES.get(name, name))
            check.setChecked(name in chosen)
            edit = QLineEdit(strengths[name])
            edit.setToolTip(f"{KINDS[name][3]}: a value or a range LOW-HIGH")
            edit.setMaximumWidth(90)
            grid.addWidget(check, row // 2, (row % 2) * 2)
            grid.addWidget(edit, row // 2, (row % 2) * 2 + 1)
            self.degradation_checks[name] = check
            self.degradation_edits[name] = edit
        self.mask_box = QGroupBox("Holes to learn to fill")
        masks = QHBoxLayout(self.mask_box)
        self.mask_checks: dict[str, QCheckBox] = {}
        for kind in MASK_KINDS:
            check = QCheckBox(MASK_NAMES.get(kind, kind))
            check.setChecked(True)
            masks.addWidget(check)
            self.mask_checks[kind] = check

        form = QFormLayout()
        form.addRow("Photos:", folder_row)
        form.addRow("Task:", self.task_combo)
        form.addRow("Architecture:", self.arch_combo)
        form.addRow("Size:", self.size_combo)
        form.addRow("Steps:", self.steps_spin)
        form.addRow("Batch:", self.batch_spin)
        form.addRow("Crop:", self.crop_combo)
        form.addRow("Validate every:", self.eval_spin)
        form.addRow("Samples every:", self.strip_spin)
        form.addRow("Device:", self.device_combo)
        form.addRow("Name:", self.name_edit)
        form.addRow("", self.resume_check)

        self.start_button = QPushButton("Start")
        self.start_button.clicked.connect(self.start)
        self.keep_button = QPushButton("Keep")
        self.keep_button.setToolTip("Add the model to the models folder, with its evaluation")
        self.keep_button.clicked.connect(self.keep)
        self.discard_button = QPushButton("Discard")
        self.discard_button.setToolTip("Delete this training; nothing is added")
        self.discard_button.clicked.connect(self.discard)
        buttons = QHBoxLayout()
        run_buttons = self._run_buttons(
            self.start_button, "Finish this step, save a checkpoint, evaluate"
        )
        for button in (*run_buttons, self.keep_button, self.discard_button):
            buttons.addWidget(button)

        note = QLabel(NO_PERCEPTUAL_NOTE)
        note.setObjectName("perceptualNote")
        note.setWordWrap(True)
        self._progress_lines("Choose a folder of photos and press Start.")
        self.evaluation_label = QLabel("")
        self.evaluation_label.setObjectName("trainEvaluation")
        self.evaluation_label.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.evaluation_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.loss_plot = pg.PlotWidget(title="Training loss")
        self.loss_plot.setObjectName("trainLossPlot")
        self.loss_plot.setLabel("bottom", "step")
        self.loss_curve = self.loss_plot.plot([], [], pen=pg.mkPen("#4fc3f7", width=2))
        self.psnr_plot = pg.PlotWidget(title="Validation PSNR (dB)")
        self.psnr_plot.setLabel("bottom", "step")
        self.psnr_curve = self.psnr_plot.plot([], [], pen=pg.mkPen("#81c784", width=2), symbol="o")
        self.strip_caption = QLabel("Validation samples: damaged | model | clean")
        self.strip_picture = ArrayPicture("Samples appear here", *STRIP_SIZE)
        self.strip_picture.setObjectName("trainSamples")

        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.degradation_box)
        left.addWidget(self.mask_box)
        left.addWidget(note)
        left.addLayout(buttons)
        left.addWidget(self.progress_bar)
        left.addWidget(self.status_label)
        left.addWidget(self.speed_label)
        left.addWidget(self.evaluation_label)
        left.addStretch(1)
        middle = QVBoxLayout()
        middle.addWidget(self.loss_plot)
        middle.addWidget(self.psnr_plot)
        right = QVBoxLayout()
        right.addWidget(self.strip_caption)
        right.addWidget(self.strip_picture, 0, Qt.AlignmentFlag.AlignHCenter)
        right.addStretch(1)
        layout = QGridLayout(self)
        layout.addLayout(left, 0, 0)
        layout.addLayout(middle, 0, 1)
        layout.addLayout(right, 0, 2)
        layout.setColumnStretch(1, 1)
        self.resize(1280, 760)
        self._fill_devices()
        self.shell.engine_choice.changed.connect(self._fill_devices)

    def _fill_devices(self) -> None:
        current = self.device_combo.currentData() or "auto"
        self.device_combo.blockSignals(True)
        self.device_combo.clear()
        for device in self.shell.engine_choice.devices():
            self.device_combo.addItem(
                {"auto": "Automatic", "cpu": "CPU", "cuda": "CUDA (GPU)"}[device], device
            )
        index = self.device_combo.findData(current)
        self.device_combo.setCurrentIndex(max(0, index))
        self.device_combo.blockSignals(False)

    def _task_changed(self) -> None:
        task = self.task
        self.arch_combo.blockSignals(True)
        self.arch_combo.clear()
        for arch in ARCHES[task]:
            self.arch_combo.addItem(ARCH_NAMES.get(arch, arch), arch)
        self.arch_combo.blockSignals(False)
        self._arch_changed()
        self.degradation_box.setVisible(task == "filter")
        self.mask_box.setVisible(task == "inpaint")

    def _arch_changed(self) -> None:
        sizes = ARCHES[self.task].get(self.arch_combo.currentData() or "", {})
        self.size_combo.clear()
        unit = "blocks" if self.task == "inpaint" else "layers"
        for name, shape in sizes.items():
            self.size_combo.addItem(f"{name} ({shape.width} channels, {shape.depth} {unit})", name)
        self.size_combo.setCurrentIndex(max(0, self.size_combo.findData("small")))

    # -- reading the settings ---------------------------------------------------------
    @property
    def task(self) -> str:
        return self.task_combo.currentData() or "filter"

    def degradations(self) -> str:
        """The ticked degradations with their strengths ('noise:25,jpeg:30-90')."""
        return ",".join(
            f"{name}:{self.degradation_edits[name].text().strip()}"
            if self.degradation_edits[name].text().strip()
            else name
            for name, check in self.degradation_checks.items()
            if check.isChecked()
        )

    def mask_kinds(self) -> str:
        return ",".join(kind for kind, check in self.mask_checks.items() if check.isChecked())

    def config(self) -> TrainConfig:
        """The settings in the window (`RestorerError` with a clear message if wrong)."""
        if self.task == "filter" and not self.degradations():
            raise TrainConfigError("Tick at least one kind of damage to learn to remove.")
        if self.task == "inpaint" and not self.mask_kinds():
            raise TrainConfigError("Tick at least one kind of hole to learn to fill.")
        crop = int(self.crop_combo.currentData())
        return TrainConfig(
            task=self.task,
            arch=self.arch_combo.currentData() or "",
            size=self.size_combo.currentData() or "small",
            degradations=self.degradations() or DEFAULT_DEGRADATIONS,
            mask_kinds=self.mask_kinds() or ",".join(MASK_KINDS),
            crop=crop,
            batch=self.batch_spin.value(),
            eval_every=self.eval_spin.value(),
            val_crop=max(crop, self.val_crop),
        ).validate()

    # -- actions ----------------------------------------------------------------------
    @property
    def unkept(self) -> bool:
        """A trained model the person has neither kept nor discarded."""
        return self.result is not None and self.kept is None

    def start(self) -> None:
        """Start a run with the settings in the window (a clear message if they are wrong)."""
        if self.training or self.keep_job is not None:
            return
        if self.unkept and not self._settle_unkept("Start another training"):
            return
        if self.keep_job is not None:  # keeping the last model first; Start again after
            return
        folder = self.folder_edit.text().strip()
        name = self.name_edit.text().strip()
        try:
            if not folder:
                raise TrainConfigError("Choose the folder of photos to train on.")
            check_name(name)
            config = self.config()
        except RestorerError as error:
            dialogs.show_error(self, "Cannot train", str(error))
            return
        job = TrainModelJob(
            Path(folder),
            name,
            self.steps_spin.value(),
            config,
            resume=self.resume_check.isChecked(),
            min_images=self.min_images,
            device=self.device_combo.currentData() or "auto",
            keep=False,
            evaluate=True,
            eval_crop=self.eval_crop,
            eval_limit=self.eval_limit,
            strip_every=self.strip_spin.value(),
            title=f"Training {name}",
        )
        self.result, self.kept, self.last_status = None, None, None
        self.evaluating = False
        self.evaluation_label.setText("")
        self.strip_caption.setText("Validation samples: damaged | model | clean")
        self.loss_curve.setData([], [])
        self.psnr_curve.setData([], [])
        self.progress_bar.setValue(0)
        self.thread = TrainingThread(
            job,
            self,
            news=lambda s: s.strip is not None or s.val_psnr is not None,
            name="restorer-model-training",
        )
        self.thread.event.connect(self._on_event)
        self.thread.finished.connect(self._refresh_buttons)
        self.status_label.setText(f"Reading the photos in {folder}…")
        self.thread.start()
        self._refresh_buttons()

    def _can_pause(self) -> bool:
        return self.training and not self.evaluating

    def stop(self) -> None:
        if self.training and not self.thread.stopping:
            self.thread.stop()
            self.status_label.setText("Stopping after this step, then evaluating…")
            self._refresh_buttons()

    def keep(self) -> int | None:
        """Add the trained model to the models folder (a worker job)."""
        if not self.unkept or self.keep_job is not None or self.training:
            return None
        result = self.result

        def done(info: ModelInfo) -> None:
            if self.result is result:
                self.kept = info
            self.shell.engine_choice.reload()
            where = (
                "choose it as the repair engine"
                if info.is_inpainting
                else f"it is in the Filters menu as {info.label}"
            )
            message = f"Kept '{info.id}' in the models folder: {where}."
            self.status_label.setText(message)
            self.shell.status(message, 8000)
            self._refresh_buttons()

        def failed(message: str) -> None:
            dialogs.show_error(self, "Could not keep the model", message)

        def ended() -> None:
            self.keep_job = None
            self._refresh_buttons()

        self.keep_job = self.shell.jobs.submit(
            KeepModelJob(result), done, on_failed=failed, on_end=ended
        )
        self.status_label.setText(f"Adding {result.name} to the models folder…")
        self._refresh_buttons()
        return self.keep_job

    def discard(self) -> None:
        """Forget the trained model; its training is deleted unless it continued an
        earlier one (whose checkpoint stays, so it can be continued again)."""
        if not self.unkept or self.keep_job is not None:
            return
        result, self.result = self.result, None
        if result.resumed:
            self.status_label.setText(
                f"Not kept. The training of {result.name} can still be continued."
            )
        else:
            discard_training(result.name)
            self.status_label.setText(f"Discarded {result.name}; nothing was added.")
        self._refresh_buttons()

    def _settle_unkept(self, doing: str) -> bool:
        """Ask what to do with a model not kept yet; False when the person cancels."""
        answer = QMessageBox.question(
            self,
            "Keep the trained model?",
            f"{self.result.name} was trained but not kept. Keep it in the models folder "
            f"before you {doing.lower()}?",
            Button.Save | Button.Discard | Button.Cancel,
            Button.Save,
        )
        if answer == Button.Save:
            self.keep()
            return True
        if answer == Button.Discard:
            self.discard()
            return True
        return False

    def shut_down(self) -> None:
        """The main window closes: end training now (its last checkpoint stays, so it
        can be continued) and wait for the thread."""
        if self.thread is not None:
            self.thread.cancel()
            self.thread.wait()

    def _refresh_buttons(self) -> None:
        running = self.training
        keeping = self.keep_job is not None
        self.start_button.setEnabled(not running and not keeping)
        self.pause_button.setEnabled(running and not self.evaluating and not self.thread.stopping)
        self.stop_button.setEnabled(running and not self.evaluating and not self.thread.stopping)
        self.pause_button.setText("Resume" if running and self.thread.paused else "Pause")
        self.keep_button.setEnabled(not running and self.unkept and not keeping)
        self.discard_button.setEnabled(not running and self.unkept and not keeping)
        for widget in (
            self.folder_edit,
            self.task_combo,
            self.arch_combo,
            self.size_combo,
            self.steps_spin,
            self.batch_spin,
            self.crop_combo,
            self.eval_spin,
            self.strip_spin,
            self.device_combo,
            self.name_edit,
            self.resume_check,
            self.degradation_box,
            self.mask_box,
        ):
            widget.setEnabled(not running)

    # -- reports from the thread ------------------------------------------------------
    def _show_progress(self, fraction: float, message: str) -> None:
        self.progress_bar.setValue(round(fraction * 1000))
        if fraction >= EVALUATING_FROM and not self.evaluating:
            self.evaluating = True
            self._refresh_buttons()
        if not self.thread or not self.thread.paused:
            self.status_label.setText(message)

    def _show_status(self, status: RestorationStatus) -> None:
        self.last_status = status
        history = status.history
        self.loss_curve.setData(history.steps, history.loss)
        self.psnr_curve.setData(history.val_steps, history.val_psnr)
        psnr = f"  ·  validation {history.val_psnr[-1]:.2f} dB" if history.val_psnr else ""
        self.speed_label.setText(
            f"Step {status.step} of {status.total}  ·  {status.steps_per_s:.1f} steps/s  ·  "
            f"{format_duration(status.seconds_left)} left  ·  on {status.device.upper()}{psnr}"
        )
        if status.strip is not None:
            self.strip_picture.show_array(status.strip)

    def _succeeded(self, result: TrainModelResult) -> None:
        self.result, self.kept = result, None
        self._show_status(result.status)
        self.progress_bar.setValue(1000)
        evaluation = result.evaluation
        if evaluation is not None:
            self.evaluation_label.setText(evaluation.table())
            strip = _read_strip(evaluation.strip_path)
            if strip is not None:
                names = " | ".join(["damaged", *list(evaluation.scores)[1:], "clean"])
                self.strip_caption.setText(f"Evaluation: {names}")
                self.strip_picture.show_array(strip)
        skipped = f" {len(result.skipped)} unreadable files were skipped." if result.skipped else ""
        how = "Stopped" if result.stopped_early else "Finished"
        self._ended(
            f"{how} at step {result.step}. Keep adds it to the models folder as "
            f"{'a repair engine' if result.config.task == 'inpaint' else 'a filter'}; "
            f"nothing is added until then.{skipped}"
        )

    def _failed(self, message: str) -> None:
        self.evaluating = False
        super()._failed(message)

    def _ended(self, message: str) -> None:
        self.evaluating = False
        self.status_label.setText(message)
        self._refresh_buttons()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        if self.training:
            answer = QMessageBox.question(
                self,
                "Stop training?",
                "Training is running. Stop it and discard what it learnt?",
                Button.Discard | Button.Cancel,
                Button.Cancel,
            )
            if answer != Button.Discard:
                event.ignore()
                return
            resumed = self.thread.job.resume
            name = self.thread.job.name
            self.thread.cancel()
            self.thread.wait()
            if not resumed:
                discard_training(name)
        elif self.unkept and not self._settle_unkept("Close the studio"):
            event.ignore()
            return
        event.accept()


def _read_strip(path: str) -> np.ndarray | None:
    """The evaluation's before/after strip (a small PNG the job wrote)."""
    if not path or not Path(path).is_file():
        return None
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))
