"""The photo canvas: draws the photo and its mask, zooms, pans, and paints the mask.

A plain QWidget with its own view transform (scale and offset) rather than a
QGraphicsScene: it repaints only the rectangle Qt asks for, from a QImage that shares
the document's numpy pixels (no conversion per repaint). Zoomed out, it draws the
pyramid level nearest the screen's resolution, so the cost of a repaint follows the
size of the window, not of the photo, and the photo does not shimmer.

Input: left button paints with the current tool (shift-click draws a straight line from
the end of the last stroke); middle button, or left button with space held, pans; the
wheel zooms about the pointer.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QCursor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from restorer.brush import snap_centre
from restorer.geometry import Box
from ui.convert import wrap_array
from ui.document import Document

BRUSH = "brush"
ERASER = "eraser"

ZOOM_STEPS = (
    1 / 32,
    1 / 24,
    1 / 16,
    1 / 12,
    1 / 8,
    1 / 6,
    1 / 4,
    1 / 3,
    1 / 2,
    2 / 3,
    1.0,
    1.5,
    2.0,
    3.0,
    4.0,
    6.0,
    8.0,
    12.0,
    16.0,
    24.0,
    32.0,
)
MIN_SCALE = ZOOM_STEPS[0]
MAX_SCALE = ZOOM_STEPS[-1]
WHEEL_STEP = 1.25  # zoom factor per wheel notch
FIT_MARGIN = 24
SHARP_FROM = 2.0  # zoom from which pixels are drawn as exact squares

BACKGROUND = QColor(30, 30, 31)
HINT_COLOR = QColor(140, 140, 145)
DEFAULT_OVERLAY = QColor(255, 40, 80, 128)


def mask_color_tables(color: QColor) -> tuple[list[int], list[int]]:
    """Colour tables for mask QImages: level 0 holds 0/1, smaller levels 0..255 coverage."""
    alpha = color.alpha()
    exact = [QColor(0, 0, 0, 0).rgba(), color.rgba()]
    ramp = []
    for value in range(256):
        shade = QColor(color)
        shade.setAlpha(round(alpha * value / 255))
        ramp.append(shade.rgba())
    return exact, ramp


def _checkerboard() -> QPixmap:
    tile = QPixmap(16, 16)
    tile.fill(QColor(88, 88, 90))
    painter = QPainter(tile)
    painter.fillRect(0, 0, 8, 8, QColor(120, 120, 123))
    painter.fillRect(8, 8, 8, 8, QColor(120, 120, 123))
    painter.end()
    return tile


class Canvas(QWidget):
    """Shows a `Document` and turns mouse input into brush strokes, zoom and pan."""

    zoom_changed = Signal(float)
    brush_size_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("canvas")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(200, 150)
        self._document: Document | None = None
        self._image_levels: list[QImage] = []
        self._mask_levels: list[QImage] = []
        self._scale = 1.0
        self._offset = QPointF(0.0, 0.0)
        self._fit_mode = True
        self._tool = BRUSH
        self._brush_size = 40
        self._overlay = QColor(DEFAULT_OVERLAY)
        self._mask_tables = mask_color_tables(self._overlay)
        self._pointer: QPointF | None = None
        self._stroking = False
        self._last_stroke_end: tuple[float, float] | None = None
        self._pan_anchor: QPointF | None = None
        self._space_held = False
        self._checker = QBrush(_checkerboard())
        self._update_cursor()

    # -- document ------------------------------------------------------------
    @property
    def document(self) -> Document | None:
        return self._document

    def set_document(self, document: Document | None) -> None:
        """Show `document` (or nothing), fitted to the window."""
        if self._document is not None:
            self._document.end_stroke()
            for signal, slot in self._connections():
                signal.disconnect(slot)
        self._document = document
        self._stroking = False
        self._last_stroke_end = None
        self._wrap_levels()
        if document is not None:
            for signal, slot in self._connections():
                signal.connect(slot)
        self.fit()

    def _connections(self):
        document = self._document
        assert document is not None
        return [
            (document.image_changed, self._on_area_changed),
            (document.mask_changed, self._on_area_changed),
            (document.pixels_replaced, self._on_pixels_replaced),
            (document.photo_replaced, self.fit),
        ]

    def _wrap_levels(self) -> None:
        document = self._document
        self._image_levels = []
        self._mask_levels = []
        if document is None:
            return
        fmt = QImage.Format.Format_RGBA8888 if document.has_alpha else QImage.Format.Format_RGBX8888
        self._image_levels = [wrap_array(level, fmt) for level in document.image_pyramid.levels]
        exact, ramp = self._mask_tables
        self._mask_levels = [
            wrap_array(level, QImage.Format.Format_Indexed8, exact if index == 0 else ramp)
            for index, level in enumerate(document.mask_pyramid.levels)
        ]

    def _on_pixels_replaced(self) -> None:
        self._wrap_levels()
        self.update()

    def _on_area_changed(self, box: Box) -> None:
        self.update(self.widget_rect(box))

    # -- view transform --------------------------------------------------------
    @property
    def scale(self) -> float:
        return self._scale

    @property
    def offset(self) -> QPointF:
        return QPointF(self._offset)

    def to_image(self, point: QPointF) -> tuple[float, float]:
        """Widget coordinates to image pixel coordinates (floats)."""
        return (
            (point.x() - self._offset.x()) / self._scale,
            (point.y() - self._offset.y()) / self._scale,
        )

    def to_widget(self, x: float, y: float) -> QPointF:
        return QPointF(x * self._scale + self._offset.x(), y * self._scale + self._offset.y())

    def widget_rect(self, box: Box) -> QRect:
        """The widget pixels showing an image box (rounded outwards, with a margin)."""
        top_left = self.to_widget(box.left, box.top)
        rect = QRectF(top_left.x(), top_left.y(), box.width * self._scale, box.height * self._scale)
        return rect.toAlignedRect().adjusted(-2, -2, 2, 2)

    def image_widget_rect(self) -> QRectF:
        """Where the whole photo lies in widget coordinates."""
        if self._document is None:
            return QRectF()
        return QRectF(
            self._offset.x(),
            self._offset.y(),
            self._document.width * self._scale,
            self._document.height * self._scale,
        )

    def _set_view(self, scale: float, offset: QPointF) -> None:
        scale = min(MAX_SCALE, max(MIN_SCALE, scale))
        changed = not math.isclose(scale, self._scale)
        self._scale = scale
        self._offset = self._clamped(offset)
        self.update()
        if changed:
            self.zoom_changed.emit(self._scale)

    def _clamped(self, offset: QPointF) -> QPointF:
        """Center the photo along an axis where it fits; elsewhere keep it on screen."""
        if self._document is None:
            return QPointF(0, 0)
        values = []
        for size, view, value in (
            (self._document.width * self._scale, self.width(), offset.x()),
            (self._document.height * self._scale, self.height(), offset.y()),
        ):
            if size <= view:
                values.append(round((view - size) / 2))
            else:
                slack = view / 2
                values.append(min(slack, max(view - size - slack, value)))
        return QPointF(values[0], values[1])

    def fit(self) -> None:
        """Show the whole photo (never enlarged beyond 100%)."""
        self._fit_mode = True
        if self._document is None:
            self.update()
            return
        width = max(1, self.width() - 2 * FIT_MARGIN)
        height = max(1, self.height() - 2 * FIT_MARGIN)
        scale = min(1.0, width / self._document.width, height / self._document.height)
        self._set_view(scale, QPointF(0, 0))

    def zoom_to(self, scale: float, anchor: QPointF | None = None) -> None:
        """Zoom to `scale`, keeping the image point under `anchor` (default: centre) still."""
        if self._document is None:
            return
        self._fit_mode = False
        if anchor is None:
            anchor = QPointF(self.width() / 2, self.height() / 2)
        scale = min(MAX_SCALE, max(MIN_SCALE, scale))
        ratio = scale / self._scale
        offset = anchor - (anchor - self._offset) * ratio
        self._set_view(scale, offset)

    def zoom_in(self) -> None:
        bigger = [step for step in ZOOM_STEPS if step > self._scale * 1.001]
        self.zoom_to(bigger[0] if bigger else MAX_SCALE)

    def zoom_out(self) -> None:
        smaller = [step for step in ZOOM_STEPS if step < self._scale / 1.001]
        self.zoom_to(smaller[-1] if smaller else MIN_SCALE)

    def actual_pixels(self) -> None:
        self.zoom_to(1.0)

    def pan_by(self, delta: QPointF) -> None:
        self._fit_mode = False
        self._set_view(self._scale, self._offset + delta)

    # -- tools -----------------------------------------------------------------
    @property
    def tool(self) -> str:
        return self._tool

    def set_tool(self, tool: str) -> None:
        if tool not in (BRUSH, ERASER):
            raise ValueError(f"unknown tool {tool!r}")
        self._tool = tool
        self._update_pointer_area()

    @property
    def brush_size(self) -> int:
        return self._brush_size

    def set_brush_size(self, size: int) -> None:
        size = max(1, min(5000, int(size)))
        if size == self._brush_size:
            return
        old = self._pointer_rect()
        self._brush_size = size
        self.update(old.united(self._pointer_rect()))
        self.brush_size_changed.emit(size)

    def set_overlay_color(self, color: QColor) -> None:
        self._overlay = QColor(color)
        self._mask_tables = mask_color_tables(self._overlay)
        self._wrap_levels()
        self.update()

    # -- painting --------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        try:
            area = event.rect()
            painter.fillRect(area, BACKGROUND)
            if self._document is None:
                self._paint_hint(painter)
                return
            self._paint_layers(painter, area)
            self._paint_pointer(painter)
        finally:
            painter.end()

    def _paint_hint(self, painter: QPainter) -> None:
        painter.setPen(HINT_COLOR)
        font = painter.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        painter.setFont(font)
        painter.drawText(
            self.rect(),
            Qt.AlignmentFlag.AlignCenter,
            "Open a photo (Ctrl+O) or drop one here",
        )

    def _paint_layers(self, painter: QPainter, area: QRect) -> None:
        document = self._document
        assert document is not None
        # Device pixels per image pixel decide the level (a HiDPI screen has two per point).
        ratio = self.devicePixelRatioF()
        level = document.image_pyramid.level_for_scale(self._scale * ratio)
        level = min(level, len(self._mask_levels) - 1, len(self._image_levels) - 1)
        image = self._image_levels[level]
        factor = 2**level
        level_scale = self._scale * factor
        visible = QRectF(area).intersected(self.image_widget_rect())
        if visible.isEmpty():
            return
        if document.has_alpha:
            painter.setBrushOrigin(self._offset.toPoint())
            painter.fillRect(visible, self._checker)
        inverse = QTransform()
        inverse.scale(1 / level_scale, 1 / level_scale)
        inverse.translate(-self._offset.x(), -self._offset.y())
        source = inverse.mapRect(visible).toAlignedRect().adjusted(-1, -1, 1, 1)
        source = source.intersected(image.rect())
        if source.isEmpty():
            return
        painter.save()
        painter.setClipRect(area)
        view = QTransform()
        view.translate(self._offset.x(), self._offset.y())
        view.scale(level_scale, level_scale)
        painter.setTransform(view)
        # Smooth when shrinking and at small enlargements (uneven blocky pixels look
        # wrong at 150%); exact square pixels at 100% and from 200% on, for inspection.
        device_scale = level_scale * ratio
        smooth = device_scale < SHARP_FROM and not math.isclose(device_scale, 1.0)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        corner = QPointF(source.topLeft())
        painter.drawImage(corner, image, source)
        painter.drawImage(corner, self._mask_levels[level], source)
        painter.restore()

    def _pointer_centre(self) -> QPointF | None:
        if self._pointer is None or self._document is None:
            return None
        x, y = snap_centre(self.to_image(self._pointer), self._brush_size)
        return self.to_widget(x, y)

    def _pointer_rect(self) -> QRect:
        centre = self._pointer_centre()
        if centre is None:
            return QRect()
        radius = self._brush_size * self._scale / 2 + 4
        return QRectF(
            centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius
        ).toAlignedRect()

    def _update_pointer_area(self) -> None:
        self.update(self._pointer_rect())

    def _paint_pointer(self, painter: QPainter) -> None:
        if self._pan_anchor is not None or self._space_held:
            return
        centre = self._pointer_centre()
        if centre is None:
            return
        radius = self._brush_size * self._scale / 2
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        style = Qt.PenStyle.DashLine if self._tool == ERASER else Qt.PenStyle.SolidLine
        # Cosmetic pens: Qt's antialiased non-cosmetic 1-pixel stroker is ten times slower.
        shadow = QPen(QColor(0, 0, 0, 150), 3)
        shadow.setCosmetic(True)
        line = QPen(QColor(255, 255, 255, 230), 0, style)
        if radius >= 3:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(shadow)
            painter.drawEllipse(centre, radius, radius)
            painter.setPen(line)
            painter.drawEllipse(centre, radius, radius)
        else:
            painter.setPen(QPen(QColor(255, 255, 255, 230), 0))
            painter.drawLine(centre - QPointF(4, 0), centre + QPointF(4, 0))
            painter.drawLine(centre - QPointF(0, 4), centre + QPointF(0, 4))

    # -- input -----------------------------------------------------------------
    def _update_cursor(self) -> None:
        if self._pan_anchor is not None:
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif self._space_held:
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.setCursor(QCursor(Qt.CursorShape.CrossCursor))

    def _move_pointer(self, position: QPointF | None) -> None:
        old = self._pointer_rect()
        self._pointer = position
        self.update(old.united(self._pointer_rect()))

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        position = event.position()
        button = event.button()
        if self._document is None:
            return
        if button == Qt.MouseButton.MiddleButton or (
            button == Qt.MouseButton.LeftButton and self._space_held
        ):
            self._pan_anchor = position
            self._update_cursor()
            self._update_pointer_area()
            return
        if button != Qt.MouseButton.LeftButton or self._stroking:
            return
        point = self.to_image(position)
        erase = self._tool == ERASER
        straight = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        if straight and self._last_stroke_end is not None:
            self._document.begin_stroke(self._last_stroke_end, self._brush_size, erase)
            self._document.stroke_to(point)
        else:
            self._document.begin_stroke(point, self._brush_size, erase)
        self._stroking = True
        self._last_stroke_end = point
        self._move_pointer(position)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        position = event.position()
        if self._pan_anchor is not None:
            delta = position - self._pan_anchor
            self._pan_anchor = position
            self.pan_by(delta)
            self._pointer = position
            return
        if self._stroking and self._document is not None:
            point = self.to_image(position)
            self._document.stroke_to(point)
            self._last_stroke_end = point
        self._move_pointer(position)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        button = event.button()
        if self._pan_anchor is not None and button in (
            Qt.MouseButton.MiddleButton,
            Qt.MouseButton.LeftButton,
        ):
            self._pan_anchor = None
            self._update_cursor()
            self._update_pointer_area()
            return
        if button == Qt.MouseButton.LeftButton and self._stroking:
            self.end_stroke()

    def end_stroke(self) -> None:
        """Finish a stroke in progress (it becomes one undo step)."""
        self._stroking = False
        if self._document is not None:
            self._document.end_stroke()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120.0
        if steps == 0 or self._document is None:
            return
        self.zoom_to(self._scale * WHEEL_STEP**steps, event.position())
        event.accept()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = True
            self._update_cursor()
            self._update_pointer_area()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            self._update_cursor()
            self._update_pointer_area()
            return
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802
        self._space_held = False
        self._update_cursor()
        super().focusOutEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802
        self._move_pointer(None)
        super().leaveEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802
        if self._fit_mode:
            self.fit()
        else:
            self._offset = self._clamped(self._offset)
        super().resizeEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(1100, 750)
