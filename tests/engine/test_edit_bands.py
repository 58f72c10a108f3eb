"""Undo records written back band by band (a large undo spread over event-loop turns)."""

from __future__ import annotations

import numpy as np

from restorer.edits import MaskEdit, PixelEdit
from restorer.geometry import Box


def test_pixel_edit_undone_and_redone_in_bands_is_exact():
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, (90, 60, 3), dtype=np.uint8)
    after = image.copy()
    after[rng.random((90, 60)) > 0.7] = rng.integers(0, 256, 3, dtype=np.uint8)
    edit = PixelEdit.from_arrays(Box(0, 0, 90, 60), image, after)
    target = after.copy()
    for write, expected in ((edit.undo_rows, image), (edit.redo_rows, after)):
        offset = 0
        for start in range(edit.box.top, edit.box.bottom, 7):
            end = min(edit.box.bottom, start + 7)
            band, offset = write(target, start, end, offset)
            assert band == Box(start, edit.box.left, end, edit.box.right)
            # rows below the band are untouched so far
            assert np.array_equal(target[end:], (after if expected is image else image)[end:])
        assert offset == len(edit.before)
        assert np.array_equal(target, expected)


def test_mask_edit_undone_in_bands_is_exact():
    rng = np.random.default_rng(6)
    before = rng.integers(0, 256, (200, 40), dtype=np.uint8)
    after = np.where(rng.random((200, 40)) > 0.5, 0, before).astype(np.uint8)
    edit = MaskEdit.from_arrays(Box(10, 5, 210, 45), before, after)
    mask = np.zeros((220, 50), np.uint8)
    mask[10:210, 5:45] = after
    for start in range(0, 220, 32):
        box = edit.undo_rows(mask, start, start + 32)
        assert box.top >= start and box.bottom <= start + 32
    assert np.array_equal(mask[10:210, 5:45], before)
    assert not mask[:10].any() and not mask[210:].any()
