"""Replacing the whole photo (size may change) is one exact undo step."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from restorer.progress import Progress
from restorer.workflows.jobs import OpenPhotoJob, RepairJob
from restorer.workflows.photo_state import prepare_photo, resize_mask
from tests.gui_helpers import open_photo, pixels_rgb
from tests.helpers import gradient_photo, write_png
from ui.document import Document

pytest_plugins = ["tests.gui_support"]


@pytest.fixture
def document(qapp, tmp_path) -> Document:
    path = write_png(tmp_path / "photo.png", gradient_photo(60, 80))
    return Document(OpenPhotoJob(Path(path)).run(Progress()))


def test_replace_with_a_larger_photo_undoes_and_redoes_exactly(document):
    document.begin_stroke((20.0, 20.0), 10)
    document.end_stroke()
    before_pixels = document.pixels.copy()
    before_mask = document.mask.copy()
    bigger = np.ascontiguousarray(np.repeat(np.repeat(before_pixels[..., :3], 2, 0), 2, 1))
    replaced = []
    document.photo_replaced.connect(lambda: replaced.append((document.height, document.width)))

    document.replace_photo(bigger, resize_mask(before_mask, (120, 160)), text="Upscale 2x")
    assert (document.height, document.width) == (120, 160)
    assert np.array_equal(document.pixels[..., :3], bigger)
    assert (document.pixels[..., 3] == 255).all()
    assert document.mask.sum() == 4 * before_mask.sum()
    assert document.mask_pyramid.levels[0] is document.mask
    assert document.is_modified
    assert document.undo_stack.undoText() == "Upscale 2x"

    document.undo()
    assert (document.height, document.width) == (60, 80)
    assert np.array_equal(document.pixels, before_pixels)
    assert np.array_equal(document.mask, before_mask)
    assert not document.is_modified
    assert document.image_pyramid.levels[0] is document.pixels

    document.redo()
    assert np.array_equal(document.pixels[..., :3], bigger)
    assert replaced == [(120, 160), (60, 80), (120, 160)]


def test_replace_without_a_mask_clears_it_and_edits_after_it_undo_in_order(document):
    document.begin_stroke((30.0, 30.0), 12)
    document.end_stroke()
    original = document.pixels.copy()
    smaller = np.ascontiguousarray(original[10:50, 5:75, :3])
    document.replace_photo(smaller, text="Crop")
    assert document.mask_is_empty() and document.mask.shape == (40, 70)

    # A repair on the new photo, then undo both: the original comes back exactly.
    document.begin_stroke((20.0, 20.0), 8)
    document.end_stroke()
    snapshot = document.share_pixels()
    mask = document.mask_snapshot()
    job = RepairJob(snapshot, mask, "telea", "cpu")
    outcome = job.run(Progress())
    document.release_pixels(snapshot)
    assert document.apply_outcome(job, outcome)
    repaired = document.pixels.copy()
    for _ in range(3):
        document.undo()
    assert np.array_equal(document.pixels, original)
    for _ in range(3):
        document.redo()
    assert np.array_equal(document.pixels, repaired)


def test_a_job_reading_the_old_photo_never_sees_it_change(document):
    snapshot = document.share_pixels()
    kept = snapshot.copy()
    document.replace_photo(np.zeros((10, 10, 3), np.uint8))
    document.undo()  # the shared array is back in the document
    document.begin_stroke((5.0, 5.0), 6)
    document.end_stroke()
    document.write_pixels(lambda rgb: (rgb.fill(7), (0, 0, 60, 80))[1])
    assert np.array_equal(snapshot, kept)  # copied before writing, not written in place
    # A result computed for the old size is dropped once the size changed.
    mask = np.zeros((60, 80), bool)
    mask[5:9, 5:9] = True
    job = RepairJob(kept, mask, "telea", "cpu")
    outcome = job.run(Progress())
    document.replace_photo(np.zeros((10, 10, 3), np.uint8))
    assert not document.apply_patch(outcome.patch, mask, kept, outcome.edit)
    assert document.undo_stack.undoText() == "Replace photo"


def test_prepare_photo_refuses_bad_input():
    with pytest.raises(ValueError):
        prepare_photo(np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError):
        prepare_photo(np.zeros((4, 4, 3), np.uint8), np.zeros((5, 4), bool))


def test_the_window_refits_and_shows_the_new_size(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    original = pixels_rgb(window)
    bigger = np.ascontiguousarray(np.repeat(np.repeat(original, 3, 0), 3, 1))
    window.document.replace_photo(bigger, text="Upscale 3x")
    assert "384 × 288" in window.size_label.text()
    assert window.canvas.image_widget_rect().width() <= window.canvas.width()
    assert window.features["edit"].undo_action.isEnabled() and window.isWindowModified()
    window.features["edit"].undo()
    assert "128 × 96" in window.size_label.text()
    assert np.array_equal(pixels_rgb(window), original)
    window.features["edit"].redo()
    assert np.array_equal(pixels_rgb(window), bigger)


def test_a_repair_finishing_after_the_photo_changed_size_is_dropped(
    qtbot, window, dialogs, photo_path
):
    import threading

    from restorer.jobs import Job
    from tests.gui_helpers import stroke_along

    class Blocker(Job):
        title = "Waiting"

        def __init__(self) -> None:
            self.release = threading.Event()

        def run(self, progress):
            self.release.wait(10)

    open_photo(qtbot, window, photo_path)
    original = pixels_rgb(window)
    window.document.replace_photo(np.repeat(original, 2, axis=1), text="Wider")
    stroke_along(qtbot, window.canvas, [(40.0, 40.0), (60.0, 45.0)])
    blocker = Blocker()
    window.jobs.submit(blocker, lambda _: None, background=True)
    assert window.features["repair"].repair() is not None
    window.features["edit"].undo()  # the stroke
    window.features["edit"].undo()  # the resize, while the repair waits
    blocker.release.set()
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=10000)
    assert dialogs.shown == []
    assert np.array_equal(pixels_rgb(window), original)
    assert window.document.undo_stack.canRedo()
