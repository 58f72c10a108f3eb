"""Image → Extend Canvas… in the window: one undoable step, the mask moves along."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from restorer.generate.extend import Borders
from tests.gui.helpers import open_photo, pixels_rgb, stroke_along
from ui.features.image.extend_dialog import ExtendDialog


@pytest.fixture
def window(sync_window):
    """These tests need no job thread: their jobs run on the GUI thread."""
    return sync_window


def test_extend_canvas_from_the_menu_then_undo(qtbot, window, dialogs, monkeypatch, photo_path):
    open_photo(qtbot, window, photo_path)
    stroke_along(qtbot, window.canvas, [(40.0, 40.0), (60.0, 45.0)])
    original = pixels_rgb(window)
    mask = window.document.mask.copy()
    seen = {}

    def answer(dialog: ExtendDialog) -> int:
        dialog.set_borders(Borders(top=8, bottom=0, left=16, right=24))
        seen["size"] = dialog.size_label.text()
        seen["hint"] = dialog.hint_label.text()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ExtendDialog, "exec", answer)
    window.features["image"].extend_action.trigger()  # Image → Extend Canvas…
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=30000)
    assert dialogs.shown == []
    assert "background" in seen["hint"] and "repeated" in seen["hint"]  # where it works
    assert seen["size"].endswith("168 × 104 px")
    document = window.document
    assert (document.height, document.width) == (104, 168)
    assert "168 × 104" in window.size_label.text()
    extended = pixels_rgb(window)
    assert np.array_equal(extended[8:104, 16:144], original)
    assert np.array_equal(document.mask[8:104, 16:144], mask) and document.mask.sum() == mask.sum()
    assert document.undo_stack.undoText().startswith("Extend canvas")
    assert "Extended to 168 × 104 px" in window.statusBar().currentMessage()

    window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(window), original)
    assert np.array_equal(document.mask, mask)
    window.features["edit"].redo()
    assert np.array_equal(pixels_rgb(window), extended)


def test_the_dialog_refuses_nothing_to_add_and_too_much(qtbot, window, dialogs, photo_path):
    dialog = ExtendDialog(window, (96, 128), "Telea")
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and "Nothing to add" in dialog.problem_label.text()
    dialog.all_sides.setValue(32)
    assert dialog.borders() == Borders(32, 32, 32, 32)
    assert dialog.size_label.text().endswith("192 × 160 px")
    dialog.set_borders(Borders(left=100))
    assert ok.isEnabled() and dialog.problem_label.text() == ""
    assert dialog.size_label.text().endswith("228 × 96 px")
    dialog.set_borders(Borders(top=9000))  # the spin box stops at the limit
    assert dialog.borders().top == 8192 and ok.isEnabled()
    huge = ExtendDialog(window, (20000, 20000), "Telea")
    qtbot.addWidget(huge)
    huge.set_borders(Borders(left=8000))
    assert "megapixels" in huge.problem_label.text()
    assert not huge.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    open_photo(qtbot, window, photo_path)
    original = pixels_rgb(window)
    from ui.features.image import extend_dialog

    assert extend_dialog.extend_canvas(window, Borders()) is None
    assert "Nothing to add" in dialogs.of_kind("critical")[0][2]
    assert np.array_equal(pixels_rgb(window), original)
