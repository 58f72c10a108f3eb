"""Clone stamp, healing brush and spot healing brush, driven with the mouse in the real
window: pixels copied exactly, aligned and non-aligned sources, tone matched, a speck
removed, each stroke one undo step that restores the exact pixels."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

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
LEFT = Qt.MouseButton.LeftButton


def alt_click(canvas, x: float, y: float) -> None:
    QTest.mouseClick(canvas, LEFT, ALT, widget_point(canvas, x, y))


def click(canvas, x: float, y: float) -> None:
    QTest.mouseClick(canvas, LEFT, Qt.KeyboardModifier.NoModifier, widget_point(canvas, x, y))


def test_clone_stamp_copies_the_source_exactly_as_one_undo_step(qtbot, sync_window, tmp_path):
    path, _ = noise_photo(tmp_path)
    open_photo(qtbot, sync_window, path)
    canvas, document = sync_window.canvas, sync_window.document
    original = pixels_rgb(sync_window)
    qtbot.keyClick(canvas, Qt.Key.Key_S)  # the Clone Stamp's shortcut
    retouch = use_tool(sync_window, "clone", 9)
    assert canvas.tool_handler is retouch.clone and retouch.clone_action.isChecked()
    assert not sync_window.features["mask"].brush_action.isChecked()
    alt_click(canvas, 20, 30)  # the source: sets it, paints nothing
    assert np.array_equal(pixels_rgb(sync_window), original)
    stroke_along(qtbot, canvas, [(70, 30), (80, 32), (90, 30)])
    after = pixels_rgb(sync_window)
    changed = (after != original).any(axis=2)
    ys, xs = np.nonzero(changed)
    assert len(ys) > 150
    assert np.array_equal(after[ys, xs], original[ys, xs - 50])  # exactly the source
    assert xs.min() >= 65 and xs.max() <= 95 and ys.min() >= 25 and ys.max() <= 37
    assert not document.mask.any()  # the mask is not touched
    assert document.undo_stack.count() == 1
    assert document.undo_stack.text(0) == "Clone stamp"
    assert document.is_modified
    sync_window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(sync_window), original)
    sync_window.features["edit"].redo()
    assert np.array_equal(pixels_rgb(sync_window), after)
    # B gives the left button back to the mask brush.
    qtbot.keyClick(canvas, Qt.Key.Key_B)
    assert canvas.tool_handler is None and not retouch.clone_action.isChecked()


def test_aligned_keeps_the_offset_and_non_aligned_starts_from_the_source(
    qtbot, sync_window, tmp_path
):
    path, image = noise_photo(tmp_path)
    open_photo(qtbot, sync_window, path)
    canvas = sync_window.canvas
    retouch = use_tool(sync_window, "clone", 5)
    assert retouch.aligned_action.isChecked()  # the default
    alt_click(canvas, 20, 40)
    click(canvas, 70, 40)
    click(canvas, 70, 70)  # aligned: takes from 50 pixels left of here
    pixels = pixels_rgb(sync_window)
    assert np.array_equal(pixels[40, 68:73], image[40, 18:23])
    assert np.array_equal(pixels[70, 68:73], image[70, 18:23])

    retouch.aligned_action.trigger()  # off
    assert not retouch.clone.aligned
    alt_click(canvas, 20, 40)
    click(canvas, 100, 20)
    click(canvas, 100, 80)  # not aligned: each stroke starts from the source again
    pixels = pixels_rgb(sync_window)
    assert np.array_equal(pixels[20, 98:103], image[40, 18:23])
    assert np.array_equal(pixels[80, 98:103], image[40, 18:23])
    assert sync_window.document.undo_stack.count() == 4


def test_shift_click_clones_a_straight_line_from_the_last_stroke(qtbot, sync_window, tmp_path):
    path, image = noise_photo(tmp_path)
    open_photo(qtbot, sync_window, path)
    canvas = sync_window.canvas
    use_tool(sync_window, "clone", 3)
    alt_click(canvas, 10, 20)
    click(canvas, 60, 20)
    QTest.mouseClick(canvas, LEFT, Qt.KeyboardModifier.ShiftModifier, widget_point(canvas, 100, 20))
    pixels = pixels_rgb(sync_window)
    assert np.array_equal(pixels[20, 59:102], image[20, 9:52])  # the whole line, same offset
    assert sync_window.document.undo_stack.count() == 2


def test_source_cross_hair_is_drawn_over_the_photo(qtbot, sync_window, tmp_path):
    path = write_png(tmp_path / "black.png", np.zeros((96, 128, 3), np.uint8))
    open_photo(qtbot, sync_window, path)
    canvas = sync_window.canvas
    retouch = use_tool(sync_window, "clone", 5)
    alt_click(canvas, 30, 40)
    QTest.mouseMove(canvas, widget_point(canvas, 80, 40))
    rect = retouch.clone.overlay_rect()
    centre = canvas.to_widget(30.5, 40.5)
    assert rect.contains(centre.toPoint())
    shot = canvas.grab().toImage()
    arm = shot.pixelColor(round(centre.x()) + 6, round(centre.y()))
    assert arm.red() > 150 and arm.green() > 150  # the white cross-hair on black


def test_healing_brush_takes_the_tone_of_the_destination(qtbot, sync_window, tmp_path):
    rng = np.random.default_rng(2)
    grain = rng.normal(0, 10, (96, 128, 1)).repeat(3, axis=2)
    image = np.where(np.arange(128)[None, :, None] < 64, 60.0, 190.0) + grain
    path = write_png(tmp_path / "halves.png", np.clip(image, 0, 255).astype(np.uint8))
    open_photo(qtbot, sync_window, path)
    canvas, document = sync_window.canvas, sync_window.document
    original = pixels_rgb(sync_window)
    qtbot.keyClick(canvas, Qt.Key.Key_H)
    assert canvas.tool_handler is sync_window.features["retouch"].healing
    use_tool(sync_window, "healing", 15)
    alt_click(canvas, 25, 48)  # in the dark half
    stroke_along(qtbot, canvas, [(95, 40), (95, 48), (95, 56)])
    healed = pixels_rgb(sync_window)[42:55, 90:101].astype(float)
    assert abs(healed.mean() - original[42:55, 90:101].mean()) < 10  # not the dark 60
    assert healed.std() > 4  # the source's grain, not a flat fill
    assert document.undo_stack.text(0) == "Healing brush"
    sync_window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(sync_window), original)


def test_spot_heal_removes_a_dark_speck_in_one_undo_step(qtbot, sync_window, tmp_path):
    image = gradient_photo(96, 128)
    image[46:51, 60:65] = 5
    path = write_png(tmp_path / "speck.png", image)
    open_photo(qtbot, sync_window, path)
    sync_window.engine_choice.select("telea")
    canvas, document = sync_window.canvas, sync_window.document
    original = pixels_rgb(sync_window)
    qtbot.keyClick(canvas, Qt.Key.Key_J, Qt.KeyboardModifier.ShiftModifier)
    retouch = sync_window.features["retouch"]
    assert canvas.tool_handler is retouch.spot
    use_tool(sync_window, "spot", 11)
    click(canvas, 62, 48)
    qtbot.waitUntil(lambda: retouch.spot.healed == 1 and not sync_window.jobs.busy, timeout=20000)
    document.flush()
    healed = pixels_rgb(sync_window).astype(int)
    around = original[40:57, 54:71].astype(int)
    speck = healed[46:51, 60:65]
    assert speck.min() > 30  # the speck is gone
    assert abs(speck.mean() - np.median(around)) < 20
    far = np.ones((96, 128), bool)
    far[30:67, 44:81] = False
    assert np.array_equal(healed[far], original[far].astype(int))  # nothing else changed
    assert not document.mask.any()
    assert document.undo_stack.count() == 1
    assert document.undo_stack.text(0).startswith("Spot heal (")
    sync_window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(sync_window), original)


def test_a_large_healing_stroke_is_blended_on_the_worker(qtbot, sync_window, tmp_path, monkeypatch):
    from restorer.retouch import RetouchStroke
    from ui.features.retouch import tools

    monkeypatch.setattr(tools, "SYNC_HEAL_AREA", 100)  # every stroke counts as large
    rng = np.random.default_rng(4)
    grain = rng.normal(0, 10, (96, 128, 1)).repeat(3, axis=2)
    image = np.where(np.arange(128)[None, :, None] < 64, 60.0, 190.0) + grain
    image = np.clip(image, 0, 255).astype(np.uint8)
    path = write_png(tmp_path / "halves.png", image)
    open_photo(qtbot, sync_window, path)
    canvas, document = sync_window.canvas, sync_window.document
    retouch = use_tool(sync_window, "healing", 15, hardness=0.6)
    alt_click(canvas, 25, 48)
    points = [(95, 40), (96, 48), (95, 56)]
    stroke_along(qtbot, canvas, points)
    preview = pixels_rgb(sync_window)
    assert retouch.healing.finishing == 1  # the blend is on its way; the preview shows
    assert document.undo_stack.count() == 1
    qtbot.waitUntil(lambda: retouch.healing.finishing == 0, timeout=10000)
    finished = pixels_rgb(sync_window)
    # The same stroke finished at once gives exactly these pixels.
    expected = image.copy()
    reference = RetouchStroke(96, 128, (70, -8), 15, 0.6, heal=True)
    for point in points:
        reference.line_to(expected, point)
    reference.finish(expected)
    assert np.array_equal(finished, expected)
    assert not np.array_equal(finished, preview)
    assert document.undo_stack.count() == 1
    sync_window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(sync_window), image)
    sync_window.features["edit"].redo()
    assert np.array_equal(pixels_rgb(sync_window), finished)


def test_a_spot_heal_click_covers_a_speck_larger_than_the_brush(qtbot, sync_window, tmp_path):
    image = gradient_photo(96, 128)
    image[40:49, 70:79] = 250  # a bright 9x9 speck; the brush is 5 wide
    path = write_png(tmp_path / "speck.png", image)
    open_photo(qtbot, sync_window, path)
    sync_window.engine_choice.select("telea")
    retouch = use_tool(sync_window, "spot", 5)
    click(sync_window.canvas, 74, 44)
    qtbot.waitUntil(lambda: retouch.spot.healed == 1 and not sync_window.jobs.busy, timeout=20000)
    sync_window.document.flush()
    healed = pixels_rgb(sync_window).astype(int)
    speck = healed[40:49, 70:79]
    assert not (speck >= 200).all(axis=2).any()  # all of it, not a bright ring left
    ring = np.ones((96, 128), bool)
    ring[38:51, 68:81] = False
    ring[:30], ring[60:], ring[:, :60], ring[:, 90:] = False, False, False, False
    around = image[ring].astype(float).mean(axis=0)
    assert np.abs(speck.reshape(-1, 3).mean(axis=0) - around).max() < 25
