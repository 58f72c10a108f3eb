"""A small view of the photo for dialogs: fitted, with an overlay and mouse dragging.

`thumbnail(document, longest)` takes the photo from its zoom pyramid (no full-size
work on the GUI thread). `PhotoView` shows an RGB(A) array scaled to fit, maps widget
points to photo pixels, lets the dialog draw an overlay in photo coordinates, and
reports drags (press, move, release) in photo pixels.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from restorer.pyramid import proxy_from_levels
from ui.core.convert import wrap_array


def thumbnail(pixels_levels: list[np.ndarray], longest: int) -> np.ndarray:
    """A copy of the photo (RGB) with its longest side at most `longest` pixels, taken
    from the smallest pyramid level that is at least that detailed."""
    return np.ascontiguousarray(proxy_from_levels(pixels_levels, longest)[..., :3])


class PhotoView(QWidget):
    """Shows an image scaled to fit; overlay and drags in the coordinates of `photo_size`."""

    pressed = Signal(float, float)  # photo pixels
    dragged = Signal(float, float)
    released = Signal(float, float)

    def __init__(self, parent: QWidget | None = None, minimum: int = 360) -> None:
        super().__init__(parent)
        self.setMinimumSize(minimum, minimum * 2 // 3)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._image: QImage | None = None
        self._array: np.ndarray | None = None
        self.photo_size = (1, 1)  # (height, width) the overlay and drags refer to
        self.overlay: Callable[[QPainter, float], None] | None = None  # painter, scale

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(520, 380)

    def set_image(self, array: np.ndarray, photo_size: tuple[int, int] | None = None) -> None:
        """Show `array` (HxWx3/4 uint8) standing for a photo of `photo_size` (H, W)."""
        self._array = np.ascontiguousarray(array)
        self._image = wrap_array(self._array)
        self.photo_size = photo_size or (int(array.shape[0]), int(array.shape[1]))
        self.update()

    def _frame(self) -> tuple[float, QPointF]:
        """Widget pixels per photo pixel, and where the photo's top-left corner is."""
        height, width = self.photo_size
        scale = min((self.width() - 8) / width, (self.height() - 8) / height)
        scale = max(scale, 1e-6)
        corner = QPointF((self.width() - width * scale) / 2, (self.height() - height * scale) / 2)
        return scale, corner

    def to_photo(self, point: QPointF) -> tuple[float, float]:
        scale, corner = self._frame()
        height, width = self.photo_size
        x = (point.x() - corner.x()) / scale
        y = (point.y() - corner.y()) / scale
        return min(max(x, 0.0), float(width)), min(max(y, 0.0), float(height))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), QColor(40, 40, 40))
            if self._image is None:
                return
            scale, corner = self._frame()
            height, width = self.photo_size
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(
                QRectF(corner.x(), corner.y(), width * scale, height * scale), self._image
            )
            if self.overlay is not None:
                painter.translate(corner)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                self.overlay(painter, scale)
        finally:
            painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton:
            self.pressed.emit(*self.to_photo(event.position()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.dragged.emit(*self.to_photo(event.position()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton:
            self.released.emit(*self.to_photo(event.position()))
