"""View → Navigator: a dock with a thumbnail of the photo and the part the canvas shows.

The thumbnail is drawn from the document's image pyramid (the smallest level that is
still as large as the thumbnail), shared, never copied from the full-size photo. A frame
marks the visible rectangle; clicking or dragging in the thumbnail scrolls the canvas
there. It follows zoom, scrolling, window size and edits.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QDockWidget, QWidget

from ui.core.convert import wrap_array
from ui.document import Document
from ui.shell import MenuId, Shell

THUMB_SIDE = 220  # the thumbnail's longest side, in widget pixels (at most)
REFRESH_MS = 150  # edits to the photo redraw the thumbnail at most this often


def thumbnail_level(levels: list[tuple[int, int]], side: int) -> int:
    """The index of the smallest pyramid level (sizes as (height, width), largest
    first) whose longest side is still at least `side` (the last one if none is)."""
    best = 0
    for index, (height, width) in enumerate(levels):
        if max(height, width) >= side:
            best = index
    return best


class NavigatorView(QWidget):
    """The thumbnail with the visible rectangle; press or drag to move the view."""

    def __init__(self, shell: Shell, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("navigatorView")
        self.shell = shell
        self.canvas = shell.canvas
        self.setMinimumSize(120, 90)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._document: Document | None = None
        self._image: QImage | None = None
        self._level = 0
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(self.update)
        self.canvas.viewport_changed.connect(self.update)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(THUMB_SIDE + 16, round(THUMB_SIDE * 0.75) + 16)

    def set_document(self, document: Document | None) -> None:
        if self._document is not None:
            with contextlib.suppress(RuntimeError, TypeError):  # it may be gone already
                self._document.image_changed.disconnect(self._edited)
                self._document.pixels_replaced.disconnect(self._edited)
        self._document = document
        if document is not None:
            document.image_changed.connect(self._edited)
            document.pixels_replaced.connect(self._edited)
        self._wrap()
        self.update()

    def _edited(self, *_: object) -> None:
        self._wrap()
        if not self._refresh.isActive():
            self._refresh.start()

    def _wrap(self) -> None:
        """Wrap the pyramid level the thumbnail is drawn from (shared memory, no copy)."""
        document = self._document
        self._image = None
        if document is None:
            return
        levels = document.image_pyramid.levels
        self._level = thumbnail_level([level.shape[:2] for level in levels], THUMB_SIDE)
        fmt = QImage.Format.Format_RGBA8888 if document.has_alpha else QImage.Format.Format_RGBX8888
        self._image = wrap_array(levels[self._level], fmt)

    @property
    def level(self) -> int:
        """The pyramid level the thumbnail shows (0 is the full-size photo)."""
        return self._level

    # -- geometry ------------------------------------------------------------------
    def thumb_rect(self) -> QRectF:
        """Where the photo is drawn in this widget (fitted, centred)."""
        document = self._document
        if document is None:
            return QRectF()
        scale = self.thumb_scale()
        width, height = document.width * scale, document.height * scale
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def thumb_scale(self) -> float:
        """Widget pixels per image pixel."""
        document = self._document
        if document is None:
            return 1.0
        margin = 8
        return min(
            (self.width() - 2 * margin) / document.width,
            (self.height() - 2 * margin) / document.height,
        )

    def view_rect(self) -> QRectF:
        """The canvas's visible part, in this widget's coordinates."""
        shown = self.canvas.visible_image_rect()
        if shown.isEmpty():
            return QRectF()
        scale, corner = self.thumb_scale(), self.thumb_rect().topLeft()
        return QRectF(corner + shown.topLeft() * scale, shown.size() * scale)

    def to_image(self, point: QPointF) -> tuple[float, float]:
        corner, scale = self.thumb_rect().topLeft(), self.thumb_scale()
        return (point.x() - corner.x()) / scale, (point.y() - corner.y()) / scale

    # -- painting and input ------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(30, 30, 31))
        if self._image is None:
            painter.setPen(QColor(140, 140, 145))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No photo")
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(self.thumb_rect(), self._image)
        frame = self.view_rect()
        if not frame.isEmpty():
            painter.setPen(QPen(QColor(0, 0, 0, 170), 3))
            painter.drawRect(frame)
            painter.setPen(QPen(QColor(255, 60, 90), 1))
            painter.drawRect(frame)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton:
            self._move_view(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._move_view(event.position())

    def _move_view(self, position: QPointF) -> None:
        if self._document is not None:
            self.canvas.center_on(*self.to_image(position))


class Navigator:
    """The dock and its View menu entry (F8)."""

    def __init__(self, shell: Shell) -> None:
        dock = QDockWidget("Navigator", shell.widget())
        dock.setObjectName("navigatorDock")
        self.view = NavigatorView(shell, dock)
        dock.setWidget(self.view)
        shell.add_dock(dock, Qt.DockWidgetArea.RightDockWidgetArea)
        dock.hide()  # shown from View → Navigator; the window remembers it after that
        self.dock = dock
        self.action = dock.toggleViewAction()
        self.action.setText("&Navigator")
        self.action.setShortcut("F8")
        self.action.setStatusTip("A thumbnail of the photo: click or drag in it to move the view")
        self.action.setProperty("plainName", "Navigator panel")
        shell.widget().addAction(self.action)
        shell.add_to_menu(MenuId.VIEW, [self.action])
        shell.document_changed.connect(self.view.set_document)
        self.view.set_document(shell.document)


def install(shell: Shell) -> Navigator:
    return Navigator(shell)
