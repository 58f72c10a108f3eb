"""Fit to Window enlarges a small photo; holding \\ labels the original view."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.gui.helpers import open_photo
from ui.core.convert import array_from_qimage


def _shown(window) -> np.ndarray:
    QApplication.sendEvent(window.canvas, QEvent(QEvent.Type.Leave))
    return array_from_qimage(window.canvas.grab().toImage())[..., :3].astype(int)


def test_fit_to_window_enlarges_a_small_photo_and_keeps_fitting(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)  # 128 x 96: opens at 100%
    canvas = window.canvas
    assert canvas.scale == 1.0
    window.features["view"].fit_action.trigger()
    expected = min((canvas.width() - 48) / 128, (canvas.height() - 48) / 96)
    assert canvas.scale > 2 and abs(canvas.scale - expected) < 1e-6
    rect = canvas.image_widget_rect()
    assert rect.width() <= canvas.width() and rect.height() <= canvas.height()
    window.resize(1100, 800)
    qtbot.waitUntil(lambda: canvas.scale > expected + 0.1)  # still fitted, larger window
    canvas.actual_pixels()
    assert canvas.scale == 1.0


def test_holding_backslash_shows_an_original_label(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    canvas = window.canvas
    before = _shown(window)
    corner = (slice(8, 40), slice(8, 90))
    assert before[corner].max() < 100  # plain dark background there
    QTest.keyPress(canvas, Qt.Key.Key_Backslash)
    label = _shown(window)[corner]
    assert (label.min(axis=2) > 200).sum() > 20  # white lettering
    QTest.keyRelease(canvas, Qt.Key.Key_Backslash)
    assert np.array_equal(_shown(window), before)
