"""Image → Straighten…: turn the photo by a small angle and crop away the empty corners.

Type the angle, or draw a line along something that should be level (a horizon) or
plumb (a wall) on the preview: the angle is corrected by that line's tilt. The preview
shows the result (turned and cropped) with a grid to judge by.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QSignalBlocker, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from restorer.transform import MAX_STRAIGHTEN_DEGREES, Straighten, horizon_angle
from ui.features.image.photo_view import PhotoView

GRID = 8  # lines across the preview


class StraightenDialog(QDialog):
    def __init__(self, parent: QWidget, preview: np.ndarray, size: tuple[int, int]) -> None:
        super().__init__(parent)
        self.setObjectName("straightenDialog")
        self.setWindowTitle("Straighten")
        self._preview = preview
        self._size = size
        self._line: tuple[float, float, float, float] | None = None
        self.view = PhotoView(self)
        self.view.overlay = self._paint_overlay
        self.view.pressed.connect(self._press)
        self.view.dragged.connect(self._drag)
        self.view.released.connect(self._release)
        self.angle_spin = QDoubleSpinBox(self)
        self.angle_spin.setRange(-MAX_STRAIGHTEN_DEGREES, MAX_STRAIGHTEN_DEGREES)
        self.angle_spin.setDecimals(2)
        self.angle_spin.setSingleStep(0.1)
        self.angle_spin.setSuffix(" °")
        self.angle_spin.setToolTip("Positive turns the photo counter-clockwise")
        self.angle_spin.valueChanged.connect(self._angle_changed)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(-int(MAX_STRAIGHTEN_DEGREES * 10), int(MAX_STRAIGHTEN_DEGREES * 10))
        self.slider.valueChanged.connect(lambda value: self.angle_spin.setValue(value / 10))
        self.size_label = QLabel(self)
        hint = QLabel(
            "Draw a line along the horizon (or a wall) on the preview, or set the angle.", self
        )
        hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Straighten")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(QLabel("Angle:", self))
        row.addWidget(self.angle_spin)
        row.addWidget(self.slider, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        layout.addWidget(self.size_label)
        layout.addWidget(self.buttons)
        self._angle_changed(0.0)

    def angle(self) -> float:
        return float(self.angle_spin.value())

    def set_angle(self, degrees: float) -> None:
        self.angle_spin.setValue(degrees)

    def _angle_changed(self, degrees: float) -> None:
        with QSignalBlocker(self.slider):
            self.slider.setValue(round(degrees * 10))
        change = Straighten(degrees)
        turned = change.apply(self._preview)
        height, width = self._size
        new_h, new_w = change.size(height, width)
        self.view.set_image(turned)
        self.size_label.setText(f"{width} × {height} px  →  {new_w} × {new_h} px")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(degrees != 0)

    # -- drawing the horizon (in the preview's pixels: angles do not depend on scale)
    def _press(self, x: float, y: float) -> None:
        self._line = (x, y, x, y)

    def _drag(self, x: float, y: float) -> None:
        if self._line is not None:
            self._line = (*self._line[:2], x, y)
            self.view.update()

    def _release(self, x: float, y: float) -> None:
        if self._line is None:
            return
        x0, y0 = self._line[:2]
        self._line = None
        if abs(x - x0) + abs(y - y0) >= 8:
            self.correct_by_line(x0, y0, x, y)
        self.view.update()

    def correct_by_line(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """Make the line drawn on the (already turned) preview level or plumb."""
        total = self.angle() + horizon_angle(x0, y0, x1, y1)
        self.set_angle(max(-MAX_STRAIGHTEN_DEGREES, min(MAX_STRAIGHTEN_DEGREES, total)))

    def _paint_overlay(self, painter: QPainter, scale: float) -> None:
        height, width = self.view.photo_size
        painter.setPen(QPen(QColor(255, 255, 255, 90), 1))
        for step in range(1, GRID):
            x = width * scale * step / GRID
            y = height * scale * step / GRID
            painter.drawLine(QLineF(x, 0, x, height * scale))
            painter.drawLine(QLineF(0, y, width * scale, y))
        if self._line is not None:
            x0, y0, x1, y1 = self._line
            painter.setPen(QPen(QColor(255, 200, 0), 2))
            painter.drawLine(
                QLineF(QPointF(x0 * scale, y0 * scale), QPointF(x1 * scale, y1 * scale))
            )
