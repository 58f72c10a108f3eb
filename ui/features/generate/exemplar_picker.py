"""A photo, scaled to fit, with a rectangle the person drags out or moves.

Used to choose the exemplar for texture synthesis. The rectangle is kept in photo
pixels (`Box`), whatever the scale it is shown at: drag from outside it to draw a new
one, drag inside it to move it. Outside the rectangle the photo is dimmed.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from restorer.geometry import Box

DIM = QColor(0, 0, 0, 140)
OUTLINE = QColor(255, 200, 40)


class ExemplarPicker(QWidget):
    """Shows `image` (a QImage of the photo at `image_scale` of its size) and a rectangle."""

    box_changed = Signal(object)  # Box in photo pixels

    def __init__(
        self,
        image: QImage,
        photo_size: tuple[int, int],
        box: Box,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.image = image
        self.photo_width, self.photo_height = photo_size
        self.box = box
        self.min_side = 1
        self._drag: tuple[str, QPointF, Box] | None = None
        self.setMouseTracking(True)
        self.setMinimumSize(240, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(480, 360)

    # -- geometry ---------------------------------------------------------------
    def _view(self) -> tuple[float, float, float]:
        """(scale, left, top): widget position of photo pixel (x, y) = left + x * scale."""
        scale = min(self.width() / self.photo_width, self.height() / self.photo_height)
        left = (self.width() - self.photo_width * scale) / 2
        top = (self.height() - self.photo_height * scale) / 2
        return scale, left, top

    def to_photo(self, point: QPointF) -> tuple[float, float]:
        scale, left, top = self._view()
        return (point.x() - left) / scale, (point.y() - top) / scale

    def to_widget(self, x: float, y: float) -> QPointF:
        scale, left, top = self._view()
        return QPointF(left + x * scale, top + y * scale)

    def _box_rect(self, box: Box) -> QRectF:
        scale, left, top = self._view()
        return QRectF(
            left + box.left * scale, top + box.top * scale, box.width * scale, box.height * scale
        )

    def set_box(self, box: Box) -> None:
        """Show `box` (clamped to the photo) and tell listeners when it changed."""
        top = max(0, min(box.top, self.photo_height - 1))
        left = max(0, min(box.left, self.photo_width - 1))
        box = Box(top, left, min(self.photo_height, box.bottom), min(self.photo_width, box.right))
        if box != self.box:
            self.box = box
            self.update()
            self.box_changed.emit(box)

    # -- input ------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = event.position()
        mode = "move" if self._box_rect(self.box).contains(point) else "draw"
        self._drag = (mode, point, self.box)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.mousePressEvent(event)  # a quick second press starts a drag all the same

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        inside = self._box_rect(self.box).contains(event.position())
        if self._drag is None:
            self.setCursor(Qt.CursorShape.SizeAllCursor if inside else Qt.CursorShape.CrossCursor)
            return
        mode, start, original = self._drag
        x0, y0 = self.to_photo(start)
        x1, y1 = self.to_photo(event.position())
        if mode == "move":
            dx = round(x1 - x0)
            dy = round(y1 - y0)
            dx = max(-original.left, min(self.photo_width - original.right, dx))
            dy = max(-original.top, min(self.photo_height - original.bottom, dy))
            self.set_box(
                Box(
                    original.top + dy, original.left + dx, original.bottom + dy, original.right + dx
                )
            )
            return
        x0, x1 = sorted(max(0.0, min(self.photo_width, v)) for v in (x0, x1))
        y0, y1 = sorted(max(0.0, min(self.photo_height, v)) for v in (y0, y1))
        box = Box(round(y0), round(x0), round(y1), round(x1))
        if box.width >= self.min_side and box.height >= self.min_side:
            self.set_box(box)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self._drag is not None:
            self.mouseMoveEvent(event)
            self._drag = None

    # -- drawing ----------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        scale, left, top = self._view()
        whole = QRectF(left, top, self.photo_width * scale, self.photo_height * scale)
        painter.drawImage(whole, self.image)
        chosen = self._box_rect(self.box)
        shade = QPainterPath()
        shade.addRect(whole)
        cut = QPainterPath()
        cut.addRect(chosen)
        painter.fillPath(shade.subtracted(cut), DIM)
        pen = QPen(OUTLINE, 2)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.drawRect(chosen)
        painter.end()
