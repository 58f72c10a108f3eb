"""Image → tone and colour dialogs: preview, then one undo step; under the mask if painted."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QDialog

from tests.gui.helpers import open_photo, pixels_rgb, stroke_along
from tests.support.helpers import write_png
from ui.features.image.tone_dialog import FADE, LEVELS, WHITE_BALANCE, ToneDialog


def _faded_print(tmp_path):
    """A grey ramp and two colour patches, faded: low contrast and a warm cast."""
    height, width = 80, 120
    ramp = np.linspace(0, 1, width)[None, :].repeat(height, 0)
    image = np.dstack([ramp, ramp, ramp])
    image[10:30, 10:40] = (0.8, 0.25, 0.15)
    image[45:70, 60:100] = (0.15, 0.35, 0.8)
    faded = np.dstack(
        [0.3 + 0.65 * image[..., 0], 0.2 + 0.55 * image[..., 1], 0.1 + 0.45 * image[..., 2]]
    )
    return write_png(tmp_path / "faded.png", (faded * 255).astype(np.uint8))


def _finish(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=20000)


def test_fade_restoration_previews_then_applies_the_same_curve(
    qtbot, window, dialogs, monkeypatch, tmp_path
):
    open_photo(qtbot, window, _faded_print(tmp_path))
    original = pixels_rgb(window)
    seen = {}

    def answer(dialog: ToneDialog) -> int:
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.windowTitle() == FADE
        preview = dialog.preview_pixels()
        seen["curve"] = dialog.curve()
        # The preview is the photo (here small enough to be its own preview) restored.
        assert np.array_equal(preview, seen["curve"].apply(original))
        dialog.before.setChecked(True)
        assert np.array_equal(dialog.preview_pixels(), original)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ToneDialog, "exec", answer)
    steps = window.document.undo_stack.count()
    window.features["image"].tone_actions[FADE].trigger()
    _finish(qtbot, window)
    restored = pixels_rgb(window)
    assert np.array_equal(restored, seen["curve"].apply(original))
    ramp = restored[2].astype(int)
    assert ramp.max() >= 250 and ramp.min() <= 5  # contrast is back
    cast_before = np.abs(original[2, :, 0].astype(int) - original[2, :, 2]).mean()
    assert np.abs(ramp[:, 0] - ramp[:, 2]).mean() < cast_before / 3
    assert window.document.undo_stack.count() == steps + 1
    assert window.document.undo_stack.undoText() == f"{FADE} (whole photo)"
    window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(window), original)
    assert dialogs.shown == []


def test_white_balance_on_a_picked_grey_changes_only_the_masked_area(
    qtbot, window, dialogs, monkeypatch, tmp_path
):
    open_photo(qtbot, window, _faded_print(tmp_path))
    window.canvas.set_brush_size(20)
    stroke_along(qtbot, window.canvas, [(20.0, 60.0), (100.0, 60.0)])
    original = pixels_rgb(window)
    mask = window.document.mask.copy()
    assert mask.any()

    def answer(dialog: ToneDialog) -> int:
        assert dialog.selection is not None and dialog.selection.any()
        dialog.pick_point(50.0, 4.0)  # the ramp's grey, outside the patches
        assert dialog.pick.isChecked()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ToneDialog, "exec", answer)
    window.features["image"].tone_actions[WHITE_BALANCE].trigger()
    _finish(qtbot, window)
    after = pixels_rgb(window)
    outside = mask == 0
    assert np.array_equal(after[outside], original[outside])
    inside = (mask > 0) & (np.arange(120)[None, :] < 55) & (np.arange(120)[None, :] > 5)
    grey_before = original[inside].astype(int)
    grey_after = after[inside].astype(int)
    # The ramp under the mask was warm; the cast is much smaller now, and gone at the
    # brightness of the grey that was clicked (the ramp's column 50).
    cast_before = np.abs(grey_before[:, 0] - grey_before[:, 2]).mean()
    assert cast_before > 20
    assert np.abs(grey_after[:, 0] - grey_after[:, 2]).mean() < cast_before / 2
    picked_column = after[55:65, 48:53].reshape(-1, 3).astype(int)
    assert np.abs(picked_column[:, 0] - picked_column[:, 2]).max() <= 3
    assert window.document.undo_stack.undoText() == f"{WHITE_BALANCE} (masked area)"
    assert np.array_equal(window.document.mask, mask)  # the selection stays


def test_levels_per_channel_and_auto(qtbot, window, tmp_path):
    image = np.zeros((30, 40, 3), np.uint8)
    image[..., 0] = np.linspace(50, 200, 40).astype(np.uint8)[None, :]
    image[..., 1] = 100
    image[..., 2] = np.linspace(0, 255, 40).astype(np.uint8)[None, :]
    dialog = ToneDialog(window, LEVELS, image, None)
    qtbot.addWidget(dialog)
    assert dialog.curve().is_identity
    dialog.channel_combo.setCurrentIndex(1)  # Red
    dialog.set_levels(50, 200, 1.0)
    curve = dialog.curve()
    assert curve.table[0, 50] == 0 and curve.table[0, 200] == 255
    assert curve.table[1, 50] == 50  # green untouched
    assert dialog.histogram.black == 50 and dialog.histogram.counts.sum() == 30 * 40
    dialog.channel_combo.setCurrentIndex(0)  # all channels
    dialog.set_levels(0, 255, 2.0)
    assert dialog.curve().table[1, 64] > 100
    dialog.auto_levels_values()
    preview = dialog.preview_pixels()
    assert preview[..., 0].min() <= 2 and preview[..., 0].max() >= 253
