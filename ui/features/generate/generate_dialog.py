"""Generate → Generate Images…: new pictures from a generator trained in the studio.

Choose a generator, how many pictures and a seed (the same seed gives the same
pictures), or interpolate from one seed to another. Sampling and exporting run as jobs
on the worker; a picture opens as a new, unsaved document; Export saves them all.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from restorer.generate.gan import CopyCheck, CopyCheckJob, ExportJob, SampleJob
from restorer.generate.store import list_generators
from ui.core import dialogs
from ui.core.convert import wrap_array

if TYPE_CHECKING:
    from ui.shell import Shell

ICON_SIDE = 96
MAX_SEED = 2**31 - 1


class GenerateDialog(QDialog):
    """Pick a generator, make pictures, open one or export them all."""

    def __init__(self, shell: Shell) -> None:
        super().__init__(shell.widget())
        self.shell = shell
        self.setObjectName("generateDialog")
        self.setWindowTitle("Generate Images")
        self.images: np.ndarray | None = None
        self.job_id: int | None = None

        self.model_combo = QComboBox()
        self.count_spin = QSpinBox()
        self.count_spin.setRange(1, 256)
        self.count_spin.setValue(16)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, MAX_SEED)
        self.interpolate_check = QCheckBox("Interpolate to seed")
        self.seed_b_spin = QSpinBox()
        self.seed_b_spin.setRange(0, MAX_SEED)
        self.seed_b_spin.setValue(1)
        self.seed_b_spin.setEnabled(False)
        self.interpolate_check.toggled.connect(self.seed_b_spin.setEnabled)
        interpolate_row = QHBoxLayout()
        interpolate_row.addWidget(self.interpolate_check)
        interpolate_row.addWidget(self.seed_b_spin, 1)
        form = QFormLayout()
        form.addRow("Generator:", self.model_combo)
        form.addRow("Pictures:", self.count_spin)
        form.addRow("Seed:", self.seed_spin)
        form.addRow("", interpolate_row)

        self.gallery = QListWidget()
        self.gallery.setObjectName("generatedPictures")
        self.gallery.setViewMode(QListView.ViewMode.IconMode)
        self.gallery.setIconSize(QSize(ICON_SIDE, ICON_SIDE))
        self.gallery.setResizeMode(QListView.ResizeMode.Adjust)
        self.gallery.setMovement(QListView.Movement.Static)
        self.gallery.setMinimumSize(4 * (ICON_SIDE + 12), 2 * (ICON_SIDE + 16))
        self.gallery.itemSelectionChanged.connect(self._refresh)
        self.gallery.itemDoubleClicked.connect(lambda _item: self.open_selected())
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)

        self.generate_button = QPushButton("Generate")
        self.generate_button.setDefault(True)
        self.generate_button.clicked.connect(self.generate)
        self.open_button = QPushButton("Open as Document")
        self.open_button.clicked.connect(self.open_selected)
        self.export_button = QPushButton("Export All…")
        self.export_button.clicked.connect(self.export_all)
        self.copies_button = QPushButton("Check for Copies")
        self.copies_button.setToolTip(
            "Find each picture's nearest training picture: is the generator only copying?"
        )
        self.copies_button.clicked.connect(self.check_copies)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        for button in (
            self.generate_button,
            self.open_button,
            self.export_button,
            self.copies_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.gallery, 1)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)
        self.reload_generators()

    def reload_generators(self) -> None:
        current = self.model_combo.currentText()
        self.model_combo.clear()
        self.model_combo.addItems(list_generators())
        if current:
            self.model_combo.setCurrentText(current)
        if self.model_combo.count() == 0:
            self.status_label.setText(
                "No trained generators yet: train one in Generate → GAN Studio…."
            )
        self._refresh()

    def _refresh(self) -> None:
        busy = self.job_id is not None
        self.generate_button.setEnabled(not busy and self.model_combo.count() > 0)
        self.open_button.setEnabled(not busy and bool(self.gallery.selectedItems()))
        self.export_button.setEnabled(not busy and self.images is not None)
        self.copies_button.setEnabled(not busy and self.images is not None)

    # -- actions --------------------------------------------------------------------
    def generate(self) -> int | None:
        name = self.model_combo.currentText()
        if not name or self.job_id is not None:
            return None
        seed_b = self.seed_b_spin.value() if self.interpolate_check.isChecked() else None
        count = self.count_spin.value()
        if seed_b is not None and count < 2:
            dialogs.show_error(
                self, "Cannot interpolate", "An interpolation needs 2 pictures or more."
            )
            return None
        job = SampleJob(name, count, self.seed_spin.value(), seed_b)
        self.status_label.setText(f"Generating {count} pictures with {name}…")
        self.job_id = self.shell.jobs.submit(
            job, self._show, on_failed=self._failed, on_end=self._job_ended
        )
        self._refresh()
        return self.job_id

    def _job_ended(self) -> None:
        self.job_id = None
        self._refresh()

    def _failed(self, message: str) -> None:
        self.status_label.setText(message)
        dialogs.show_error(self, "Could not generate", message)

    def _show(self, images: np.ndarray) -> None:
        self.images = images
        self.gallery.clear()
        seed = self.seed_spin.value()
        interpolating = self.interpolate_check.isChecked()
        for index, image in enumerate(images):
            pixels = np.ascontiguousarray(image)
            pixmap = QPixmap.fromImage(wrap_array(pixels).copy()).scaled(
                ICON_SIDE,
                ICON_SIDE,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            label = f"{index + 1}" if interpolating else f"{seed}·{index + 1}"
            item = QListWidgetItem(QIcon(pixmap), label)
            item.setData(Qt.ItemDataRole.UserRole, index)
            self.gallery.addItem(item)
        self.gallery.setCurrentRow(0)
        size = images.shape[1]
        self.status_label.setText(
            f"{len(images)} pictures of {size} × {size} px. Double-click one to open it."
        )
        self._refresh()

    def picture_name(self, index: int) -> str:
        name = self.model_combo.currentText()
        if self.interpolate_check.isChecked():
            return f"{name} {self.seed_spin.value()}-{self.seed_b_spin.value()} {index + 1}"
        return f"{name} seed {self.seed_spin.value()} {index + 1}"

    def open_selected(self) -> None:
        items = self.gallery.selectedItems()
        if self.images is None or not items:
            return
        index = int(items[0].data(Qt.ItemDataRole.UserRole))
        self.shell.files.open_image(self.images[index].copy(), self.picture_name(index))

    def check_copies(self) -> int | None:
        """Mark the pictures that are near-copies of a training picture."""
        if self.images is None or self.job_id is not None:
            return None
        job = CopyCheckJob(self.model_combo.currentText(), self.images)
        self.job_id = self.shell.jobs.submit(
            job, self._show_copies, on_failed=self._failed, on_end=self._job_ended
        )
        self._refresh()
        return self.job_id

    def _show_copies(self, check: CopyCheck) -> None:
        report = check.report
        copies = set(report.copies.tolist())
        for row in range(self.gallery.count()):
            item = self.gallery.item(row)
            index = int(item.data(Qt.ItemDataRole.UserRole))
            item.setToolTip(
                f"Nearest training picture: {check.nearest_files[index]}\n"
                f"distance {report.distances[index]:.3f}, "
                f"{report.ratios[index]:.2f}× the spacing of the training pictures"
            )
            if index in copies and not item.text().endswith("copy"):
                item.setText(f"{item.text()} · copy")
        self.status_label.setText(report.summary() + ".")

    def export_all(self) -> int | None:
        if self.images is None or self.job_id is not None:
            return None
        folder = QFileDialog.getExistingDirectory(self, "Export Pictures To")
        if not folder:
            return None
        stem = self.picture_name(0).rsplit(" ", 1)[0].replace(" ", "-")
        job = ExportJob(self.images, Path(folder), stem)

        def done(paths: list[Path]) -> None:
            self.status_label.setText(f"Saved {len(paths)} pictures in {folder}.")

        self.job_id = self.shell.jobs.submit(
            job, done, on_failed=self._failed, on_end=self._job_ended
        )
        self._refresh()
        return self.job_id


def open_generate_dialog(shell: Shell) -> GenerateDialog:
    dialog = shell.widget().findChild(GenerateDialog)
    if dialog is None:
        dialog = GenerateDialog(shell)
    else:
        dialog.reload_generators()
    dialog.show()
    dialog.raise_()
    return dialog
