"""The document: rectangle-only undo, copy-on-write sharing with jobs, the modified flag."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from restorer.geometry import Box
from restorer.jobs import PatchResult
from restorer.progress import Progress
from restorer.workflows.jobs import OpenPhotoJob, RepairJob, RepairOutcome
from tests.support.helpers import gradient_photo, write_png
from ui.document import Document


def elsewhere(mask: np.ndarray) -> RepairJob:
    """A repair job that read pixels the document no longer has: its edit is made again."""
    return RepairJob(np.zeros((*mask.shape, 4), np.uint8), mask)


@pytest.fixture
def document(qapp, tmp_path) -> Document:
    path = write_png(tmp_path / "photo.png", gradient_photo(260, 300))
    return Document(OpenPhotoJob(Path(path)).run(Progress()))


def paint(document: Document, points, size=10, erase=False) -> None:
    document.begin_stroke(points[0], size, erase)
    for point in points[1:]:
        document.stroke_to(point)
    document.end_stroke()


def test_a_stroke_is_one_small_undo_step(document, qtbot):
    changes: list[Box] = []
    document.mask_changed.connect(changes.append)
    paint(document, [(20.0, 30.0), (40.0, 32.0), (60.0, 35.0)])
    assert document.undo_stack.count() == 1
    command = document.undo_stack.command(0)
    assert command.edit.box.area < 80 * 20
    assert command.edit.nbytes < 2 * command.edit.box.area // 8 + 4
    assert all(box.area < 20 * 20 * 4 for box in changes)  # repaint per segment, not the image
    painted = document.mask.copy()
    document.undo()
    assert not document.mask.any()
    document.redo()
    assert np.array_equal(document.mask, painted)
    # the zoomed-out mask level followed
    assert document.mask_pyramid.levels[1].any()


def test_repair_applies_only_under_the_mask_and_undoes_exactly(document, qtbot):
    paint(document, [(50.0, 50.0), (90.0, 60.0)], size=8)
    original = document.pixels.copy()
    snapshot = document.share_pixels()
    mask = document.mask_snapshot()
    job = RepairJob(snapshot, mask, "telea", "cpu")
    outcome = job.run(Progress())
    document.release_pixels(snapshot)
    assert document.apply_outcome(job, outcome)
    changed = (document.pixels != original).any(axis=2)
    assert changed.any() and not changed[mask == 0].any()
    assert not document.mask.any()
    assert document.is_modified
    document.undo()
    assert np.array_equal(document.pixels, original)
    assert np.array_equal(document.mask, mask)
    assert not document.is_modified


def test_undo_and_redo_of_a_tall_repair_are_written_in_bands_and_exact(document, qtbot):
    from restorer.pyramid import Pyramid
    from ui.document.document import GRADUAL_ROWS

    paint(document, [(40.0, 20.0), (60.0, 120.0), (50.0, 240.0)], size=9)
    original, painted = document.pixels.copy(), document.mask.copy()
    snapshot = document.share_pixels()
    job = RepairJob(snapshot, document.mask_snapshot(), "telea", "cpu")
    outcome = job.run(Progress())
    document.release_pixels(snapshot)
    assert document.apply_outcome(job, outcome)
    repaired, cleared = document.pixels.copy(), document.mask.copy()
    assert not np.array_equal(repaired, original)
    bands: list[Box] = []
    document.image_changed.connect(bands.append)
    for step, pixels, mask in (
        (document.undo, original, painted),
        (document.redo, repaired, cleared),
    ):
        bands.clear()
        step()
        assert document.writing  # nothing written yet: the GUI thread returned at once
        qtbot.waitUntil(lambda: not document.writing)
        base = document.image_pyramid.base  # read without finishing a write
        assert np.array_equal(base, pixels) and np.array_equal(document.mask_pyramid.base, mask)
        assert len(bands) > 3 and all(band.height <= GRADUAL_ROWS for band in bands)
        fresh = Pyramid(pixels.copy())
        for level, expected in zip(document.image_pyramid.levels, fresh.levels, strict=True):
            assert np.array_equal(level, expected)
    # Undo, redo and undo in one go: each finishes the one before; exact at once.
    document.undo()
    document.redo()
    document.undo()
    assert np.array_equal(document.pixels, original)
    assert np.array_equal(document.mask, painted)
    assert not document.is_modified
    document.redo()
    assert np.array_equal(document.pixels, repaired) and document.is_modified


def test_pixels_shared_with_a_job_are_copied_before_they_change(document, qtbot):
    paint(document, [(30.0, 30.0)], size=12)
    snapshot = document.share_pixels()
    frozen = snapshot.copy()
    mask = document.mask_snapshot()
    box = Box(20, 20, 40, 40)
    patch = PatchResult(box=tuple(box), pixels=np.zeros((20, 20, 3), np.uint8), engine_id="x")
    with qtbot.waitSignal(document.pixels_replaced):
        document.apply_outcome(
            elsewhere(mask), RepairOutcome(patch, None)
        )  # a write while the job reads
    assert np.array_equal(snapshot, frozen)  # the job's view never changed
    assert document.pixels is not snapshot
    assert (document.pixels[mask > 0][:, :3] == 0).all()
    assert np.array_equal(document.image_pyramid.base, document.pixels)
    document.release_pixels(snapshot)  # a stale release changes nothing
    replaced: list[bool] = []
    document.pixels_replaced.connect(lambda: replaced.append(True))
    document.undo()  # no job holds the new array: written in place
    assert replaced == [] and np.array_equal(document.pixels, frozen)


def test_a_stale_job_edit_is_recomputed_against_the_current_pixels(document, qtbot):
    paint(document, [(60.0, 60.0)], size=10)
    snapshot = document.share_pixels()
    mask = document.mask_snapshot()
    job = RepairJob(snapshot, mask, "telea", "cpu")
    outcome = job.run(Progress())
    # Meanwhile an earlier-style change lands on the pixels (forces copy-on-write).
    other = PatchResult(box=(0, 0, 5, 5), pixels=np.full((5, 5, 3), 9, np.uint8))
    corner = np.zeros(mask.shape, bool)
    corner[:5, :5] = True
    document.apply_outcome(elsewhere(corner), RepairOutcome(other, None))
    document.release_pixels(snapshot)
    before = document.pixels.copy()
    document.apply_outcome(job, outcome)
    changed = (document.pixels != before).any(axis=2)
    assert changed.any() and not changed[mask == 0].any()
    assert (document.pixels[:5, :5, :3] == 9).all()


def test_saved_state_tracks_undo_and_redo(document, qtbot):
    assert not document.is_modified
    paint(document, [(30.0, 30.0)], size=12)
    assert not document.is_modified  # the mask is not part of the file
    snapshot = document.share_pixels()
    mask = document.mask_snapshot()
    job = RepairJob(snapshot, mask, "telea", "cpu")
    outcome = job.run(Progress())
    document.release_pixels(snapshot)
    document.apply_outcome(job, outcome)
    assert document.is_modified
    document.mark_saved(state=document.edit_state())
    assert not document.is_modified
    document.undo()
    assert document.is_modified
    document.redo()
    assert not document.is_modified


def test_clear_and_replace_mask(document, qtbot):
    assert not document.clear_mask()  # nothing to clear: no undo step
    paint(document, [(10.0, 10.0), (100.0, 100.0)], size=6)
    painted = document.mask.copy()
    assert document.clear_mask()
    assert not document.mask.any() and document.mask_is_empty()
    document.undo()
    assert np.array_equal(document.mask, painted)
    new = np.zeros((260, 300), bool)
    new[5:9, 5:9] = True
    assert document.replace_mask(new)
    assert np.array_equal(document.mask.astype(bool), new)
    with pytest.raises(ValueError):
        document.replace_mask(np.zeros((3, 3), bool))


def test_alpha_and_metadata_survive_open_and_save(tmp_path):
    from PIL import Image

    from restorer.imageio import load_image
    from restorer.workflows.jobs import SavePhotoJob

    rgba = np.dstack([gradient_photo(40, 50), np.tile(np.arange(50, dtype=np.uint8) * 5, (40, 1))])
    source = tmp_path / "cutout.png"
    Image.fromarray(rgba, "RGBA").save(source)
    loaded = OpenPhotoJob(source).run(Progress())
    assert loaded.has_alpha and np.array_equal(loaded.pixels, rgba)
    target = tmp_path / "saved.png"
    SavePhotoJob(target, loaded.pixels, True, loaded.exif, loaded.icc).run(Progress())
    again = load_image(target)
    assert np.array_equal(again.rgb, rgba[..., :3]) and np.array_equal(again.alpha, rgba[..., 3])
