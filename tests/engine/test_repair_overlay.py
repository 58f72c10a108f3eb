"""A running repair's preview is made ready to draw on the worker: RGBA, the job's mask
coverage as alpha, cut to the part the mask covers."""

from __future__ import annotations

import numpy as np

from restorer.geometry import Box
from restorer.regions import RegionPreview
from restorer.workflows.jobs import RepairJob, RepairOverlay


def test_a_full_size_preview_is_cut_to_the_mask_and_carries_its_coverage():
    mask = np.zeros((60, 80), np.uint8)
    mask[20:30, 30:50] = 255
    mask[20:30, 50:53] = 100  # a soft edge
    job = RepairJob(np.zeros((60, 80, 4), np.uint8), mask, crop=Box(5, 10, 55, 70))
    pixels = np.random.default_rng(0).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    overlay = job.prepare_preview(RegionPreview(Box(5, 5, 45, 55), pixels))

    assert isinstance(overlay, RepairOverlay)
    assert overlay.box == Box(20, 30, 30, 53)  # in the photo: the crop, then the mask
    assert overlay.rgba.shape == (10, 23, 4) and overlay.rgba.flags.c_contiguous
    assert np.array_equal(overlay.rgba[..., 3], mask[20:30, 30:53])
    # Preview row r, column c shows photo row 10 + r, column 15 + c.
    assert np.array_equal(overlay.rgba[..., :3], pixels[10:20, 15:38])


def test_other_previews_pass_through_and_a_preview_outside_the_photo_is_dropped():
    mask = np.zeros((20, 20), np.uint8)
    mask[5:10, 5:10] = 255
    job = RepairJob(np.zeros((20, 20, 4), np.uint8), mask)
    assert job.prepare_preview("a message") == "a message"
    outside = RegionPreview(Box(15, 15, 30, 30), np.zeros((15, 15, 3), np.uint8))
    assert job.prepare_preview(outside) is None
    unmasked = RegionPreview(Box(12, 12, 20, 20), np.zeros((8, 8, 3), np.uint8))
    assert job.prepare_preview(unmasked) is None
