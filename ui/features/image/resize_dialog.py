"""Image → Resize…: a new width and height (or a percentage), the aspect kept if asked.

The photo is scaled with Lanczos (area averaging when it gets smaller); the mask scales
with it and keeps its soft edges.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from restorer.imageio import MAX_PIXELS

MAX_SIDE = 65535


class ResizeDialog(QDialog):
    def __init__(self, parent: QWidget, size: tuple[int, int]) -> None:
        super().__init__(parent)
        self.setObjectName("resizeDialog")
        self.setWindowTitle("Resize")
        self._size = size
        height, width = size
        self.width_spin = QSpinBox(self)
        self.height_spin = QSpinBox(self)
        for spin, value in ((self.width_spin, width), (self.height_spin, height)):
            spin.setRange(1, MAX_SIDE)
            spin.setSuffix(" px")
            spin.setValue(value)
        self.percent_spin = QDoubleSpinBox(self)
        self.percent_spin.setRange(1, 1000)
        self.percent_spin.setDecimals(1)
        self.percent_spin.setSuffix(" %")
        self.percent_spin.setValue(100)
        self.keep_aspect = QCheckBox("Keep the aspect ratio", self)
        self.keep_aspect.setChecked(True)
        self.width_spin.valueChanged.connect(lambda _v: self._changed("width"))
        self.height_spin.valueChanged.connect(lambda _v: self._changed("height"))
        self.percent_spin.valueChanged.connect(lambda _v: self._changed("percent"))
        form = QFormLayout()
        form.addRow("Width:", self.width_spin)
        form.addRow("Height:", self.height_spin)
        form.addRow("Scale:", self.percent_spin)
        form.addRow("", self.keep_aspect)
        self.size_label = QLabel(self)
        self.problem_label = QLabel(self)
        self.problem_label.setObjectName("warningLabel")
        self.problem_label.setWordWrap(True)
        method = QLabel("Resampled with Lanczos (area averaging when smaller).", self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Resize")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.size_label)
        layout.addWidget(method)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)
        self._update()

    def new_size(self) -> tuple[int, int]:
        """(width, height) asked for."""
        return self.width_spin.value(), self.height_spin.value()

    def _changed(self, which: str) -> None:
        height, width = self._size
        blockers = [
            QSignalBlocker(s) for s in (self.width_spin, self.height_spin, self.percent_spin)
        ]
        if which == "percent":
            factor = self.percent_spin.value() / 100
            self.width_spin.setValue(max(1, round(width * factor)))
            self.height_spin.setValue(max(1, round(height * factor)))
        elif self.keep_aspect.isChecked():
            if which == "width":
                factor = self.width_spin.value() / width
                self.height_spin.setValue(max(1, round(height * factor)))
            else:
                factor = self.height_spin.value() / height
                self.width_spin.setValue(max(1, round(width * factor)))
            self.percent_spin.setValue(factor * 100)
        elif which == "width":
            self.percent_spin.setValue(self.width_spin.value() / width * 100)
        else:
            self.percent_spin.setValue(self.height_spin.value() / height * 100)
        del blockers
        self._update()

    def _update(self) -> None:
        height, width = self._size
        new_w, new_h = self.new_size()
        self.size_label.setText(f"{width} × {height} px  →  {new_w} × {new_h} px")
        problem = ""
        if new_w * new_h > MAX_PIXELS:
            problem = (
                f"{new_w * new_h / 1e6:.0f} megapixels is more than the "
                f"{MAX_PIXELS / 1e6:.0f} Restorer works with."
            )
        elif (new_w, new_h) == (width, height):
            problem = "That is the photo's size already."
        self.problem_label.setText(problem)
        self.problem_label.setVisible(bool(problem))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)
