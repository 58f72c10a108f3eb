"""History panel, remembered settings, status bar, shortcuts list, autosave and restore."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMessageBox

from restorer.recovery import RecoveryStore, state_folder
from tests.gui.helpers import event_kind, open_photo, pixels_rgb, stroke_along
from ui.core.dialogs import ShortcutsDialog

Button = QMessageBox.StandardButton


@pytest.fixture
def window(sync_window):
    """These tests need no job thread: their jobs run on the GUI thread."""
    return sync_window


def test_history_panel_lists_steps_and_clicking_one_goes_there(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    document = window.document
    view = window.features["view"].history_view
    assert window.features["view"].history_dock.isVisible()
    window.features["mask"].brush_size.set_value(8)
    stroke_along(qtbot, window.canvas, [(20.0, 20.0)])
    first = document.mask.copy()
    stroke_along(qtbot, window.canvas, [(60.0, 60.0)])
    window.features["mask"].grow_action.trigger()
    model = view.model()
    texts = [model.index(row, 0).data() for row in range(model.rowCount())]
    assert texts == ["Opened", "Brush stroke", "Brush stroke", "Grow mask by 4 px"]
    # Click "the first stroke": the state goes back to just after it.
    index = model.index(1, 0)
    view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    assert document.undo_stack.index() == 1
    assert np.array_equal(document.mask, first)
    assert window.features["edit"].redo_action.isEnabled()
    view.selectionModel().setCurrentIndex(
        model.index(3, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
    )
    assert document.undo_stack.index() == 3


def test_settings_are_remembered_by_the_next_window(qtbot, window, dialogs, no_leftover_threads):
    from ui.app import build_window

    window.features["mask"].brush_size.set_value(77)
    window.canvas.set_hardness(0.4)
    window.features["mask"].set_tool("eraser")
    window.canvas.set_overlay_color(QColor(10, 200, 30))
    window.canvas.set_overlay_opacity(0.8)
    window.canvas.set_mask_visible(False)
    window.features["mask"].heal.set_enabled(True)
    window.features["mask"].edge_spin.setValue(9)
    window.features["view"].history_dock.hide()
    window.resize(760, 540)  # within the offscreen screen
    size = (window.width(), window.height())
    window.close()

    again = build_window()
    qtbot.addWidget(again)
    try:
        assert again.canvas.brush_size == 77 and again.features["mask"].brush_size.value == 77
        assert again.canvas.hardness == 0.4
        assert again.canvas.tool == "eraser" and again.features["mask"].eraser_action.isChecked()
        assert again.canvas.overlay_color == QColor(10, 200, 30)
        assert abs(again.canvas.overlay_opacity - 0.8) < 1e-6
        assert (
            not again.canvas.mask_visible
            and not again.features["mask"].show_mask_action.isChecked()
        )
        assert (
            again.features["mask"].heal.enabled and again.features["mask"].heal_action.isChecked()
        )
        assert again.features["mask"].edge_spin.value() == 9
        assert not again.features["view"].history_action.isChecked()
        assert (again.width(), again.height()) == size
    finally:
        again.close()
        again.jobs.shut_down()


def test_status_bar_shows_size_zoom_engine_and_device(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    assert window.size_label.text() == "128 × 96 px"
    window.canvas.zoom_to(2.0)
    assert window.zoom_label.text() == "200%"
    assert window.engine_label.text() == window.engine_choice.engine().label
    assert window.device_label.text() == "CPU"  # no GPU on the test machine
    assert all(
        label.isVisible() for label in (window.size_label, window.zoom_label, window.engine_label)
    )


def test_help_lists_every_new_shortcut(qtbot, window):
    dialog = ShortcutsDialog(window.actions(), window)
    rows = dict(dialog.rows)
    assert rows["Softer Brush"] == "{" and rows["Harder Brush"] == "}"
    assert rows["Show Mask"] == "M" and rows["Heal as You Paint"] == "J"
    assert rows["Split Before/After"] == "Y" and rows["History panel"] == "F7"
    assert rows["Show the original photo"] == "Hold \\"
    assert "Ctrl+0" in rows["Fit to Window"] and "Ctrl+1" in rows["Actual Pixels (100%)"]
    dialog.deleteLater()


def test_work_is_autosaved_and_offered_back_after_a_crash(
    qtbot, window, dialogs, photo_path, no_leftover_threads
):
    from ui.app import build_window

    open_photo(qtbot, window, photo_path)
    window.features["mask"].brush_size.set_value(10)
    stroke_along(qtbot, window.canvas, [(30.0, 30.0), (50.0, 30.0)])
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=10000):
        window.features["repair"].repair()
    window.canvas.set_hardness(0.2)
    stroke_along(qtbot, window.canvas, [(80.0, 60.0)])  # a soft mask, not yet repaired
    pixels, mask = pixels_rgb(window), window.document.mask.copy()
    with qtbot.waitSignal(window.features["recovery"].saved, timeout=10000):
        assert window.features["recovery"].save_if_changed()
    assert not window.features["recovery"].save_if_changed()  # nothing new since
    folder = window.features["recovery"].store.folder
    assert (state_folder(folder) / "state.json").is_file()

    # A crash: the folder stays behind under a process id that no longer runs.
    crashed = folder.with_name("999999990")
    folder.rename(crashed)
    (crashed / "lock.json").write_text('{"pid": 999999990}')

    again = build_window()
    qtbot.addWidget(again)
    try:
        qtbot.waitUntil(lambda: again.device_info is not None, timeout=30000)
        dialogs.answers["question"] = Button.Yes
        with qtbot.waitSignal(
            again.jobs.event, check_params_cb=event_kind("finished"), timeout=10000
        ):
            assert again.features["recovery"].offer_recovery()
        assert dialogs.of_kind("question")[-1][1] == "Restore unsaved work?"
        restored = again.document
        assert restored is not None and restored.path == photo_path
        assert np.array_equal(restored.pixels[..., :3], pixels)
        assert np.array_equal(restored.mask, mask)
        assert not restored.mask_is_empty()  # the restored mask can be repaired
        assert again.isWindowModified()  # unsaved work: closing asks
        assert again.files.save() is None  # saving over the original file asks first
        assert dialogs.of_kind("question")[-1][1] == "Overwrite photo?"
        assert not crashed.exists()
        assert RecoveryStore(crashed.parent).stale_sessions() == []
    finally:
        restored.mark_saved()
        again.close()
        again.jobs.shut_down()


def test_declining_the_restore_discards_it_and_a_normal_close_leaves_nothing(
    qtbot, window, dialogs, photo_path
):

    stale = RecoveryStore(window.features["recovery"].store.root, pid=999_999_989)
    stale.save(np.zeros((8, 8, 4), np.uint8), np.zeros((8, 8), np.uint8), {"name": "old.png"})
    dialogs.answers["question"] = Button.No
    assert not window.features["recovery"].offer_recovery()
    assert not stale.folder.exists()

    open_photo(qtbot, window, photo_path)
    stroke_along(qtbot, window.canvas, [(30.0, 30.0)])
    with qtbot.waitSignal(window.features["recovery"].saved, timeout=10000):
        window.features["recovery"].save_if_changed()
    assert window.features["recovery"].store.folder.exists()
    window.document.mark_saved()
    window.close()
    assert not window.features["recovery"].store.folder.exists()


def test_the_autosave_timer_saves_by_itself(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    window.features["recovery"].timer.setInterval(20)
    with qtbot.waitSignal(window.features["recovery"].saved, timeout=10000) as saved:
        stroke_along(qtbot, window.canvas, [(40.0, 40.0)])
    folder = state_folder(saved.args[0])
    assert (folder / "state.json").is_file() and (folder / "mask.png").is_file()
    assert not (folder / "image.npy").exists()  # the photo is unchanged: its file is enough
    window.document.mark_saved()


def test_a_change_during_an_autosave_stops_it_instead_of_copying_the_photo(
    qtbot, window, photo_path
):
    open_photo(qtbot, window, photo_path)
    document = window.document
    stroke_along(qtbot, window.canvas, [(30.0, 30.0)])
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=10000):
        window.features["repair"].repair()
    array = document.pixels
    assert window.features["recovery"].save_if_changed()
    window.features[
        "edit"
    ].undo_action.trigger()  # writes the pixels while the save may still read them
    assert document.pixels is array  # written in place: no copy of the photo was made
    qtbot.waitUntil(lambda: not window.features["recovery"].saving, timeout=10000)
    with qtbot.waitSignal(window.features["recovery"].saved, timeout=10000):
        assert window.features["recovery"].save_if_changed()  # the undone state is saved next
    document.mark_saved()
