"""Heal as you paint: a healed stroke is one History entry; one undo takes back both."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from tests.gui.helpers import open_photo, pixels_rgb, stroke_along


def test_a_healed_stroke_is_one_step(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    original = pixels_rgb(window)
    document = window.document
    heal = window.features["mask"].heal
    qtbot.keyClick(window.canvas, Qt.Key.Key_J)
    assert heal.enabled
    window.features["mask"].brush_size.set_value(10)
    with qtbot.waitSignal(heal.healed, timeout=20000):
        stroke_along(qtbot, window.canvas, [(30.0, 30.0), (60.0, 34.0)])
    qtbot.waitUntil(lambda: not window.jobs.busy)
    document.flush()
    healed = pixels_rgb(window)
    assert (healed != original).any() and not document.mask.any()
    assert document.undo_stack.count() == 1
    assert document.undo_stack.text(0).startswith("Heal (")
    assert document.is_modified

    window.features["edit"].undo()  # one undo: the repair and the stroke
    assert np.array_equal(pixels_rgb(window), original)
    assert not document.mask.any() and not document.is_modified
    window.features["edit"].redo()
    assert np.array_equal(pixels_rgb(window), healed)
    assert not document.mask.any() and document.is_modified
    window.features["edit"].undo()

    # A second stroke healed on its own is a second single step.
    with qtbot.waitSignal(heal.healed, timeout=20000):
        stroke_along(qtbot, window.canvas, [(80.0, 70.0), (100.0, 70.0)])
    qtbot.waitUntil(lambda: not window.jobs.busy)
    assert document.undo_stack.count() == 1 and document.undo_stack.text(0).startswith("Heal")
