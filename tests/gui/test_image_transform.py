"""Image menu: rotate, flip, crop, straighten, resize — one undo step each, mask along."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog

from restorer.transform import inner_rectangle
from tests.gui.helpers import open_photo, pixels_rgb, stroke_along
from ui.features.image.crop_dialog import CropDialog
from ui.features.image.resize_dialog import ResizeDialog
from ui.features.image.straighten_dialog import StraightenDialog


def _finish(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=20000)


def test_rotate_and_flip_turn_the_photo_and_its_mask_as_one_undo_step(
    qtbot, window, dialogs, photo_path
):
    open_photo(qtbot, window, photo_path)
    stroke_along(qtbot, window.canvas, [(20.0, 20.0), (40.0, 24.0)])
    original, mask = pixels_rgb(window), window.document.mask.copy()
    image = window.features["image"]
    steps = window.document.undo_stack.count()
    image.rotate_right_action.trigger()
    _finish(qtbot, window)
    document = window.document
    assert (document.height, document.width) == (128, 96)
    assert np.array_equal(pixels_rgb(window), np.rot90(original, -1))
    assert np.array_equal(document.mask, np.rot90(mask, -1))
    assert document.undo_stack.count() == steps + 1
    assert document.undo_stack.undoText() == "Rotate 90° right"
    image.flip_h_action.trigger()
    _finish(qtbot, window)
    assert np.array_equal(pixels_rgb(window), np.rot90(original, -1)[:, ::-1])
    window.features["edit"].undo()
    window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(window), original)
    assert np.array_equal(window.document.mask, mask)
    image.rotate_left_action.trigger()
    _finish(qtbot, window)
    assert np.array_equal(pixels_rgb(window), np.rot90(original, 1))
    image.flip_v_action.trigger()
    _finish(qtbot, window)
    assert np.array_equal(pixels_rgb(window), np.rot90(original, 1)[::-1])
    assert dialogs.shown == []


def test_crop_drawn_on_the_dialog_at_a_square_ratio(
    qtbot, window, dialogs, monkeypatch, photo_path
):
    open_photo(qtbot, window, photo_path)
    stroke_along(qtbot, window.canvas, [(30.0, 40.0), (60.0, 40.0)])
    original, mask = pixels_rgb(window), window.document.mask.copy()
    seen = {}

    def answer(dialog: CropDialog) -> int:
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.set_ratio("1:1 (square)")
        view = dialog.view
        # Drag from photo point (20, 10) to about (80, 70) with the real mouse.
        scale, corner = view._frame()

        def at(x: float, y: float) -> QPoint:
            point = corner + QPointF(x * scale, y * scale)
            return QPoint(round(point.x()), round(point.y()))

        QTest.mousePress(
            view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(20, 10)
        )
        QTest.mouseMove(view, at(50, 40))
        QTest.mouseMove(view, at(80, 70))
        QTest.mouseRelease(
            view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(80, 70)
        )
        seen["box"] = dialog.box()
        seen["label"] = dialog.size_label.text()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(CropDialog, "exec", answer)
    window.features["image"].crop_action.trigger()
    _finish(qtbot, window)
    box = seen["box"]
    assert box.width == box.height and 55 <= box.width <= 65
    assert abs(box.left - 20) <= 2 and abs(box.top - 10) <= 2
    assert seen["label"].endswith(f"{box.width} × {box.height} px")
    document = window.document
    assert (document.height, document.width) == (box.height, box.width)
    assert np.array_equal(pixels_rgb(window), original[box.slices])
    assert np.array_equal(document.mask, mask[box.slices])
    window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(window), original)


def test_crop_dialog_numbers_follow_the_ratio(qtbot, window):
    dialog = CropDialog(window, np.zeros((60, 80, 3), np.uint8), (600, 800))
    qtbot.addWidget(dialog)
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
    dialog.set_ratio("16:9")
    box = dialog.box()
    assert (box.width, box.height) == (800, 450) and box.top == 75
    dialog.spins["width"].setValue(320)
    box = dialog.box()
    assert (box.width, box.height) == (320, 180)
    dialog.set_ratio("Free")
    dialog.spins["height"].setValue(500)
    assert dialog.box().height == 500 and dialog.box().width == 320
    assert dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()


def test_straighten_by_drawing_along_the_horizon(qtbot, window, dialogs, monkeypatch, tmp_path):
    from tests.support.helpers import write_png

    height, width = 120, 180
    slope = np.tan(np.radians(4))
    rows = np.arange(height)[:, None]
    cols = np.arange(width)[None, :]
    image = np.zeros((height, width, 3), np.uint8)
    image[:] = (50, 90, 170)
    image[rows > 60 + (cols - width / 2) * slope] = (70, 150, 50)
    path = write_png(tmp_path / "tilted.png", image)
    open_photo(qtbot, window, path)

    def answer(dialog: StraightenDialog) -> int:
        # The line along the horizon, in the preview's pixels (here the photo's own).
        dialog.correct_by_line(
            10, 60 + (10 - width / 2) * slope, 170, 60 + (170 - width / 2) * slope
        )
        assert abs(dialog.angle() - 4) < 0.05
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(StraightenDialog, "exec", answer)
    window.features["image"].straighten_action.trigger()
    _finish(qtbot, window)
    document = window.document
    angle_size = inner_rectangle(height, width, 4.0)
    assert abs(document.height - angle_size[0]) <= 1 and abs(document.width - angle_size[1]) <= 1
    level = pixels_rgb(window)
    ground = level[..., 1] > 110
    assert abs(int(np.argmax(ground[:, 3])) - int(np.argmax(ground[:, -4]))) <= 1
    assert document.undo_stack.undoText().startswith("Straighten by +4.0")
    assert dialogs.shown == []


def test_resize_keeps_the_aspect_and_uses_the_dialog_size(
    qtbot, window, dialogs, monkeypatch, photo_path
):
    open_photo(qtbot, window, photo_path)
    original = pixels_rgb(window)

    def answer(dialog: ResizeDialog) -> int:
        dialog.width_spin.setValue(64)
        assert dialog.height_spin.value() == 48 and dialog.percent_spin.value() == 50
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ResizeDialog, "exec", answer)
    window.features["image"].resize_action.trigger()
    _finish(qtbot, window)
    expected = cv2.resize(original, (64, 48), interpolation=cv2.INTER_AREA)
    assert np.array_equal(pixels_rgb(window), expected)
    window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(window), original)
    dialog = ResizeDialog(window, (96, 128))
    qtbot.addWidget(dialog)
    dialog.keep_aspect.setChecked(False)
    dialog.width_spin.setValue(256)
    assert dialog.height_spin.value() == 96
    dialog.height_spin.setValue(96)
    dialog.width_spin.setValue(128)
    assert "already" in dialog.problem_label.text()
