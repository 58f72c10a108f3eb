"""Generate → Texture Synthesis…: grow a seamless texture from a rectangle of the photo.

The dialog shows the photo with the exemplar rectangle (the painted mask's bounds when
there is a mask, else a centred square), the output size and seed, and a preview that
can be tiled 2×2 to check that the texture has no seam. The synthesis runs as a job on
the worker (progress, preview and Cancel in the dialog); the texture opens as a new,
unsaved document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from restorer.errors import RestorerError
from restorer.generate.texture import (
    MAX_OUTPUT_SIDE,
    MIN_EXEMPLAR_SIDE,
    MIN_OUTPUT_SIDE,
    TextureJob,
    TextureResult,
    check_output_size,
    exemplar_box,
)
from restorer.geometry import Box
from restorer.jobs import changed_box
from ui.core import dialogs
from ui.core.convert import wrap_array
from ui.core.jobs import JobEvent, JobKind
from ui.features.generate.exemplar_picker import ExemplarPicker

if TYPE_CHECKING:
    from ui.document import Document
    from ui.shell import Shell

PICKER_SIDE = 640  # the photo is shown from the pyramid level at least this large
PREVIEW_SIDE = 280
DEFAULT_OUTPUT = 512


def open_texture_dialog(shell: Shell) -> TextureDialog | None:
    """Show the texture dialog for the open photo (None, with a hint, when there is none)."""
    if shell.document is None:
        shell.status("Open a photo first: the texture is grown from a rectangle of it.", 6000)
        return None
    dialog = TextureDialog(shell)
    dialog.show()
    return dialog


def default_box(document: Document) -> Box:
    """The mask's bounds when a mask is painted, else a centred square; at least the
    smallest exemplar where the photo allows."""
    width, height = document.width, document.height
    box = None
    if not document.mask_is_empty() and document.mask_bounds is not None:
        bounds = document.mask_bounds
        inner = changed_box(document.mask[bounds.slices])
        if inner is not None:
            box = Box(
                bounds.top + inner[0],
                bounds.left + inner[1],
                bounds.top + inner[2],
                bounds.left + inner[3],
            )
    if box is None:
        side = max(MIN_EXEMPLAR_SIDE, min(256, min(width, height) // 3))
        top, left = (height - side) // 2, (width - side) // 2
        box = Box(top, left, top + side, left + side)
    # Grow about its centre to the smallest usable exemplar, then keep it on the photo.
    box_h = min(height, max(box.height, MIN_EXEMPLAR_SIDE))
    box_w = min(width, max(box.width, MIN_EXEMPLAR_SIDE))
    top = max(0, min(height - box_h, (box.top + box.bottom - box_h) // 2))
    left = max(0, min(width - box_w, (box.left + box.right - box_w) // 2))
    return Box(top, left, top + box_h, left + box_w)


def tiled(image: np.ndarray, times: int = 2) -> np.ndarray:
    """The image repeated `times` x `times`, to show whether its edges meet seamlessly."""
    return np.ascontiguousarray(np.tile(image, (times, times, 1)))


def fit_within(image: np.ndarray, side: int) -> np.ndarray:
    """`image` scaled down (never up) so its longer side is at most `side` pixels."""
    import cv2

    longest = max(image.shape[:2])
    if longest <= side:
        return image
    step = max(1, longest // (4 * side))  # cheap striding first for very large textures
    image = np.ascontiguousarray(image[::step, ::step])
    scale = side / max(image.shape[:2])
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _spin(low: int, high: int, value: int, suffix: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    spin.setAlignment(Qt.AlignmentFlag.AlignRight)
    return spin


class TextureDialog(QDialog):
    """Choose the exemplar and the size; synthesise; the texture opens as a new document."""

    def __init__(self, shell: Shell) -> None:
        super().__init__(shell.widget())
        self.setObjectName("textureDialog")
        self.setWindowTitle("Texture Synthesis")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.shell = shell
        document = shell.document
        assert document is not None
        self.document = document
        self.pixels = document.pixels  # the photo the exemplar comes from
        self.job_id: int | None = None
        self._closed = False
        self.result: TextureResult | None = None
        self._shown: np.ndarray | None = None  # the preview's pixels (untiled)

        levels = document.image_pyramid.levels
        level = next((lv for lv in reversed(levels) if max(lv.shape[:2]) >= PICKER_SIDE), levels[0])
        self._picker_pixels = level  # the QImage shares this array
        picker_image = wrap_array(level, QImage.Format.Format_RGBX8888)
        self.picker = ExemplarPicker(
            picker_image, (document.width, document.height), default_box(document), self
        )
        self.picker.min_side = 4
        self._build()
        self._show_box(self.picker.box)
        self.picker.box_changed.connect(self._show_box)
        for spin in self.rect_spins:
            spin.valueChanged.connect(self._box_from_spins)
        shell.jobs.event.connect(self._on_job_event)
        self.tiled_check.toggled.connect(lambda _: self._refresh_preview())
        self.resize(980, 560)

    # -- layout -----------------------------------------------------------------
    def _build(self) -> None:
        document = self.document
        self.x_spin = _spin(0, document.width - 1, 0, " px")
        self.y_spin = _spin(0, document.height - 1, 0, " px")
        self.w_spin = _spin(1, document.width, 1, " px")
        self.h_spin = _spin(1, document.height, 1, " px")
        self.rect_spins = (self.x_spin, self.y_spin, self.w_spin, self.h_spin)
        rect_row = QHBoxLayout()
        for name, spin in zip(("X", "Y", "Width", "Height"), self.rect_spins, strict=True):
            rect_row.addWidget(QLabel(name, self))
            rect_row.addWidget(spin)
            rect_row.addSpacing(8)
        rect_row.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(
            QLabel("Drag a rectangle over the texture to copy (drag inside it to move it).", self)
        )
        left.addWidget(self.picker, 1)
        left.addLayout(rect_row)

        self.width_spin = _spin(MIN_OUTPUT_SIDE, MAX_OUTPUT_SIDE, DEFAULT_OUTPUT, " px")
        self.height_spin = _spin(MIN_OUTPUT_SIDE, MAX_OUTPUT_SIDE, DEFAULT_OUTPUT, " px")
        self.seed_spin = _spin(0, 2**31 - 1, 0)
        self.seed_spin.setToolTip("The same seed and settings make the same texture")
        output = QGroupBox("New texture", self)
        form = QFormLayout(output)
        form.addRow("Width", self.width_spin)
        form.addRow("Height", self.height_spin)
        form.addRow("Seed", self.seed_spin)

        self.preview = QLabel(self)
        self.preview.setObjectName("texturePreview")
        self.preview.setFixedSize(PREVIEW_SIDE, PREVIEW_SIDE)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setText("The texture appears here")
        self.tiled_check = QCheckBox("Show tiled 2 × 2 (check the seams)", self)
        self.tiled_check.setChecked(True)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)

        self.run_button = QPushButton("Synthesise", self)
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.addButton(self.run_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)

        right = QVBoxLayout()
        right.addWidget(output)
        right.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignHCenter)
        right.addWidget(self.tiled_check)
        right.addWidget(self.progress)
        right.addWidget(self.status)
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(buttons)

    # -- the rectangle ------------------------------------------------------------
    def _show_box(self, box: Box) -> None:
        for spin, value in zip(
            self.rect_spins, (box.left, box.top, box.width, box.height), strict=True
        ):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)

    def _box_from_spins(self) -> None:
        x, y = self.x_spin.value(), self.y_spin.value()
        self.picker.set_box(Box(y, x, y + self.h_spin.value(), x + self.w_spin.value()))
        self._show_box(self.picker.box)

    # -- running ------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.job_id is not None

    def run(self) -> int | None:
        """Start the synthesis; returns the job id (None when the inputs were refused)."""
        shell = self.shell
        if self.running:
            return None
        if shell.jobs.busy:
            self.status.setText("Another job is running; try again when it has finished.")
            return None
        box = self.picker.box
        size = (self.width_spin.value(), self.height_spin.value())
        try:
            exemplar_box(
                box.left,
                box.top,
                box.width,
                box.height,
                (self.document.width, self.document.height),
            )
            check_output_size(*size)
        except RestorerError as error:
            dialogs.show_error(self, "Cannot synthesise this texture", str(error))
            return None
        seed = self.seed_spin.value()
        document = self.document
        shared = shell.document is document
        pixels = document.share_pixels() if shared else self.pixels
        device = shell.engine_choice.device
        job = TextureJob(pixels, box, size, seed=seed, device=device)
        name = f"Texture {size[0]}×{size[1]} seed {seed}"

        def finished(result: TextureResult) -> None:
            if self._closed:
                return  # the dialog was closed: the person no longer wants it
            self.result = result
            where = "CPU" if result.device == "cpu" else result.device.upper()
            self.status.setText(f"Made in {result.seconds:.1f} s on {where}; opened as “{name}”.")
            self.progress.setValue(1000)
            self._set_preview(result.pixels)
            shell.files.open_image(result.pixels, name)

        def failed(message: str) -> None:
            if self._closed:
                dialogs.show_error(shell.widget(), "Texture synthesis failed", message)
                return
            self.status.setText("Texture synthesis failed.")
            dialogs.show_error(self, "Texture synthesis failed", message)

        def cancelled() -> None:
            if not self._closed:
                self.status.setText("Cancelled.")
                self.progress.setValue(0)

        def ended() -> None:
            if shared:
                document.release_pixels(pixels)
            self.job_id = None
            if not self._closed:
                self.run_button.setEnabled(True)
                self.cancel_button.setEnabled(False)

        self.status.setText("Starting…")
        self.progress.setValue(0)
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.job_id = shell.jobs.submit(
            job, finished, on_failed=failed, on_cancelled=cancelled, on_end=ended
        )
        return self.job_id

    def cancel(self) -> None:
        if self.job_id is not None:
            self.shell.jobs.cancel(self.job_id)
            self.status.setText("Cancelling…")

    def _on_job_event(self, event: JobEvent) -> None:
        if event.job_id != self.job_id:
            return
        if event.kind is JobKind.PROGRESS:
            self.progress.setValue(round(event.fraction * 1000))
            self.status.setText(event.message)
        elif event.kind is JobKind.PREVIEW and isinstance(event.preview, np.ndarray):
            self._set_preview(event.preview)

    # -- preview --------------------------------------------------------------------
    def _set_preview(self, image: np.ndarray) -> None:
        self._shown = image
        self._refresh_preview()

    def _refresh_preview(self) -> None:
        if self._shown is None:
            return
        times = 2 if self.tiled_check.isChecked() else 1
        pixels = tiled(fit_within(self._shown, PREVIEW_SIDE // times), times)
        image = wrap_array(pixels).copy()  # the QImage owns its pixels from here on
        pixmap = QPixmap.fromImage(image).scaled(
            PREVIEW_SIDE,
            PREVIEW_SIDE,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        self.preview.setPixmap(pixmap)

    # -- closing ------------------------------------------------------------------
    def _closing(self) -> None:
        """Stop the job; its outcome no longer touches the dialog (about to be deleted)."""
        self.cancel()
        self._closed = True

    def done(self, result: int) -> None:  # Qt API: every way of closing ends here
        self._closing()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self._closing()
        super().closeEvent(event)
