"""Save Mask keeps a soft brush's edges; Load Mask brings back the very same mask; both
are in the Mask menu too."""

from __future__ import annotations

import numpy as np

from tests.gui.helpers import open_photo, stroke_along
from ui.shell import MenuId


def test_a_soft_mask_saved_and_loaded_is_the_same(qtbot, window, dialogs, photo_path, tmp_path):
    open_photo(qtbot, window, photo_path)
    window.canvas.set_brush_size(24)
    window.canvas.set_hardness(0.5)
    stroke_along(qtbot, window.canvas, [(30.0, 40.0), (90.0, 50.0)])
    document = window.document
    painted = document.mask.copy()
    soft = (painted > 0) & (painted < 255)
    assert soft.sum() > 50  # hardness 50%: a wide soft edge
    target = tmp_path / "soft-mask.png"
    window.files.save_mask(target)
    qtbot.waitUntil(lambda: not window.jobs.busy and target.exists(), timeout=10000)
    document.clear_mask()
    assert not document.mask.any()
    window.files.load_mask(target)
    qtbot.waitUntil(lambda: document.mask.any(), timeout=10000)
    assert np.array_equal(document.mask, painted)
    assert document.undo_stack.undoText() == "Load mask soft-mask.png"
    assert dialogs.shown == []
    mask_menu = window.menu(MenuId.MASK).actions()
    texts = [action.text() for action in mask_menu]
    assert "&Load Mask…" in texts and "Save Mas&k…" in texts
    assert all(action.isEnabled() for action in mask_menu if "Mask…" in action.text())
