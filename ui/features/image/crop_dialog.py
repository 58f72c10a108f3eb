"""Image → Crop…: draw the rectangle to keep on a view of the photo, or type it.

Drag on the photo to draw a new rectangle; drag inside it to move it. The ratio list
keeps the rectangle at a fixed shape (1:1, 3:2, 4:3, 16:9, their portrait turns, the
photo's own) or leaves it free. Left, top, width and height are in photo pixels.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSignalBlocker, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from restorer.geometry import Box
from restorer.transform import ratio_box
from ui.features.image.photo_view import PhotoView

RATIOS: tuple[tuple[str, float | None], ...] = (
    ("Free", None),
    ("Original ratio", -1.0),  # the photo's own
    ("1:1 (square)", 1.0),
    ("3:2", 3 / 2),
    ("2:3", 2 / 3),
    ("4:3", 4 / 3),
    ("3:4", 3 / 4),
    ("5:4", 5 / 4),
    ("4:5", 4 / 5),
    ("16:9", 16 / 9),
    ("9:16", 9 / 16),
)


class CropDialog(QDialog):
    """The crop rectangle on a view of the photo, with its ratio and numbers."""

    def __init__(self, parent: QWidget, preview, size: tuple[int, int]) -> None:
        super().__init__(parent)
        self.setObjectName("cropDialog")
        self.setWindowTitle("Crop")
        self._size = size
        height, width = size
        self._box = Box(0, 0, height, width)
        self._anchor: tuple[float, float] | None = None
        self._moving: tuple[float, float, Box] | None = None
        self._drawn = False  # a rectangle drawn or typed (not just the photo at a ratio)
        self.view = PhotoView(self)
        self.view.set_image(preview, size)
        self.view.overlay = self._paint_overlay
        self.view.pressed.connect(self._press)
        self.view.dragged.connect(self._drag)
        self.view.released.connect(lambda *_: self._release())
        self.ratio_combo = QComboBox(self)
        for text, _ratio in RATIOS:
            self.ratio_combo.addItem(text)
        self.ratio_combo.setToolTip("Keep the rectangle at this shape (width:height)")
        self.ratio_combo.currentIndexChanged.connect(self._ratio_changed)
        self.spins: dict[str, QSpinBox] = {}
        form = QFormLayout()
        form.addRow("Ratio:", self.ratio_combo)
        row = QHBoxLayout()
        for name, limit in (
            ("left", width - 1),
            ("top", height - 1),
            ("width", width),
            ("height", height),
        ):
            spin = QSpinBox(self)
            spin.setRange(0 if name in ("left", "top") else 1, limit)
            spin.setSuffix(" px")
            spin.valueChanged.connect(lambda _v, n=name: self._typed(n))
            self.spins[name] = spin
            row.addWidget(QLabel(name.capitalize() + ":", self))
            row.addWidget(spin)
        form.addRow(row)
        self.size_label = QLabel(self)
        hint = QLabel(
            "Drag on the photo to draw the area to keep; drag inside it to move it.", self
        )
        hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Crop")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.view, 1)
        layout.addLayout(form)
        layout.addWidget(self.size_label)
        layout.addWidget(self.buttons)
        self.set_box(Box(0, 0, height, width))

    # -- the rectangle ------------------------------------------------------------
    def ratio(self) -> float | None:
        ratio = RATIOS[self.ratio_combo.currentIndex()][1]
        if ratio == -1.0:
            height, width = self._size
            return width / height
        return ratio

    def set_ratio(self, text: str) -> None:
        self.ratio_combo.setCurrentIndex(self.ratio_combo.findText(text))

    def box(self) -> Box:
        """The rectangle to keep, in photo pixels."""
        return self._box

    def set_box(self, box: Box) -> None:
        height, width = self._size
        box = box.intersect(Box(0, 0, height, width))
        if box.is_empty:
            box = Box(0, 0, height, width)
        self._box = box
        for name, value in (
            ("left", box.left),
            ("top", box.top),
            ("width", box.width),
            ("height", box.height),
        ):
            with QSignalBlocker(self.spins[name]):
                self.spins[name].setValue(value)
        whole = box == Box(0, 0, height, width)
        self.size_label.setText(
            f"{width} × {height} px  →  {box.width} × {box.height} px"
            + ("  (nothing cropped yet)" if whole else "")
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not whole)
        self.view.update()

    def _ratio_changed(self, *_: object) -> None:
        height, width = self._size
        self.set_box(ratio_box(height, width, self.ratio(), self._box))

    def _typed(self, name: str) -> None:
        height, width = self._size
        left, top = self.spins["left"].value(), self.spins["top"].value()
        box_w, box_h = self.spins["width"].value(), self.spins["height"].value()
        ratio = self.ratio()
        if ratio is not None:
            if name == "height":
                box_w = max(1, round(box_h * ratio))
            else:
                box_h = max(1, round(box_w / ratio))
        box_w, box_h = min(box_w, width), min(box_h, height)
        left, top = min(left, width - box_w), min(top, height - box_h)
        box = Box(top, left, top + box_h, left + box_w)
        if ratio is not None:
            box = ratio_box(height, width, ratio, box)
        self._drawn = True
        self.set_box(box)

    # -- the mouse ------------------------------------------------------------------
    def _press(self, x: float, y: float) -> None:
        box = self._box
        if self._drawn and box.left <= x < box.right and box.top <= y < box.bottom:
            self._moving = (x, y, box)
        else:
            self._anchor = (x, y)

    def _drag(self, x: float, y: float) -> None:
        height, width = self._size
        if self._moving is not None:
            start_x, start_y, start = self._moving
            dx = round(min(max(x - start_x, -start.left), width - start.right))
            dy = round(min(max(y - start_y, -start.top), height - start.bottom))
            self.set_box(Box(start.top + dy, start.left + dx, start.bottom + dy, start.right + dx))
            return
        if self._anchor is None:
            return
        ax, ay = self._anchor
        box_w, box_h = abs(x - ax), abs(y - ay)
        ratio = self.ratio()
        if ratio is not None:  # the longer drag direction decides, the other follows
            if box_w / max(box_h, 1e-6) > ratio:
                box_h = box_w / ratio
            else:
                box_w = box_h * ratio
        left = ax - box_w if x < ax else ax
        top = ay - box_h if y < ay else ay
        box = Box(round(top), round(left), round(top + box_h), round(left + box_w))
        box = box.intersect(Box(0, 0, height, width))
        if ratio is not None and not box.is_empty:
            box = ratio_box(height, width, ratio, box)
        if box.width >= 2 and box.height >= 2:
            self._drawn = True
            self.set_box(box)

    def _release(self) -> None:
        self._anchor = None
        self._moving = None

    def _paint_overlay(self, painter: QPainter, scale: float) -> None:
        height, width = self._size
        box = self._box
        outside = QPainterPath()
        outside.addRect(QRectF(0, 0, width * scale, height * scale))
        inner = QRectF(box.left * scale, box.top * scale, box.width * scale, box.height * scale)
        inside = QPainterPath()
        inside.addRect(inner)
        painter.fillPath(outside.subtracted(inside), QColor(0, 0, 0, 140))
        painter.setPen(QPen(QColor(255, 255, 255), 1.5))
        painter.drawRect(inner)
        painter.setPen(QPen(QColor(255, 255, 255, 110), 1, Qt.PenStyle.DashLine))
        for third in (1, 2):  # rule of thirds
            x = inner.left() + inner.width() * third / 3
            y = inner.top() + inner.height() * third / 3
            painter.drawLine(int(x), int(inner.top()), int(x), int(inner.bottom()))
            painter.drawLine(int(inner.left()), int(y), int(inner.right()), int(y))
