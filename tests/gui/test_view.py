"""Zoom and view keys through the real window's shortcuts, and the brush outline's size."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.gui.helpers import drag, open_photo
from ui.core.convert import array_from_qimage

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def window(sync_window):
    """These tests need no job thread: their jobs run on the GUI thread."""
    return sync_window


def test_zoom_shortcuts_step_fit_and_show_actual_pixels(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    canvas = window.canvas
    qtbot.keyClick(canvas, Qt.Key.Key_Plus, CTRL)
    assert canvas.scale == 1.5 and window.zoom_label.text() == "150%"
    qtbot.keyClick(canvas, Qt.Key.Key_Equal, CTRL)
    assert canvas.scale == 2.0
    qtbot.keyClick(canvas, Qt.Key.Key_Minus, CTRL)
    qtbot.keyClick(canvas, Qt.Key.Key_Minus, CTRL)
    qtbot.keyClick(canvas, Qt.Key.Key_Minus, CTRL)
    assert canvas.scale == pytest.approx(2 / 3)
    qtbot.keyClick(canvas, Qt.Key.Key_1, CTRL)
    assert canvas.scale == 1.0
    canvas.zoom_to(6.0)
    qtbot.keyClick(canvas, Qt.Key.Key_0, CTRL)
    # Fit to Window fills the window, enlarging a small photo (issue 19).
    fitted = min((canvas.width() - 48) / 128, (canvas.height() - 48) / 96)
    assert canvas.scale == pytest.approx(fitted)
    rect = canvas.image_widget_rect()
    assert rect.center().x() == pytest.approx(canvas.width() / 2, abs=1)


def test_space_drag_and_middle_drag_pan_in_the_window(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    canvas = window.canvas
    canvas.zoom_to(8.0)
    start = canvas.offset
    QTest.keyPress(canvas, Qt.Key.Key_Space)
    drag(qtbot, canvas, [QPoint(200, 200), QPoint(170, 185)])
    QTest.keyRelease(canvas, Qt.Key.Key_Space)
    assert canvas.offset - start == QPointF(-30, -15)
    drag(qtbot, canvas, [QPoint(200, 200), QPoint(230, 200)], Qt.MouseButton.MiddleButton)
    assert canvas.offset - start == QPointF(0, -15)
    assert not window.document.mask.any()


def test_the_outline_shows_the_brush_at_its_real_size_at_any_zoom(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    canvas = window.canvas
    window.canvas.set_mask_visible(False)
    for zoom, size in ((1.0, 20), (3.0, 20), (2.0, 41)):
        canvas.zoom_to(zoom)
        window.features["mask"].brush_size.set_value(size)
        centre = canvas.to_widget(64.0, 48.0)
        QApplication.sendEvent(canvas, QEvent(QEvent.Type.Leave))
        plain = array_from_qimage(canvas.grab().toImage())[..., :3].astype(int)
        QTest.mouseMove(canvas, QPoint(5, 5))
        QTest.mouseMove(canvas, QPoint(round(centre.x()), round(centre.y())))
        shown = array_from_qimage(canvas.grab().toImage())[..., :3].astype(int)
        y = round(centre.y())
        drawn = np.flatnonzero(np.abs(shown[y] - plain[y]).sum(axis=1) > 60)
        # The outline (with its 3-pixel shadow) spans the brush's diameter on screen.
        assert drawn.max() - drawn.min() == pytest.approx(size * zoom, abs=4)
