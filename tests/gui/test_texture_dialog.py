"""Generate → Texture Synthesis…: pick a rectangle, synthesise, get a new document."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt

from restorer.geometry import Box
from restorer.imageio import save_image
from tests.gui.helpers import drag, event_kind, open_photo, stroke_along
from tests.support.helpers import blotches
from ui.features.generate.texture_dialog import TextureDialog, open_texture_dialog
from ui.shell import MenuId


def texture_photo(tmp_path):
    image = np.zeros((90, 120, 3), np.uint8)
    image[20:70, 30:90] = blotches(50, 60, seed=4)
    return save_image(tmp_path / "blotches.png", image)


def open_dialog(qtbot, window) -> TextureDialog:
    menu = window.menu(MenuId.GENERATE)
    assert menu is not None and menu.title() == "&Generate"
    menu.aboutToShow.emit()
    action = next(a for a in menu.actions() if a.objectName() == "textureSynthesisAction")
    assert action.isEnabled()
    action.trigger()
    dialog = window.findChild(TextureDialog)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog


def test_texture_from_a_dragged_rectangle_opens_as_a_new_document(qtbot, window, dialogs, tmp_path):
    path = texture_photo(tmp_path)
    open_photo(qtbot, window, path)
    dialog = open_dialog(qtbot, window)
    # Drag out the rectangle with the mouse, over the blotches only.
    picker = dialog.picker
    start, end = picker.to_widget(32, 22), picker.to_widget(88, 68)
    drag(qtbot, picker, [start.toPoint(), QPoint(60, 60), end.toPoint()])
    box = picker.box
    assert abs(box.left - 32) <= 2 and abs(box.top - 22) <= 2
    assert abs(box.right - 88) <= 2 and abs(box.bottom - 68) <= 2
    assert (dialog.x_spin.value(), dialog.w_spin.value()) == (box.left, box.width)
    dialog.width_spin.setValue(40)
    dialog.height_spin.setValue(32)

    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=60000):
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
        assert not dialog.run_button.isEnabled() and dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: window.document.untitled, timeout=10000)
    document = window.document
    assert (document.width, document.height) == (40, 32)
    assert document.name == "Texture 40×32 seed 0"
    assert window.isWindowModified()
    assert np.array_equal(document.pixels[..., :3], dialog.result.pixels)
    assert document.pixels[..., :3].min() > 0  # from the rectangle, not the black border
    assert dialog.preview.pixmap() is not None and not dialog.preview.pixmap().isNull()
    assert "opened as" in dialog.status.text()
    assert dialogs.shown == []

    # Again with another seed, from the same photo: the unsaved texture is asked about.
    first = document.pixels.copy()
    dialog.seed_spin.setValue(5)
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=60000):
        dialog.run()
    qtbot.waitUntil(lambda: window.document.name == "Texture 40×32 seed 5", timeout=10000)
    _, title, text = dialogs.of_kind("warning")[-1]
    assert title == "Unsaved changes" and "repair" not in text.lower()
    assert text.startswith("Save Texture 40×32 seed 0 before") and "picture is lost" in text
    assert not np.array_equal(window.document.pixels, first)
    dialog.close()


def test_the_rectangle_starts_on_the_mask_and_bad_sizes_are_explained(
    qtbot, window, dialogs, tmp_path
):
    open_photo(qtbot, window, texture_photo(tmp_path))
    stroke_along(qtbot, window.canvas, [(50.0, 40.0), (70.0, 50.0)])
    mask = window.document.mask.astype(bool)
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    dialog = open_texture_dialog(window)
    qtbot.waitExposed(dialog)
    box = dialog.picker.box
    assert box.top <= rows[0] and box.bottom >= rows[-1] + 1
    assert box.left <= cols[0] and box.right >= cols[-1] + 1

    # Dragging inside the rectangle moves it, keeping its size, and never off the photo.
    picker = dialog.picker
    before = picker.box
    centre = picker.to_widget((box.left + box.right) / 2, (box.top + box.bottom) / 2)
    drag(qtbot, picker, [centre.toPoint(), QPoint(1, 1)])  # (0, 0) means "the centre"
    assert picker.box.top == 0 and picker.box.left == 0
    assert (picker.box.width, picker.box.height) == (before.width, before.height)
    assert (dialog.x_spin.value(), dialog.y_spin.value()) == (0, 0)

    dialog.picker.set_box(Box(0, 0, 10, 10))  # too small to hold texture
    assert dialog.w_spin.value() == 10
    assert dialog.run() is None
    assert "at least" in dialogs.of_kind("critical")[-1][2]
    assert not window.jobs.busy
    dialog.close()


def test_cancel_stops_the_synthesis_and_keeps_the_photo(qtbot, window, dialogs, tmp_path):
    path = texture_photo(tmp_path)
    open_photo(qtbot, window, path)
    dialog = open_texture_dialog(window)
    dialog.width_spin.setValue(256)
    dialog.height_spin.setValue(256)
    with qtbot.waitSignal(
        window.jobs.event, check_params_cb=event_kind("cancelled"), timeout=60000
    ):
        dialog.run()
        qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=60000)
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text() == "Cancelled."
    assert window.document.path == path and not window.document.untitled
    assert dialog.run_button.isEnabled()
    dialog.close()


def test_closing_the_dialog_while_it_runs_cancels_quietly(qtbot, window, dialogs, tmp_path):
    path = texture_photo(tmp_path)
    open_photo(qtbot, window, path)
    dialog = open_texture_dialog(window)
    dialog.width_spin.setValue(256)
    dialog.height_spin.setValue(256)
    with qtbot.waitSignal(
        window.jobs.event, check_params_cb=event_kind("cancelled"), timeout=60000
    ):
        dialog.run()
        qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=60000)
        dialog.close()
    qtbot.waitUntil(lambda: not window.jobs.busy)
    assert window.document.path == path and not window.document.untitled
    assert dialogs.shown == []
    assert window.document._shares == 0  # the photo's pixels were handed back


def test_generate_menu_is_shared_and_needs_a_photo(qtbot, window):
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles.index("&Generate") == titles.index("&Help") - 1
    assert open_texture_dialog(window) is None
    assert "Open a photo first" in window.statusBar().currentMessage()
