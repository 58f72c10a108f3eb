"""Heal as you paint: a healed stroke is one History entry; one undo takes back both."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import Qt

from restorer.catalog import builtin_engines, use_registry
from restorer.engines import Engine, EngineRegistry
from restorer.progress import Progress
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


class UnhurriedEngine(Engine):
    """Fills the hole with a flat colour after a pause: heals queue up behind it."""

    id = "test-unhurried"
    label = "Unhurried (test)"
    description = "A test engine that takes a moment."
    devices = ("cpu", "cuda")

    def inpaint(self, image, mask, progress: Progress, *, device="cpu", seed=0):
        time.sleep(0.8)
        out = image.copy()
        out[mask] = (10, 200, 30)
        return out


@pytest.fixture
def unhurried_engine():
    fresh = EngineRegistry()
    for engine in builtin_engines():
        fresh.register(engine)
    fresh.register(UnhurriedEngine())
    with use_registry(fresh):
        yield


def test_queued_strokes_are_one_step_each(qtbot, window, photo_path, unhurried_engine):
    open_photo(qtbot, window, photo_path)
    window.engine_choice.reload()
    window.engine_combo.setCurrentIndex(window.engine_combo.findData("test-unhurried"))
    original = pixels_rgb(window)
    document = window.document
    heal = window.features["mask"].heal
    heal.set_enabled(True)
    window.features["mask"].brush_size.set_value(6)
    # Three fast strokes: the second and third wait while the first heals.
    lines = [
        [(20.0, 20.0), (40.0, 20.0)],
        [(20.0, 50.0), (40.0, 50.0)],
        [(20.0, 80.0), (40.0, 80.0)],
    ]
    for line in lines:
        stroke_along(qtbot, window.canvas, line)
    assert heal.busy and len(heal._queue) == 2
    assert [document.undo_stack.text(i) for i in range(3)] == ["Brush stroke"] * 3

    qtbot.waitUntil(lambda: not heal.busy and not window.jobs.busy, timeout=20000)
    document.flush()
    stack = document.undo_stack
    assert stack.count() == 3 and stack.index() == 3
    assert [stack.text(i) for i in range(3)] == ["Heal (Unhurried (test))"] * 3
    history = window.features["view"].history_view.model()
    assert history.rowCount() == 4  # "Opened" and one row per healed stroke
    assert history.index(3, 0).data() == "Heal (Unhurried (test))"
    assert not document.mask.any()
    healed = pixels_rgb(window)
    for y in (20, 50, 80):
        assert tuple(healed[y, 30]) == (10, 200, 30)
    assert window.features["edit"].undo_action.text().endswith("Heal (Unhurried (test))")

    # Each undo takes back one stroke and its heal, last first.
    window.features["edit"].undo()
    document.flush()
    after_one = pixels_rgb(window)
    assert np.array_equal(after_one[70:], original[70:]) and tuple(after_one[50, 30]) == (
        10,
        200,
        30,
    )
    assert not document.mask.any()
    window.features["edit"].undo()
    window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(window), original) and not document.mask.any()
    assert not document.is_modified
    for _ in range(3):
        window.features["edit"].redo()
    document.flush()
    assert np.array_equal(pixels_rgb(window), healed) and not document.mask.any()
