"""A clone or healing stroke is never mixed with another change of the photo: Ctrl+Z or
Redo pressed mid-stroke end the stroke first, a repair finished on the worker mid-stroke
lands after it, and autosave waits for its end. Every step then undoes exactly."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from restorer.recovery import RecoveryStore
from restorer.retouch import RetouchStroke
from tests.gui.helpers import (
    noise_photo,
    open_photo,
    pixels_rgb,
    stroke_along,
    use_tool,
    widget_point,
)
from tests.support.helpers import gradient_photo, write_png

ALT = Qt.KeyboardModifier.AltModifier
NONE = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier
LEFT = Qt.MouseButton.LeftButton


def press(canvas, x, y, modifiers=NONE):
    QTest.mousePress(canvas, LEFT, modifiers, widget_point(canvas, x, y))


def move(canvas, x, y):
    QTest.mouseMove(canvas, widget_point(canvas, x, y))


def release(canvas, x, y):
    QTest.mouseRelease(canvas, LEFT, NONE, widget_point(canvas, x, y))


def painted(image, offset, points, size, hardness=1.0, heal=False):
    """What a stroke through `points` paints on `image` (a copy), made directly."""
    expected = image.copy()
    stroke = RetouchStroke(*image.shape[:2], offset, size, hardness, heal=heal)
    for point in points:
        stroke.line_to(expected, point)
    stroke.finish(expected)
    return expected


def test_ctrl_z_mid_stroke_ends_the_stroke_first_and_both_undo_exactly(
    qtbot, sync_window, tmp_path
):
    path, image = noise_photo(tmp_path, seed=5)
    open_photo(qtbot, sync_window, path)
    canvas, stack = sync_window.canvas, sync_window.document.undo_stack
    use_tool(sync_window, "clone", 7)
    QTest.mouseClick(canvas, LEFT, ALT, widget_point(canvas, 20, 30))
    first = [(70, 30), (80, 30), (90, 30)]
    stroke_along(qtbot, canvas, first)
    after_first = pixels_rgb(sync_window)
    assert np.array_equal(after_first, painted(image, (50, 0), first, 7))
    # The second stroke crosses the first; Ctrl+Z while it is drawn.
    second = [(80, 50), (80, 40), (80, 30)]
    press(canvas, *second[0])
    for point in second[1:]:
        move(canvas, *point)
    both = pixels_rgb(sync_window)
    expected_both = painted(after_first, (50, 0), second, 7)  # aligned
    assert np.array_equal(both, expected_both)
    qtbot.keyClick(canvas, Qt.Key.Key_Z, CTRL)
    # The stroke became its own step, and that step was undone: exactly the first stroke.
    assert (stack.count(), stack.index()) == (2, 1)
    assert np.array_equal(pixels_rgb(sync_window), after_first)
    move(canvas, 80, 20)  # the drag goes on: the ended stroke paints nothing more
    release(canvas, 80, 20)
    assert (stack.count(), stack.index()) == (2, 1)
    assert np.array_equal(pixels_rgb(sync_window), after_first)
    sync_window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(sync_window), image)
    sync_window.features["edit"].redo()
    assert np.array_equal(pixels_rgb(sync_window), after_first)
    sync_window.features["edit"].redo()
    assert np.array_equal(pixels_rgb(sync_window), expected_both)
    # Redo pressed mid-stroke: the stroke is pushed (and clears the redo), nothing lost.
    sync_window.features["edit"].undo()
    press(canvas, 40, 70)
    move(canvas, 50, 70)
    mid = pixels_rgb(sync_window)
    qtbot.keyClick(canvas, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    release(canvas, 60, 70)
    assert (stack.count(), stack.index()) == (2, 2)  # it replaced the undone step
    assert np.array_equal(pixels_rgb(sync_window), mid)
    sync_window.features["edit"].undo()
    sync_window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(sync_window), image)


def test_a_spot_heal_finished_mid_stroke_lands_after_the_stroke(qtbot, sync_window, tmp_path):
    image = gradient_photo(96, 128)
    image[46:51, 60:65] = 5
    path = write_png(tmp_path / "speck.png", image)
    open_photo(qtbot, sync_window, path)
    sync_window.engine_choice.select("telea")
    canvas, document = sync_window.canvas, sync_window.document
    stack = document.undo_stack
    retouch = use_tool(sync_window, "spot", 11)
    QTest.mouseClick(canvas, LEFT, NONE, widget_point(canvas, 62, 48))
    assert retouch.spot.running == 1  # queued: it runs at the next event-loop turn
    use_tool(sync_window, "clone", 9)
    QTest.mouseClick(canvas, LEFT, ALT, widget_point(canvas, 20, 30))
    points = [(64, 25), (64, 32), (64, 40)]  # reaches into the spot's surroundings
    press(canvas, *points[0])
    move(canvas, *points[1])
    qtbot.waitUntil(lambda: retouch.spot.running == 0, timeout=20000)  # done mid-stroke
    assert retouch.spot.healed == 0 and stack.count() == 0  # it waits for the stroke
    assert (pixels_rgb(sync_window)[46:51, 60:65] == 5).all()
    move(canvas, *points[2])
    release(canvas, *points[2])
    assert retouch.spot.healed == 1
    assert stack.count() == 2 and stack.text(0) == "Clone stamp"
    assert stack.text(1).startswith("Spot heal (")
    final = pixels_rgb(sync_window)
    assert final[46:51, 60:65].min() > 30  # the speck is healed
    cloned = painted(image, (44, -5), points, 9)
    sync_window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(sync_window), cloned)  # exactly the stroke
    sync_window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(sync_window), image)
    sync_window.features["edit"].redo()
    sync_window.features["edit"].redo()
    assert np.array_equal(pixels_rgb(sync_window), final)


def test_a_healing_blend_finished_mid_stroke_waits_for_it(
    qtbot, sync_window, tmp_path, monkeypatch
):
    from ui.features.retouch import tools

    monkeypatch.setattr(tools, "SYNC_HEAL_AREA", 100)  # the blend goes to the worker
    path, image = noise_photo(tmp_path, seed=5)
    open_photo(qtbot, sync_window, path)
    canvas, stack = sync_window.canvas, sync_window.document.undo_stack
    retouch = use_tool(sync_window, "healing", 9, hardness=0.6)
    QTest.mouseClick(canvas, LEFT, ALT, widget_point(canvas, 20, 30))
    stroke_along(qtbot, canvas, [(70, 30), (80, 30)])
    preview = pixels_rgb(sync_window)
    assert retouch.healing.finishing == 1
    # A second stroke over the first starts before the blend comes back.
    press(canvas, 75, 40)
    move(canvas, 75, 30)
    qtbot.waitUntil(lambda: retouch.healing.finishing == 0, timeout=10000)
    during = pixels_rgb(sync_window)
    release(canvas, 75, 30)
    # The stroke painted over the preview: the blend is dropped, never mixed in.
    assert stack.count() == 2
    second = pixels_rgb(sync_window)
    sync_window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(sync_window), preview)
    sync_window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(sync_window), image)
    sync_window.features["edit"].redo()
    sync_window.features["edit"].redo()
    assert np.array_equal(pixels_rgb(sync_window), second)
    assert not np.array_equal(during, preview)


def test_autosave_waits_for_a_clone_stroke(qtbot, window, tmp_path):
    path, image = noise_photo(tmp_path, seed=5)
    open_photo(qtbot, window, path)
    canvas, recovery = window.canvas, window.features["recovery"]
    use_tool(window, "clone", 7)
    QTest.mouseClick(canvas, LEFT, ALT, widget_point(canvas, 20, 30))
    press(canvas, 70, 30)
    move(canvas, 80, 30)
    assert window.document.stroking
    assert not recovery.save_if_changed()  # mid-stroke: the next tick saves it
    move(canvas, 90, 30)
    release(canvas, 90, 30)
    final = pixels_rgb(window)
    with qtbot.waitSignal(recovery.saved, timeout=10000):
        assert recovery.save_if_changed()
    state = RecoveryStore.load(recovery.store.folder)
    assert np.array_equal(state.pixels[..., :3], final)
    assert np.array_equal(final, painted(image, (50, 0), [(70, 30), (80, 30), (90, 30)], 7))


def test_a_healing_stroke_over_60000_pixels_ends_on_the_worker(qtbot, sync_window, tmp_path):
    from ui.features.retouch.tools import SYNC_HEAL_AREA

    path, image = noise_photo(tmp_path, 500, 500, seed=7)
    open_photo(qtbot, sync_window, path)
    canvas, stack = sync_window.canvas, sync_window.document.undo_stack
    retouch = use_tool(sync_window, "healing", 41, hardness=0.5)
    QTest.mouseClick(canvas, LEFT, ALT, widget_point(canvas, 20, 20))
    small = [(250, 60), (280, 70)]  # a short stroke: blended at once
    stroke_along(qtbot, canvas, small)
    assert retouch.healing.finishing == 0
    assert stack.command(0).pixels.box.area <= SYNC_HEAL_AREA
    after_small = pixels_rgb(sync_window)
    offset = (230, 40)  # aligned: (250.5, 60.5) - (20.5, 20.5)
    assert np.array_equal(after_small, painted(image, offset, small, 41, 0.5, heal=True))
    large = [(270, 140), (370, 300), (470, 460)]  # ~240 x 360 px with the rim
    stroke_along(qtbot, canvas, large)
    assert 60_000 < stack.command(1).pixels.box.area < 250_000
    assert retouch.healing.finishing == 1  # the blend is on the worker, not the GUI thread
    qtbot.waitUntil(lambda: retouch.healing.finishing == 0, timeout=10000)
    finished = pixels_rgb(sync_window)
    assert np.array_equal(finished, painted(after_small, offset, large, 41, 0.5, heal=True))
    assert stack.count() == 2
    sync_window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(sync_window), after_small)
    sync_window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(sync_window), image)


def test_heal_as_you_paint_waits_for_a_clone_stroke_and_goes_on_after_it(
    qtbot, sync_window, tmp_path
):
    path, image = noise_photo(tmp_path, seed=9)
    open_photo(qtbot, sync_window, path)
    sync_window.engine_choice.select("telea")
    canvas, document = sync_window.canvas, sync_window.document
    stack = document.undo_stack
    heal = sync_window.features["mask"].heal
    heal.set_enabled(True)
    sync_window.features["mask"].brush_size.set_value(6)
    stroke_along(qtbot, canvas, [(20, 20), (40, 20)])
    stroke_along(qtbot, canvas, [(20, 50), (40, 50)])
    assert heal.busy and len(heal._queue) == 1  # the second waits for the first's heal
    use_tool(sync_window, "clone", 7)
    QTest.mouseClick(canvas, LEFT, ALT, widget_point(canvas, 20, 80))
    points = [(70, 80), (80, 80), (90, 80)]
    press(canvas, *points[0])
    move(canvas, *points[1])
    qtbot.waitUntil(lambda: not sync_window.jobs.busy, timeout=20000)
    assert len(heal._queue) == 1 and stack.count() == 2  # nothing lands mid-stroke
    move(canvas, *points[2])
    release(canvas, *points[2])
    assert stack.text(2) == "Clone stamp"
    qtbot.waitUntil(lambda: not heal.busy and not sync_window.jobs.busy, timeout=20000)
    document.flush()
    assert stack.count() == 5 and not document.mask.any()  # both strokes healed after it
    final = pixels_rgb(sync_window)
    cloned = painted(image, (50, 0), points, 7)
    assert not np.array_equal(final, cloned)  # the heals changed pixels
    sync_window.features["edit"].undo()
    sync_window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(sync_window), cloned)
    sync_window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(sync_window), image)
    for _ in range(3):
        sync_window.features["edit"].redo()
    assert np.array_equal(pixels_rgb(sync_window), final)
