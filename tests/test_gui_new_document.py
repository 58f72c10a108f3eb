"""Images made in the app open as untitled documents: unsaved, and Save asks where."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from restorer.imageio import load_image
from restorer.workflows.new_image import rgba_pixels, suggested_file_name
from tests.gui_helpers import event_kind, open_photo, pixels_rgb
from tests.helpers import gradient_photo

pytest_plugins = ["tests.gui_support"]

Button = QMessageBox.StandardButton


class SaveDialogRecorder:
    """Stands in for QFileDialog.getSaveFileName: records the suggestion, answers `answer`."""

    def __init__(self) -> None:
        self.suggestions: list[str] = []
        self.answer = ""

    def __call__(self, parent, caption, directory, filters, selected, *args, **kwargs):
        self.suggestions.append(directory)
        return self.answer, selected


@pytest.fixture
def save_dialog(monkeypatch) -> SaveDialogRecorder:
    recorder = SaveDialogRecorder()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(recorder))
    return recorder


def open_generated(qtbot, window, image: np.ndarray, name: str) -> None:
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=10000):
        window.files.open_image(image, name)
    qtbot.waitUntil(lambda: window.document is not None and window.document.name == name)


def test_generated_image_opens_unsaved_and_save_asks_for_a_path(
    qtbot, window, dialogs, save_dialog, tmp_path
):
    image = gradient_photo(40, 56, seed=5)
    open_generated(qtbot, window, image, "Texture 56×40")
    document = window.document
    assert np.array_equal(pixels_rgb(window), image)
    assert (document.width, document.height) == (56, 40)
    assert document.untitled and document.is_modified and window.isWindowModified()
    assert window.windowTitle().startswith("Texture 56×40")
    assert "56 × 40" in window.size_label.text()

    save_dialog.answer = ""  # the person cancels the Save As dialog
    assert window.files.save() is None
    assert Path(save_dialog.suggestions[-1]).name == "Texture-56-40.png"
    assert document.is_modified

    target = tmp_path / "texture"
    save_dialog.answer = str(target)
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=10000):
        window.features["files"].save_action.trigger()
    written = tmp_path / "texture.png"
    assert np.array_equal(load_image(written).rgb, image)
    assert not document.untitled and not window.isWindowModified()
    assert window.windowTitle().startswith("texture.png")
    assert dialogs.shown == []


def test_closing_an_unsaved_generated_image_asks_and_save_goes_to_save_as(
    qtbot, window, dialogs, save_dialog, tmp_path
):
    image = gradient_photo(24, 32, seed=1)
    open_generated(qtbot, window, image, "Sample 1")
    dialogs.answers["warning"] = Button.Cancel
    window.close()
    assert window.isVisible()
    assert "Sample 1" in dialogs.of_kind("warning")[-1][2]

    dialogs.answers["warning"] = Button.Save
    save_dialog.answer = str(tmp_path / "sample.png")
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=10000):
        window.close()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert np.array_equal(load_image(tmp_path / "sample.png").rgb, image)


def test_opening_a_generated_image_over_unsaved_work_asks_first(qtbot, window, dialogs, photo_path):
    open_photo(qtbot, window, photo_path)
    open_generated(qtbot, window, gradient_photo(20, 20), "First")
    dialogs.answers["warning"] = Button.Cancel
    window.files.open_image(gradient_photo(30, 30), "Second")
    assert window.document.name == "First"
    assert not window.jobs.busy
    # The suggested file goes next to the photo that was open.
    assert window.document.path == photo_path.parent / "First.png"


def test_pixels_from_gray_rgb_and_rgba():
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4)
    pixels, alpha = rgba_pixels(gray)
    assert pixels.shape == (3, 4, 4) and not alpha
    assert np.array_equal(pixels[..., 2], gray) and (pixels[..., 3] == 255).all()
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[..., 3] = 128
    assert rgba_pixels(rgba)[1]
    with pytest.raises(ValueError):
        rgba_pixels(np.zeros((2, 2, 3), np.float32))
    assert suggested_file_name("  ") == "untitled.png"
