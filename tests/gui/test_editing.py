"""Brush hardness, mask display and edge, compare, heal as you paint, through the window."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from restorer.workflows.jobs import RepairOutcome
from tests.gui.helpers import drag, event_kind, open_photo, pixels_rgb, stroke_along, widget_point
from ui.core.convert import array_from_qimage


def shown(window) -> np.ndarray:
    """What the canvas shows (without the brush outline), as HxWx3 ints."""
    if window.document is not None:
        window.document.flush()  # a repair still being written in steps
    QApplication.sendEvent(window.canvas, QEvent(QEvent.Type.Leave))
    return array_from_qimage(window.canvas.grab().toImage())[..., :3].astype(int)


def at(window, x: float, y: float) -> np.ndarray:
    """The colour the canvas shows at image pixel (x, y)."""
    point = widget_point(window.canvas, x + 0.5, y + 0.5)
    return shown(window)[point.y(), point.x()]


def test_hardness_keys_soften_the_brush_edge(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    window.features["mask"].brush_size.set_value(30)
    stroke_along(qtbot, window.canvas, [(30.0, 30.0)])
    hard = window.document.mask.copy()
    assert set(np.unique(hard)) == {0, 255}  # a hard brush: full coverage or none
    window.features["edit"].undo_action.trigger()

    for _ in range(5):
        qtbot.keyClick(window.canvas, Qt.Key.Key_BraceLeft)
    assert window.canvas.hardness == 0.5
    assert window.features["mask"].hardness_spin.value() == 50
    stroke_along(qtbot, window.canvas, [(30.0, 30.0)])
    soft = window.document.mask
    partial = (soft > 0) & (soft < 255)
    assert partial.sum() > 100  # a ramp at the edge
    assert soft[30, 30] == 255 and soft[30, 30 + 14] < 128  # full inside, faint at the rim
    qtbot.keyClick(window.canvas, Qt.Key.Key_BraceRight)
    assert window.canvas.hardness == 0.6
    # As some layouts deliver it: with Shift still on the key.
    qtbot.keyClick(window.canvas, Qt.Key.Key_BraceRight, Qt.KeyboardModifier.ShiftModifier)
    assert window.canvas.hardness == 0.7


def test_soft_edges_blend_the_repair_by_coverage(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    original = pixels_rgb(window)
    window.canvas.set_hardness(0.0)
    window.features["mask"].brush_size.set_value(24)
    stroke_along(qtbot, window.canvas, [(60.0, 48.0)])
    coverage = window.document.mask.copy()
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=10000):
        window.features["repair"].repair()
    repaired = pixels_rgb(window).astype(int)
    assert np.array_equal(repaired[coverage == 0], original[coverage == 0])
    faint = (coverage > 0) & (coverage < 60)
    strong = coverage > 200
    change = np.abs(repaired - original).sum(axis=2)
    # Faintly covered pixels move less than fully covered ones.
    assert change[faint].mean() < change[strong].mean()
    assert not window.document.mask.any()


def test_mask_overlay_colour_opacity_and_visibility(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    window.features["mask"].brush_size.set_value(20)
    stroke_along(qtbot, window.canvas, [(40.0, 40.0)])
    photo_colour = window.document.pixels[40, 40, :3].astype(int)
    window.canvas.set_overlay_color(QColor(0, 0, 255))
    window.features["mask"].opacity_slider.setValue(100)
    assert window.canvas.overlay_opacity == 1.0
    assert list(at(window, 40, 40)) == [0, 0, 255]
    window.features["mask"].opacity_slider.setValue(50)
    half = at(window, 40, 40)
    assert abs(half[2] - (255 + photo_colour[2]) / 2) <= 2
    assert abs(half[0] - photo_colour[0] / 2) <= 2

    qtbot.keyClick(window.canvas, Qt.Key.Key_M)  # hide the mask
    assert (
        not window.canvas.mask_visible and not window.features["mask"].show_mask_action.isChecked()
    )
    assert np.abs(at(window, 40, 40) - photo_colour).max() <= 1
    qtbot.keyClick(window.canvas, Qt.Key.Key_M)
    assert window.canvas.mask_visible


def test_grow_and_shrink_the_mask_undoably(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    window.features["mask"].brush_size.set_value(11)
    stroke_along(qtbot, window.canvas, [(50.0, 50.0)])
    painted = window.document.mask.copy()
    area = np.count_nonzero(painted)
    window.features["mask"].edge_spin.setValue(3)
    window.features["mask"].grow_action.trigger()
    grown = window.document.mask.copy()
    assert np.count_nonzero(grown) > area and grown[painted > 0].all()
    assert grown[50, 50 + 5 + 3] and not grown[50, 50 + 5 + 5]
    assert "Grow mask by 3 px" in window.features["edit"].undo_action.text()
    window.features["mask"].shrink_action.trigger()
    window.features["mask"].shrink_action.trigger()
    shrunk = window.document.mask
    assert 0 < np.count_nonzero(shrunk) < area
    for _ in range(3):
        window.features["edit"].undo_action.trigger()
    assert np.array_equal(window.document.mask, painted)


def test_hold_backslash_to_see_the_original_and_split_view(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    canvas = window.canvas
    original_view = shown(window)
    window.features["mask"].brush_size.set_value(16)
    stroke_along(qtbot, canvas, [(60.0, 48.0)])
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=10000):
        window.features["repair"].repair()
    repaired_view = shown(window)
    spot = widget_point(canvas, 60.5, 48.5)
    assert np.abs(repaired_view[spot.y(), spot.x()] - original_view[spot.y(), spot.x()]).sum() > 0

    QTest.keyPress(canvas, Qt.Key.Key_Backslash)
    assert canvas.showing_original
    # The original photo, with an "Original" label in the top-left corner.
    assert np.array_equal(shown(window)[48:], original_view[48:])
    QTest.keyRelease(canvas, Qt.Key.Key_Backslash)
    assert not canvas.showing_original
    assert np.array_equal(shown(window), repaired_view)

    qtbot.keyClick(canvas, Qt.Key.Key_Y)
    assert canvas.split and window.features["view"].split_action.isChecked()
    # Drag the divider right of the repair: the repaired spot now shows as before.
    start = QPoint(canvas.divider_x(), canvas.height() // 2)
    target = QPoint(widget_point(canvas, 100, 48).x(), start.y())
    drag(qtbot, canvas, [start, target])
    assert abs(canvas.divider_x() - target.x()) <= 1
    assert not window.document.mask.any()  # dragging the divider paints nothing
    # The brush outline follows to where the drag ended, not where it began.
    outline = canvas._pointer_rect()
    assert not outline.isEmpty() and abs(outline.center().x() - target.x()) <= 2
    view = shown(window)
    assert np.array_equal(view[spot.y(), spot.x()], original_view[spot.y(), spot.x()])
    # Drag it left of the repair: the repaired pixels show.
    drag(qtbot, canvas, [target, QPoint(widget_point(canvas, 20, 48).x(), start.y())])
    view = shown(window)
    assert np.array_equal(view[spot.y(), spot.x()], repaired_view[spot.y(), spot.x()])
    qtbot.keyClick(canvas, Qt.Key.Key_Y)
    assert not canvas.split


def test_heal_as_you_paint_repairs_each_stroke_by_itself(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    original = pixels_rgb(window)
    qtbot.keyClick(window.canvas, Qt.Key.Key_J)
    assert window.features["mask"].heal.enabled and window.features["mask"].heal_action.isChecked()
    window.features["mask"].brush_size.set_value(10)
    with qtbot.waitSignals(
        [window.features["mask"].heal.healed, window.features["mask"].heal.healed], timeout=20000
    ):
        stroke_along(qtbot, window.canvas, [(20.0, 20.0), (40.0, 20.0)])
        stroke_along(qtbot, window.canvas, [(80.0, 70.0), (100.0, 70.0)])  # queued
    qtbot.waitUntil(lambda: not window.jobs.busy)
    changed = (pixels_rgb(window) != original).any(axis=2)
    assert changed[20, 20:40].any() and changed[70, 80:100].any()
    assert not changed[50:60, :].any()
    assert not window.document.mask.any()
    texts = [window.document.undo_stack.text(i) for i in range(window.document.undo_stack.count())]
    # A heal that lands right after its stroke merges with it ("Heal (…)"); the queued
    # stroke's heal lands after the next stroke, so it stays a step of its own.
    heals = len([t for t in texts if t.startswith("Heal")])
    assert texts.count("Brush stroke") + heals == 2
    assert len([t for t in texts if "Repair" in t]) + heals == 2

    qtbot.keyClick(window.canvas, Qt.Key.Key_J)
    stroke_along(qtbot, window.canvas, [(60.0, 40.0)])
    assert not window.jobs.busy and window.document.mask.any()  # off: the mask just stays


def test_heal_waits_for_nothing_when_erasing(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    window.features["mask"].heal.set_enabled(True)
    qtbot.keyClick(window.canvas, Qt.Key.Key_E)
    stroke_along(qtbot, window.canvas, [(30.0, 30.0), (50.0, 30.0)])
    assert not window.jobs.busy


def test_repair_results_stay_exact_under_undo_and_redo_of_everything(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    document = window.document
    states = [(pixels_rgb(window), document.mask.copy())]
    window.features["mask"].brush_size.set_value(9)
    stroke_along(qtbot, window.canvas, [(30.0, 30.0), (50.0, 35.0)])
    states.append((pixels_rgb(window), document.mask.copy()))
    window.canvas.set_hardness(0.3)
    stroke_along(qtbot, window.canvas, [(70.0, 60.0), (90.0, 62.0)])
    states.append((pixels_rgb(window), document.mask.copy()))
    window.features["mask"].grow_action.trigger()
    states.append((pixels_rgb(window), document.mask.copy()))
    with qtbot.waitSignal(
        window.jobs.event,
        timeout=10000,
        check_params_cb=event_kind("finished", RepairOutcome),
    ):
        window.features["repair"].repair()
    states.append((pixels_rgb(window), document.mask.copy()))
    qtbot.keyClick(window.canvas, Qt.Key.Key_E)
    stroke_along(qtbot, window.canvas, [(10.0, 10.0)])  # erases nothing: no step
    window.features["mask"].clear_mask_action.trigger()  # already empty: no step
    assert document.undo_stack.count() == len(states) - 1
    for pixels, mask in reversed(states[:-1]):
        window.features["edit"].undo_action.trigger()
        assert np.array_equal(pixels_rgb(window), pixels)
        assert np.array_equal(document.mask, mask)
    for pixels, mask in states[1:]:
        window.features["edit"].redo_action.trigger()
        assert np.array_equal(pixels_rgb(window), pixels)
        assert np.array_equal(document.mask, mask)


def test_painting_while_a_repair_reads_the_mask_copies_it_first(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    document = window.document
    stroke_along(qtbot, window.canvas, [(30.0, 30.0)])
    shared = document.share_mask()
    before = shared.copy()
    stroke_along(qtbot, window.canvas, [(90.0, 70.0)])  # the job must not see this
    assert np.array_equal(shared, before)
    assert document.mask is not shared and document.mask[70, 90] == 255
    document.release_mask(shared)
    # The canvas now draws the new mask array.
    window.canvas.set_overlay_opacity(1.0)
    window.canvas.set_overlay_color(QColor(0, 255, 0))
    assert list(at(window, 90, 70)) == [0, 255, 0]


def test_a_repair_finishing_during_a_stroke_waits_for_its_end(qtbot, window, photo_path):
    from restorer.progress import Progress
    from restorer.workflows.jobs import RepairJob

    open_photo(qtbot, window, photo_path)
    document, canvas = window.document, window.canvas
    window.features["mask"].brush_size.set_value(8)
    stroke_along(qtbot, canvas, [(30.0, 30.0)])
    snapshot, mask = document.share_pixels(), document.mask_snapshot()
    job = RepairJob(snapshot, mask, "telea", "cpu")
    outcome = job.run(Progress())
    document.release_pixels(snapshot)
    before = pixels_rgb(window)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=widget_point(canvas, 80, 60))
    QTest.mouseMove(canvas, widget_point(canvas, 90, 60))
    document.apply_outcome(job, outcome)  # mid-stroke
    assert document.stroking and np.array_equal(document.pixels[..., :3], before)
    QTest.mouseMove(canvas, widget_point(canvas, 100, 60))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=widget_point(canvas, 100, 60))
    assert not np.array_equal(pixels_rgb(window), before)  # applied at the stroke's end
    texts = [document.undo_stack.text(i) for i in range(document.undo_stack.count())]
    assert texts == ["Brush stroke", "Brush stroke", "Repair (telea)"]
    assert document.mask[60, 80:100].all() and not document.mask[30, 30]


def test_a_job_given_the_bool_mask_still_undoes_soft_coverage_exactly(qtbot, window, photo_path):
    from restorer.progress import Progress
    from restorer.workflows.jobs import RepairJob

    open_photo(qtbot, window, photo_path)
    document = window.document
    window.canvas.set_hardness(0.2)
    stroke_along(qtbot, window.canvas, [(50.0, 40.0), (70.0, 40.0)])
    soft = document.mask.copy()
    snapshot, mask = document.share_pixels(), document.mask_snapshot() > 0
    job = RepairJob(snapshot, mask, "telea", "cpu")
    outcome = job.run(Progress())
    document.release_pixels(snapshot)
    assert outcome.mask_edit is None  # worked out by the document from the real coverage
    document.apply_outcome(job, outcome)
    assert not document.mask.any()
    window.features["edit"].undo_action.trigger()
    assert np.array_equal(document.mask, soft)


def test_compare_and_undo_across_a_whole_photo_replacement(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    document, canvas = window.document, window.canvas
    window.features["mask"].brush_size.set_value(12)
    stroke_along(qtbot, canvas, [(60.0, 48.0)])
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=10000):
        window.features["repair"].repair()
    repaired = pixels_rgb(window)
    bigger = np.zeros((120, 160, 3), np.uint8)
    bigger[12:108, 16:144] = repaired
    document.replace_photo(bigger, text="Extend canvas")
    assert (document.height, document.width) == (120, 160)
    canvas.set_split(True)
    shown(window)  # draws with the new photo's (empty) original tiles
    QTest.keyPress(canvas, Qt.Key.Key_Backslash)
    assert np.array_equal(shown(window).shape[:2], (canvas.height(), canvas.width()))
    QTest.keyRelease(canvas, Qt.Key.Key_Backslash)
    window.features["edit"].undo_action.trigger()
    assert np.array_equal(pixels_rgb(window), repaired)
    window.features["edit"].undo_action.trigger()  # the repair
    stroke_along(qtbot, canvas, [(10.0, 10.0)])  # the photo is editable as before
    assert document.mask[10, 10] == 255
