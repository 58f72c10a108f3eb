"""Mask → Find Damage: live candidates on the worker, Add to Mask as one undo step."""

from __future__ import annotations

import numpy as np

from restorer.imageio import save_image
from restorer.workflows.damage import FoundDamage
from restorer.workflows.jobs import RepairOutcome
from tests.gui.helpers import event_kind, open_photo

FOUND = event_kind("finished", FoundDamage)


def _scratched_scan(tmp_path):
    """A grainy gradient with one bright film scratch down column 60 and a dark speck."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:160, 0:200].astype(np.float32)
    image = np.dstack([90 + xx / 4, 100 + yy / 5, 120 - xx / 8]) + rng.normal(0, 2, (160, 200, 1))
    image = np.clip(image, 0, 255).astype(np.uint8)
    image[:, 59:61] = 245
    image[100:105, 150:155] = 15
    truth = np.zeros((160, 200), bool)
    truth[:, 59:61] = True
    truth[100:105, 150:155] = True
    return save_image(tmp_path / "scan.png", image), truth


def test_find_damage_previews_then_add_to_mask_is_one_undo_step(qtbot, window, tmp_path):
    path, truth = _scratched_scan(tmp_path)
    open_photo(qtbot, window, path)
    finder = window.features["damage"]
    pixels = window.document.pixels.copy()

    with qtbot.waitSignal(window.jobs.event, check_params_cb=FOUND, timeout=30000):
        finder.find_action.trigger()
    qtbot.waitUntil(lambda: finder.found is not None, timeout=10000)
    assert finder.dock.isVisible()
    # The candidates show over the photo; the document's mask and pixels are untouched.
    box, image = window.canvas.preview
    assert box.left <= 59 and box.right >= 61
    assert image.pixelColor(60 - box.left, 80 - box.top).alpha() > 0
    assert window.document.mask_is_empty()
    assert np.array_equal(window.document.pixels, pixels)
    assert finder.found.mask[truth].mean() > 0.9
    assert finder.panel.add_button.isEnabled()

    # Moving the slider searches again on the worker.
    with qtbot.waitSignal(window.jobs.event, check_params_cb=FOUND, timeout=30000):
        finder.panel.sensitivity.setValue(30)
    qtbot.waitUntil(lambda: finder.panel.add_button.isEnabled(), timeout=10000)
    assert finder.found.settings.sensitivity == 0.3

    depth = window.document.undo_stack.count()
    finder.panel.add_button.click()
    assert window.document.undo_stack.count() == depth + 1
    mask = window.document.mask
    assert (mask[truth] > 0).mean() > 0.9
    assert (mask > 0).mean() < 0.2
    assert window.canvas.preview is None

    window.document.undo_stack.undo()
    assert window.document.mask_is_empty()
    window.document.undo_stack.redo()
    assert (window.document.mask[truth] > 0).mean() > 0.9


def test_clean_up_finds_dust_and_scratches_then_repairs_them(qtbot, window, tmp_path):
    path, truth = _scratched_scan(tmp_path)
    open_photo(qtbot, window, path)
    before = window.document.pixels[..., :3].astype(np.int16)
    repaired = event_kind("finished", RepairOutcome)

    with qtbot.waitSignal(window.jobs.event, check_params_cb=repaired, timeout=60000):
        window.features["damage"].clean_action.trigger()
    after = window.document.pixels[..., :3].astype(np.int16)
    # The bright scratch is gone: its pixels now look like the gradient beside them.
    scratch_before = np.abs(before[:, 60] - before[:, 56]).mean()
    scratch_after = np.abs(after[:, 60] - after[:, 56]).mean()
    assert scratch_before > 100
    assert scratch_after < 20
    # Away from the damage the photo is untouched.
    assert np.array_equal(after[:, :40], before[:, :40])
