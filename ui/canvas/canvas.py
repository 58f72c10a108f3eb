"""The photo canvas: draws the photo and its mask, zooms, pans, and paints the mask.

A plain QWidget with its own view transform (scale and offset) rather than a
QGraphicsScene: it repaints only the rectangle Qt asks for, from a QImage that shares
the document's numpy pixels (no conversion per repaint). Zoomed out, it draws the
pyramid level nearest the screen's resolution, so the cost of a repaint follows the
size of the window, not of the photo, and the photo does not shimmer.

The mask is coverage (0..255) drawn through a colour table in the overlay colour and
opacity; it can be hidden. For comparing, the original photo (`Document.original`,
kept only where it changed) is drawn over the working one: everywhere while the
compare key is held, or left of a draggable divider in the split view.

Input: left button paints with the current tool (shift-click draws a straight line from
the end of the last stroke), or goes to a retouching tool's handler (`set_tool_handler`:
clone stamp, healing brush, spot heal), which may draw an overlay (a source cross-hair); middle button, or left button with space held, pans; the
wheel zooms about the pointer; in the split view, dragging the divider moves it.
"""

from __future__ import annotations

import math
from typing import Protocol

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
from ui.core.convert import wrap_array
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


PREVIEW_MASK_DIM = 0.35  # mask overlay opacity factor while a repair's preview shows
COMPARE_KEY = Qt.Key.Key_Backslash  # held: show the original photo
DIVIDER_GRAB = 6  # widget pixels either side of the split divider that grab it


def mask_color_table(color: QColor, opacity: float) -> list[int]:
    """Colour table for mask QImages: coverage 0..255 shown in `color` at `opacity`."""
    alpha = 255 * max(0.0, min(1.0, opacity))
    table = []
    for value in range(256):
        shade = QColor(color)
        shade.setAlpha(round(alpha * value / 255))
        table.append(shade.rgba())
    return table


def _checkerboard() -> QPixmap:
    tile = QPixmap(16, 16)
    tile.fill(QColor(88, 88, 90))
    painter = QPainter(tile)
    painter.fillRect(0, 0, 8, 8, QColor(120, 120, 123))
    painter.fillRect(8, 8, 8, 8, QColor(120, 120, 123))
    painter.end()
    return tile


class ToolHandler(Protocol):
    """A tool that takes the left button instead of the mask brush (clone, healing, spot
    heal). Points are image pixels; `overlay_rect`/`paint_overlay` are widget pixels."""

    def press(self, point: tuple[float, float], modifiers: Qt.KeyboardModifier) -> None: ...

    def move(self, point: tuple[float, float]) -> None: ...

    def release(self, point: tuple[float, float]) -> None: ...

    def hover(self, point: tuple[float, float] | None) -> None: ...

    def overlay_rect(self) -> QRect: ...

    def paint_overlay(self, painter: QPainter) -> None: ...


class Canvas(QWidget):
    """Shows a `Document` and turns mouse input into brush strokes, zoom and pan."""

    zoom_changed = Signal(float)
    brush_size_changed = Signal(int)
    view_changed = Signal()  # overlay, mask visibility, compare mode, hardness
    viewport_changed = Signal()  # zoom, scroll or size: what part of the photo shows
    tool_changed = Signal(str)  # the tool's name: brush, eraser, or a handler's `name`

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
        self._fit_enlarge = False  # the fit enlarges a small photo (Fit to Window)
        self._tool = BRUSH
        self._handler: ToolHandler | None = None  # a retouching tool, over `_tool`
        self._handler_down = False
        self._brush_size = 40
        self._hardness = 1.0
        self._overlay = QColor(DEFAULT_OVERLAY)
        self._opacity = DEFAULT_OVERLAY.alphaF()
        self._overlay.setAlpha(255)
        self._mask_table = mask_color_table(self._overlay, self._opacity)
        self._mask_visible = True
        self._showing_original = False
        self._split = False
        self._split_fraction = 0.5
        self._dragging_divider = False
        self._original_images: dict[tuple[int, int, int], QImage] = {}
        self._pointer: QPointF | None = None
        self._last_stroke_end: tuple[float, float] | None = None
        self._pan_anchor: QPointF | None = None
        self._space_held = False
        self._checker = QBrush(_checkerboard())
        self._preview: tuple[Box, QImage] | None = None
        self._preview_ending = False  # drop the preview once the result is written
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
        self._preview = None
        self._preview_ending = False
        self._last_stroke_end = None
        self._original_images = {}
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
        self._mask_levels = [
            wrap_array(level, QImage.Format.Format_Indexed8, self._mask_table)
            for level in document.mask_pyramid.levels
        ]

    def _on_pixels_replaced(self) -> None:
        # A copy with the same pixels (copy-on-write): wrap it, nothing to repaint (a
        # 12-MP repaint costs tens of ms). A new photo repaints on `photo_replaced`.
        self._original_images = {}  # the photo may have been replaced as a whole
        self._wrap_levels()

    def _on_area_changed(self, box: Box) -> None:
        self.update(self.widget_rect(box))

    # -- running repair's preview -------------------------------------------------
    @property
    def preview(self) -> tuple[Box, QImage] | None:
        """The partial result shown over the photo while a repair runs, if any."""
        return self._preview

    def set_preview(self, box: Box | None, image: QImage | None = None) -> None:
        """Show `image` (RGBA, any size: it is scaled to fit) over `box` of the photo,
        or remove the preview with None. The document is not changed."""
        old = self._preview
        self._preview = None if box is None or image is None else (box, image)
        self._preview_ending = False
        for shown in (old, self._preview):
            if shown is not None:
                self.update(self.widget_rect(shown[0]))

    def end_preview(self) -> None:
        """Remove the preview once no repair is being written into the document: from
        the next repaint (or `drop_written_preview`) on, not before, so a result applied
        just after this call replaces it without the old photo showing in between."""
        self._preview_ending = True

    def drop_written_preview(self) -> bool:
        """Remove an ended preview whose result is written; True when none is left."""
        ending = self._preview is not None and self._preview_ending
        if ending and not self._preview_pending_write():
            self.set_preview(None)
        return self._preview is None

    def _preview_pending_write(self) -> bool:
        return self._document is not None and self._document.writing

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
        self.viewport_changed.emit()

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

    def fit(self, enlarge: bool = False) -> None:
        """Show the whole photo; a small photo is enlarged to fill the window only when
        `enlarge` (View → Fit to Window), not when it opens."""
        self._fit_mode = True
        self._fit_enlarge = enlarge
        if self._document is None:
            self.update()
            return
        width = max(1, self.width() - 2 * FIT_MARGIN)
        height = max(1, self.height() - 2 * FIT_MARGIN)
        largest = MAX_SCALE if enlarge else 1.0
        scale = min(largest, width / self._document.width, height / self._document.height)
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

    def center_on(self, x: float, y: float) -> None:
        """Scroll so that image point (x, y) is in the middle (as far as it can go)."""
        centre = QPointF(self.width() / 2, self.height() / 2)
        self.pan_by(centre - self.to_widget(x, y))

    def visible_image_rect(self) -> QRectF:
        """The part of the photo the canvas shows, in image pixels."""
        if self._document is None:
            return QRectF()
        left, top = self.to_image(QPointF(0, 0))
        right, bottom = self.to_image(QPointF(self.width(), self.height()))
        shown = QRectF(left, top, right - left, bottom - top)
        return shown.intersected(QRectF(0, 0, self._document.width, self._document.height))

    # -- tools -----------------------------------------------------------------
    @property
    def tool(self) -> str:
        return self._tool

    def set_tool(self, tool: str) -> None:
        if tool not in (BRUSH, ERASER):
            raise ValueError(f"unknown tool {tool!r}")
        self._tool = tool
        self.set_tool_handler(None)
        self._update_pointer_area()

    @property
    def tool_handler(self) -> ToolHandler | None:
        return self._handler

    def set_tool_handler(self, handler: ToolHandler | None) -> None:
        """Let `handler` take the left button (None: back to the mask brush/eraser)."""
        if handler is self._handler:
            return
        self._update_handler_area()
        if self._handler is not None and self._handler_down:
            self._handler_down = False
            self._handler.release(self._last_stroke_end or (0.0, 0.0))
        self._handler = handler
        self._update_handler_area()
        self.tool_changed.emit(getattr(handler, "name", self._tool))

    def refresh_overlay(self, old: QRect | None = None) -> None:
        """Repaint the tool handler's overlay (and `old`, where it was)."""
        self.update(self._handler_rect().united(old or QRect()))

    def _handler_rect(self) -> QRect:
        return self._handler.overlay_rect() if self._handler is not None else QRect()

    def _update_handler_area(self) -> None:
        self.update(self._handler_rect())

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

    @property
    def hardness(self) -> float:
        return self._hardness

    def set_hardness(self, hardness: float) -> None:
        """Brush hardness, 0 (soft edge across the whole radius) to 1 (hard edge)."""
        hardness = round(max(0.0, min(1.0, float(hardness))), 2)
        if hardness != self._hardness:
            self._hardness = hardness
            self._update_pointer_area()
            self.view_changed.emit()

    @property
    def overlay_color(self) -> QColor:
        return QColor(self._overlay)

    @property
    def overlay_opacity(self) -> float:
        return self._opacity

    def set_overlay_color(self, color: QColor) -> None:
        """The mask's colour (its alpha is ignored: see `set_overlay_opacity`)."""
        self._overlay = QColor(color)
        self._overlay.setAlpha(255)
        self._retint_mask()

    def set_overlay_opacity(self, opacity: float) -> None:
        self._opacity = max(0.0, min(1.0, float(opacity)))
        self._retint_mask()

    def _retint_mask(self) -> None:
        self._mask_table = mask_color_table(self._overlay, self._opacity)
        for image in self._mask_levels:
            image.setColorTable(self._mask_table)
        self.update()
        self.view_changed.emit()

    @property
    def mask_visible(self) -> bool:
        return self._mask_visible

    def set_mask_visible(self, visible: bool) -> None:
        self._mask_visible = bool(visible)
        self.update()
        self.view_changed.emit()

    # -- compare -----------------------------------------------------------------
    @property
    def showing_original(self) -> bool:
        return self._showing_original

    def show_original(self, shown: bool) -> None:
        """Show the original photo everywhere (while the compare key is held)."""
        if shown != self._showing_original:
            self._showing_original = shown
            self.update()
            self.view_changed.emit()

    @property
    def split(self) -> bool:
        return self._split

    def set_split(self, split: bool) -> None:
        """Before (left of the divider) and after (right of it) side by side."""
        if split != self._split:
            self._split = split
            self._dragging_divider = False
            self.update()
            self.view_changed.emit()

    @property
    def split_fraction(self) -> float:
        return self._split_fraction

    def set_split_fraction(self, fraction: float) -> None:
        self._split_fraction = max(0.0, min(1.0, float(fraction)))
        self.update()

    def divider_x(self) -> int:
        return round(self.width() * self._split_fraction)

    def _original_clip(self) -> QRect | None:
        """Where the original photo is drawn now, or None."""
        if self._showing_original:
            return self.rect()
        if self._split:
            return QRect(0, 0, self.divider_x(), self.height())
        return None

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
            if self._showing_original:
                self._paint_original_label(painter)
            self._paint_pointer(painter)
            if self._handler is not None and self._pan_anchor is None:
                self._handler.paint_overlay(painter)
        finally:
            painter.end()

    def _paint_original_label(self, painter: QPainter) -> None:
        """'Original' in the top-left corner while the original photo is shown."""
        painter.save()
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        text = "Original"
        box = painter.fontMetrics().boundingRect(text).adjusted(-8, -4, 8, 4)
        box.moveTopLeft(self.rect().topLeft() + QPointF(10, 10).toPoint())
        painter.fillRect(box, QColor(0, 0, 0, 170))
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

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
        clip = self._original_clip()
        if self._preview_ending and not self._preview_pending_write():
            self._preview = None  # the result is written (a flush may have just done it)
        preview = None if self._showing_original else self._preview
        if preview is not None:
            box, image = preview
            target = QRectF(box.left, box.top, box.width, box.height)
            painter.drawImage(QRectF(target.topLeft() / factor, target.size() / factor), image)
        if clip is not None:
            self._paint_original(painter, level, source, clip)
        if self._mask_visible and not self._showing_original:
            # Dimmed while a preview shows, so the fill being made can be seen.
            painter.setOpacity(PREVIEW_MASK_DIM if preview is not None else 1.0)
            painter.drawImage(corner, self._mask_levels[level], source)
            painter.setOpacity(1.0)
        painter.restore()
        if self._split and not self._showing_original:
            self._paint_divider(painter, area)

    def _paint_original(self, painter: QPainter, level: int, source: QRect, clip: QRect) -> None:
        """Lay the kept original tiles over the working photo inside `clip` (widget pixels)."""
        document = self._document
        assert document is not None
        original = document.original
        if not original.tiles:
            return
        factor = 2**level
        box = Box(
            source.top() * factor,
            source.left() * factor,
            (source.bottom() + 1) * factor,
            (source.right() + 1) * factor,
        )
        painter.save()
        view = painter.transform()
        painter.resetTransform()  # `clip` is in widget pixels
        painter.setClipRect(clip, Qt.ClipOperation.IntersectClip)
        painter.setTransform(view)
        fmt = QImage.Format.Format_RGBA8888 if document.has_alpha else QImage.Format.Format_RGBX8888
        for key in original.kept_in(box):
            image = self._original_images.get((*key, level))
            if image is None:
                image = wrap_array(original.level(key, level), fmt)
                self._original_images[(*key, level)] = image
            tile_box = original.tile_box(key)
            painter.drawImage(QPointF(tile_box.left / factor, tile_box.top / factor), image)
        painter.restore()

    def _paint_divider(self, painter: QPainter, area: QRect) -> None:
        x = self.divider_x()
        painter.fillRect(QRect(x - 1, 0, 3, self.height()), QColor(0, 0, 0, 140))
        painter.fillRect(QRect(x, 0, 1, self.height()), QColor(255, 255, 255, 220))
        handle = QRectF(x - 7, self.height() / 2 - 18, 14, 36)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(QColor(0, 0, 0, 160), 1))
        painter.setBrush(QColor(255, 255, 255, 230))
        painter.drawRoundedRect(handle, 4, 4)
        for dx, color in ((1, QColor(0, 0, 0, 200)), (0, QColor(255, 255, 255))):
            painter.setPen(color)
            left = QRectF(0, 6 + dx, x - 10 + dx, 20)
            right = QRectF(x + 10 + dx, 6 + dx, 200, 20)
            painter.drawText(left, Qt.AlignmentFlag.AlignRight, "Before")
            painter.drawText(right, Qt.AlignmentFlag.AlignLeft, "After")

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
        if self._pan_anchor is not None or self._space_held or self._dragging_divider:
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
            inner = radius * self._hardness
            if self._hardness < 1.0 and inner >= 2:
                # Where the soft edge starts: full coverage inside this circle.
                dotted = QPen(QColor(255, 255, 255, 170), 0, Qt.PenStyle.DotLine)
                painter.setPen(dotted)
                painter.drawEllipse(centre, inner, inner)
        else:
            painter.setPen(QPen(QColor(255, 255, 255, 230), 0))
            painter.drawLine(centre - QPointF(4, 0), centre + QPointF(4, 0))
            painter.drawLine(centre - QPointF(0, 4), centre + QPointF(0, 4))

    # -- input -----------------------------------------------------------------
    def _update_cursor(self, position: QPointF | None = None) -> None:
        if self._dragging_divider or (position is not None and self._near_divider(position)):
            self.setCursor(Qt.CursorShape.SplitHCursor)
        elif self._pan_anchor is not None:
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif self._space_held:
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.setCursor(QCursor(Qt.CursorShape.CrossCursor))

    def _move_pointer(self, position: QPointF | None) -> None:
        old = self._pointer_rect().united(self._handler_rect())
        self._pointer = position
        if self._handler is not None:
            self._handler.hover(None if position is None else self.to_image(position))
        self.update(old.united(self._pointer_rect()).united(self._handler_rect()))

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
        if button != Qt.MouseButton.LeftButton or self._document.stroking:
            return
        if self._near_divider(position):
            self._dragging_divider = True
            self._move_pointer(position)  # no brush outline while the divider moves
            return
        point = self.to_image(position)
        if self._handler is not None:
            self._handler_down = True
            self._handler.press(point, event.modifiers())
            self._last_stroke_end = point
            self._move_pointer(position)
            return
        erase = self._tool == ERASER
        straight = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        size, hardness = self._brush_size, self._hardness
        if straight and self._last_stroke_end is not None:
            self._document.begin_stroke(self._last_stroke_end, size, erase, hardness)
            self._document.stroke_to(point)
        else:
            self._document.begin_stroke(point, size, erase, hardness)
        self._last_stroke_end = point
        self._move_pointer(position)

    def _near_divider(self, position: QPointF) -> bool:
        return (
            self._split
            and not self._showing_original
            and abs(position.x() - self.divider_x()) <= DIVIDER_GRAB
        )

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        position = event.position()
        if self._dragging_divider:
            self.set_split_fraction(position.x() / max(1, self.width()))
            self._pointer = position  # the outline comes back here, not where it was
            return
        if self._pan_anchor is not None:
            delta = position - self._pan_anchor
            self._pan_anchor = position
            self.pan_by(delta)
            self._pointer = position
            return
        if self._handler_down and self._handler is not None:
            point = self.to_image(position)
            self._handler.move(point)
            self._last_stroke_end = point
        elif self._document is not None and self._document.stroking:
            point = self.to_image(position)
            self._document.stroke_to(point)
            self._last_stroke_end = point
        elif self._split:
            self._update_cursor(position)
        self._move_pointer(position)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        button = event.button()
        if self._dragging_divider and button == Qt.MouseButton.LeftButton:
            self._dragging_divider = False
            self._move_pointer(event.position())
            return
        if self._pan_anchor is not None and button in (
            Qt.MouseButton.MiddleButton,
            Qt.MouseButton.LeftButton,
        ):
            self._pan_anchor = None
            self._update_cursor()
            self._update_pointer_area()
            return
        if button == Qt.MouseButton.LeftButton and self._handler_down:
            self._handler_down = False
            if self._handler is not None:
                self._handler.release(self.to_image(event.position()))
            return
        if button == Qt.MouseButton.LeftButton and self._document is not None:
            self._document.end_stroke()  # the stroke becomes one undo step

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120.0
        if steps == 0 or self._document is None:
            return
        self.zoom_to(self._scale * WHEEL_STEP**steps, event.position())
        event.accept()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == COMPARE_KEY:
            if not event.isAutoRepeat():
                self.show_original(True)
            return
        if event.key() in (Qt.Key.Key_BraceLeft, Qt.Key.Key_BraceRight):
            # Reached only where a keyboard layout keeps Shift on "{" / "}" so the
            # window's Softer / Harder Brush shortcuts did not match.
            step = 0.1 if event.key() == Qt.Key.Key_BraceRight else -0.1
            self.set_hardness(self._hardness + step)
            return
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = True
            self._update_cursor()
            self._update_pointer_area()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:  # noqa: N802
        if event.key() == COMPARE_KEY:
            if not event.isAutoRepeat():
                self.show_original(False)
            return
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            self._update_cursor()
            self._update_pointer_area()
            return
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802
        self._space_held = False
        self.show_original(False)
        self._update_cursor()
        super().focusOutEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802
        self._move_pointer(None)
        super().leaveEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802
        if self._fit_mode:
            self.fit(self._fit_enlarge)
        else:
            self._offset = self._clamped(self._offset)
            self.viewport_changed.emit()
        super().resizeEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(1100, 750)
