"""The main window, driven like a person would: open, paint, repair, undo, save, close."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox

from restorer.imageio import load_image
from restorer.workflows.jobs import RepairOutcome
from tests.gui.helpers import event_kind, open_photo, pixels_rgb, stroke_along
from tests.support.helpers import gradient_photo, write_png
from ui.core.jobs import JobKind

Button = QMessageBox.StandardButton
SCRATCH = [(float(x), 20 + (x - 30) / 2 + 1) for x in range(30, 100, 3)]


def repair_and_wait(qtbot, window) -> int:
    """Press Enter on the canvas and wait for the repair's finished signal."""
    with qtbot.waitSignal(
        window.jobs.event,
        timeout=10000,
        check_params_cb=event_kind("finished", RepairOutcome),
    ) as blocker:
        qtbot.keyClick(window.canvas, Qt.Key.Key_Return)
        assert window.features["repair"].repair_job is not None
        assert not window.features["repair"].repair_action.isEnabled()  # one repair at a time
    return blocker.args[0].job_id


def test_paint_repair_undo_redo_and_save_as(qtbot, window, dialogs, photo_path, tmp_path):
    open_photo(qtbot, window, photo_path)
    document = window.document
    assert window.windowTitle().startswith("photo.png")
    assert "128 × 96" in window.size_label.text()
    original = pixels_rgb(window)

    stroke_along(qtbot, window.canvas, SCRATCH)
    mask = document.mask.astype(bool)
    assert mask.sum() > 100
    assert mask[int(SCRATCH[5][1]), int(SCRATCH[5][0])]
    assert document.undo_stack.count() == 1  # the whole stroke is one step
    assert not window.isWindowModified()  # a mask is not a change to the photo

    repair_and_wait(qtbot, window)
    repaired = pixels_rgb(window)
    changed = (repaired != original).any(axis=2)
    assert changed.any()
    assert not changed[~mask].any()  # nothing outside the mask moved
    assert np.array_equal(repaired[~mask], original[~mask])
    assert not document.mask.any()  # the repaired area left the mask
    assert window.isWindowModified() and window.features["repair"].repair_action.isEnabled()
    assert dialogs.shown == []

    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert np.array_equal(pixels_rgb(window), original)
    assert np.array_equal(document.mask.astype(bool), mask)
    assert not window.isWindowModified()

    qtbot.keyClick(
        window.canvas,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert np.array_equal(pixels_rgb(window), repaired)
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.canvas, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert np.array_equal(pixels_rgb(window), repaired)

    target = tmp_path / "out" / "repaired.png"
    target.parent.mkdir()
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=10000):
        window.files.save_to(target)
    assert np.array_equal(load_image(target).rgb, repaired)
    assert not window.isWindowModified()
    assert window.windowTitle().startswith("repaired.png")
    assert dialogs.shown == []


def test_stroke_eraser_and_clear_mask_are_undoable(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    document = window.document
    stroke_along(qtbot, window.canvas, [(20.0, 50.0), (60.0, 50.0), (100.0, 50.0)])
    painted = document.mask.copy()
    assert painted[50, 20:100].all()

    qtbot.keyClick(window.canvas, Qt.Key.Key_E)
    assert window.canvas.tool == "eraser" and window.features["mask"].eraser_action.isChecked()
    stroke_along(qtbot, window.canvas, [(60.0, 40.0), (60.0, 60.0)])
    assert not document.mask[50, 60] and document.mask[50, 25]

    window.features["mask"].clear_mask_action.trigger()
    assert not document.mask.any()
    assert "Clear mask" in window.features["edit"].undo_action.text()
    window.features["edit"].undo_action.trigger()  # clear mask
    window.features["edit"].undo_action.trigger()  # eraser stroke
    assert np.array_equal(document.mask, painted)
    window.features["edit"].undo_action.trigger()  # brush stroke
    assert not document.mask.any()
    assert not window.features["edit"].undo_action.isEnabled()


def test_brush_size_keys_and_slider(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    window.features["mask"].brush_size.set_value(20)
    qtbot.keyClick(window.canvas, Qt.Key.Key_BracketRight)
    assert window.canvas.brush_size == 23 == window.features["mask"].brush_size.value
    qtbot.keyClick(window.canvas, Qt.Key.Key_BracketLeft)
    qtbot.keyClick(window.canvas, Qt.Key.Key_BracketLeft)
    assert window.canvas.brush_size < 20
    window.features["mask"].brush_size.slider.setValue(
        window.features["mask"].brush_size.slider.maximum()
    )
    assert window.canvas.brush_size == 1000


def test_wrong_size_mask_shows_an_error_and_the_app_keeps_running(
    qtbot, window, dialogs, photo_path, tmp_path
):
    open_photo(qtbot, window, photo_path)
    wrong = write_png(tmp_path / "small-mask.png", np.full((10, 10), 255, np.uint8))
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("failed"), timeout=10000):
        window.files.load_mask(wrong)
    assert len(dialogs.of_kind("critical")) == 1
    kind, title, text = dialogs.shown[0]
    assert title == "Could not load the mask"
    assert "10x10" in text and "128x96" in text and "same size" in text
    assert not window.document.mask.any()

    # Still working: a good mask loads, undoably, and repairs.
    good = np.zeros((96, 128), np.uint8)
    good[40:50, 40:60] = 255
    right = write_png(tmp_path / "mask.png", good)
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=10000):
        window.files.load_mask(right)
    assert np.array_equal(window.document.mask.astype(bool), good > 0)
    repair_and_wait(qtbot, window)
    window.features["edit"].undo_action.trigger()
    window.features["edit"].undo_action.trigger()
    assert not window.document.mask.any()


def test_save_mask_writes_what_was_painted(qtbot, window, photo_path, tmp_path):
    open_photo(qtbot, window, photo_path)
    stroke_along(qtbot, window.canvas, SCRATCH)
    target = tmp_path / "painted-mask.png"
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=10000):
        window.files.save_mask(target)
    saved = np.asarray(Image.open(target))
    assert np.array_equal(saved > 127, window.document.mask.astype(bool))


def test_corrupt_photo_shows_an_error_and_keeps_the_open_one(
    qtbot, window, dialogs, photo_path, tmp_path
):
    open_photo(qtbot, window, photo_path)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(photo_path.read_bytes()[:200])
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("failed"), timeout=10000):
        window.open_path(broken)
    assert dialogs.of_kind("critical")[0][1] == "Could not open the photo"
    assert "broken" in dialogs.of_kind("critical")[0][2]
    assert window.document is not None and window.document.path == photo_path


def test_save_over_the_opened_photo_asks_first(qtbot, window, dialogs, photo_path):
    open_photo(qtbot, window, photo_path)
    stroke_along(qtbot, window.canvas, SCRATCH)
    repair_and_wait(qtbot, window)
    before = photo_path.read_bytes()

    dialogs.answers["question"] = Button.Cancel
    assert window.files.save() is None
    assert dialogs.of_kind("question")[-1][2].startswith("Overwrite photo.png?")
    assert photo_path.read_bytes() == before

    dialogs.answers["question"] = Button.Save
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=10000):
        window.features["files"].save_action.trigger()
    assert np.array_equal(load_image(photo_path).rgb, pixels_rgb(window))
    assert not window.isWindowModified()


def test_closing_with_unsaved_changes_asks(qtbot, window, dialogs, photo_path, tmp_path):
    open_photo(qtbot, window, photo_path)
    stroke_along(qtbot, window.canvas, SCRATCH)
    repair_and_wait(qtbot, window)

    dialogs.answers["warning"] = Button.Cancel
    window.close()
    assert window.isVisible()
    assert dialogs.of_kind("warning")[-1][1] == "Unsaved changes"
    assert "photo.png" in dialogs.of_kind("warning")[-1][2]

    # Save: the window closes once the save has succeeded.
    dialogs.answers["warning"] = Button.Save
    expected = pixels_rgb(window)
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=10000):
        window.close()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert np.array_equal(load_image(photo_path).rgb, expected)


def test_opening_another_photo_with_unsaved_changes_asks(qtbot, window, dialogs, photo_path):
    open_photo(qtbot, window, photo_path)
    stroke_along(qtbot, window.canvas, SCRATCH)
    repair_and_wait(qtbot, window)
    other = write_png(photo_path.with_name("other.png"), gradient_photo(40, 50, seed=3))
    dialogs.answers["warning"] = Button.Cancel
    assert window.open_path(other) is None
    assert window.document.path == photo_path
    dialogs.answers["warning"] = Button.Discard
    open_photo(qtbot, window, other)
    assert window.document.width == 50 and not window.isWindowModified()


def test_dropping_a_file_opens_it(qtbot, window, photo_path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photo_path))])
    event = QDropEvent(
        QPointF(200, 200),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=10000):
        window.dropEvent(event)
    qtbot.waitUntil(lambda: window.document is not None)
    assert window.document.path == photo_path


def test_cancel_a_slow_repair_with_escape(qtbot, window, extra_engines, photo_path):
    window.engine_choice.reload()
    window.engine_combo.setCurrentIndex(window.engine_combo.findData("test-slow"))
    assert window.engine_label.text() == "Slow (test)"
    open_photo(qtbot, window, photo_path)
    stroke_along(qtbot, window.canvas, SCRATCH)
    original = pixels_rgb(window)
    mask = window.document.mask.copy()
    progress: list[float] = []
    window.jobs.event.connect(
        lambda event: event.kind is JobKind.PROGRESS and progress.append(event.fraction)
    )

    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("progress"), timeout=10000):
        window.features["repair"].repair_action.trigger()
    assert window.job_panel.isVisible() and window.job_panel.cancel_button.isEnabled()
    assert not window.features["repair"].repair_button.isEnabled()

    # After a second or so the panel says how long is left, from the progress so far.
    qtbot.waitUntil(lambda: window.job_panel.time_left.text().endswith(" left"), timeout=5000)
    assert window.job_panel.time_left.isVisible()

    # The window keeps working while the job runs: painting still lands in the mask.
    stroke_along(qtbot, window.canvas, [(10.0, 80.0), (30.0, 80.0)])
    assert window.document.mask[80, 20]

    with qtbot.waitSignal(
        window.jobs.event, check_params_cb=event_kind("cancelled"), timeout=10000
    ):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Escape)
    assert np.array_equal(pixels_rgb(window), original)
    assert window.document.mask[mask.astype(bool)].all()  # the mask is kept
    assert window.features["repair"].repair_action.isEnabled() and not window.job_panel.isVisible()
    assert "cancelled" in window.statusBar().currentMessage()
    assert window.job_panel.time_left.text() == ""
    # 4000 updates were made; throttling let only a few through (~20 per second).
    assert 1 <= len(progress) < 200


def test_engine_failure_is_shown_and_nothing_is_lost(
    qtbot, window, dialogs, extra_engines, photo_path
):
    window.engine_choice.reload()
    window.engine_combo.setCurrentIndex(window.engine_combo.findData("test-failing"))
    open_photo(qtbot, window, photo_path)
    stroke_along(qtbot, window.canvas, SCRATCH)
    original = pixels_rgb(window)
    mask = window.document.mask.copy()
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("failed"), timeout=10000):
        window.features["repair"].repair_action.trigger()
    kind, title, text = dialogs.shown[-1]
    assert (kind, title) == ("critical", "Repair failed")
    assert "the model produced nothing" in text and "mask is kept" in text
    assert np.array_equal(pixels_rgb(window), original)
    assert np.array_equal(window.document.mask, mask)
    assert window.features["repair"].repair_action.isEnabled()


def test_repair_with_an_empty_mask_explains_what_to_do(qtbot, window, dialogs, photo_path):
    open_photo(qtbot, window, photo_path)
    assert window.features["repair"].repair() is None
    assert "brush over" in window.statusBar().currentMessage()
    assert dialogs.shown == []


def test_command_line_with_a_bad_file_still_opens_the_window(
    qtbot, dialogs, no_leftover_threads, tmp_path
):
    from ui.app import create_window

    missing = tmp_path / "nowhere.jpg"
    main = create_window(["main.py", str(missing)])
    qtbot.addWidget(main)
    try:
        qtbot.waitUntil(lambda: bool(dialogs.of_kind("critical")), timeout=10000)
        assert main.isVisible() and main.document is None
        assert "nowhere.jpg" in dialogs.of_kind("critical")[0][2]
    finally:
        main.close()


def test_command_line_opens_the_given_photo(qtbot, dialogs, no_leftover_threads, photo_path):
    from ui.app import create_window

    main = create_window(["main.py", str(photo_path)])
    qtbot.addWidget(main)
    try:
        qtbot.waitUntil(lambda: main.document is not None, timeout=10000)
        assert main.document.path == Path(photo_path)
    finally:
        main.close()


def test_shortcuts_are_listed_in_help(qtbot, window):
    from ui.core.dialogs import ShortcutsDialog

    dialog = ShortcutsDialog(window.actions(), window)
    qtbot.addWidget(dialog)
    names = dict(dialog.rows)
    assert names["Repair"] == "Return, Enter"
    assert names["Undo"] == "Ctrl+Z"
    assert "Ctrl+Shift+Z" in names["Redo"] and "Ctrl+Y" in names["Redo"]
    assert names["Smaller Brush"] == "[" and names["Larger Brush"] == "]"
    assert "Ctrl+Z" in window.features["edit"].undo_action.shortcut().toString()


def test_open_drop_target_ignores_non_files(qtbot, window):
    mime = QMimeData()
    mime.setText("just text")
    event = QDropEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    assert not event.isAccepted()


@pytest.fixture
def fake_gpu(monkeypatch):
    """Pretend the device probe found a CUDA GPU."""
    from restorer.workflows import jobs

    monkeypatch.setattr(
        jobs.ProbeDevicesJob, "run", lambda self, progress: jobs.DeviceInfo(True, "CUDA: Test GPU")
    )


def test_device_chooser_offers_cuda_only_when_present(qtbot, window):
    choices = [window.device_combo.itemData(i) for i in range(window.device_combo.count())]
    assert choices == ["auto", "cpu"]  # this machine's probe found no GPU
    assert window.device_label.text() == "CPU"


def test_device_label_names_the_gpu(qtbot, fake_gpu, extra_engines, window):
    choices = [window.device_combo.itemData(i) for i in range(window.device_combo.count())]
    assert choices == ["auto", "cpu", "cuda"]
    window.engine_choice.reload()
    window.engine_combo.setCurrentIndex(window.engine_combo.findData("test-slow"))
    assert window.device_label.text() == "CUDA: Test GPU"
    window.device_combo.setCurrentIndex(window.device_combo.findData("cpu"))
    assert window.device_label.text() == "CPU"
    window.engine_combo.setCurrentIndex(window.engine_combo.findData("telea"))
    window.device_combo.setCurrentIndex(window.device_combo.findData("cuda"))
    assert window.device_label.text() == "CPU (Telea runs on the CPU only)"
    assert window.engine_choice.job_device(window.engine_choice.engine()) == "cpu"


def test_an_unexpected_error_in_the_window_is_shown_not_fatal(qtbot, window, dialogs):
    from ui.app import _report_unexpected

    try:
        raise KeyError("layer")
    except KeyError as error:
        _report_unexpected(window, type(error), error, error.__traceback__)
    kind, title, text = dialogs.shown[-1]
    assert (kind, title) == ("critical", "Something went wrong")
    assert "KeyError" in text and "still open" in text
    assert window.isVisible()


def test_recent_photos_are_remembered(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    assert window.files.recent()[0] == photo_path.resolve()
    window.features["files"].fill_recent_menu()
    entries = [action.text() for action in window.features["files"].recent_menu.actions()]
    assert entries[0] == "photo.png"


def test_save_as_adds_the_chosen_format_extension():
    from ui.document.files import with_extension

    assert with_extension(Path("a/photo"), "JPEG (*.jpg *.jpeg)") == Path("a/photo.jpg")
    assert with_extension(Path("a/photo.tif"), "PNG (*.png)") == Path("a/photo.tif")
    assert with_extension(Path("a/photo.v2"), "PNG (*.png)") == Path("a/photo.v2.png")
