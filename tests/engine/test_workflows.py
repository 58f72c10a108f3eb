"""Document-level jobs and their helpers (`restorer.workflows`): no Qt needed."""

from __future__ import annotations

import numpy as np
import pytest

from restorer.generate.extend import Borders
from restorer.progress import Progress
from restorer.workflows.filters import DocumentExtendJob, under_mask
from restorer.workflows.new_image import rgba_pixels, suggested_file_name
from restorer.workflows.photo_state import prepare_photo
from tests.support.helpers import gradient_photo


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


def test_prepare_photo_refuses_bad_input():
    with pytest.raises(ValueError):
        prepare_photo(np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError):
        prepare_photo(np.zeros((4, 4, 3), np.uint8), np.zeros((5, 4), bool))


def test_the_extend_job_keeps_alpha_and_moves_the_mask():
    pixels = np.dstack([gradient_photo(20, 30), np.full((20, 30), 90, np.uint8)])
    mask = np.zeros((20, 30), bool)
    mask[5:8, 6:9] = True
    job = DocumentExtendJob(pixels, mask, Borders(2, 3, 4, 5), "telea", "cpu", has_alpha=True)
    state = job.run(Progress()).state
    assert state.size == (25, 39)
    assert np.array_equal(state.pixels[2:22, 4:34], pixels)
    assert (state.pixels[:2, :, 3] == 255).all() and (state.pixels[:, 34:, 3] == 255).all()
    assert state.mask[7:10, 10:13].all() and state.mask.sum() == 9
    assert state.mask_bounds == (7, 10, 10, 13)


def test_a_filter_changes_only_the_pixels_under_its_mask():
    before = np.zeros((3, 4, 3), np.uint8)
    new = np.full((3, 4, 3), 200, np.uint8)
    mask = np.zeros((3, 4), np.uint8)
    mask[1, 1:3] = 7  # any coverage selects: a filter's mask is a selection, not a blend
    after = under_mask(before, new, mask)
    assert (after[1, 1:3] == 200).all() and after.sum() == 2 * 3 * 200
    assert np.array_equal(under_mask(before, new, None), new)
    assert not before.any()  # the input is left as it was
