"""Growing the repair area: a ring everywhere, further through smooth areas, stopped by
an object's outline, so a mask that falls short of an object leaves no sliver."""

from __future__ import annotations

import numpy as np

from restorer.geometry import Box
from restorer.grow_area import grow_repair_area
from restorer.progress import Progress
from restorer.workflows.jobs import RepairJob


def _object_photo() -> tuple[np.ndarray, np.ndarray]:
    """A dark square object (rows 20..60, cols 20..40) on a flat light background, and a
    mask over it that stops 10 pixels short of its right side."""
    rgb = np.full((80, 80, 3), 200, np.uint8)
    rgb[20:60, 20:40] = 40
    mask = np.zeros((80, 80), np.uint8)
    mask[20:60, 20:30] = 255
    return rgb, mask


def test_the_sliver_is_taken_in_and_the_outline_stops_the_growth():
    rgb, mask = _object_photo()
    grown = grow_repair_area(rgb, mask, 6)
    assert (grown[24:56, 30:40] == 255).all()  # the 10-pixel sliver, wider than 6
    columns = np.flatnonzero(grown[40] > 0)
    assert columns.max() <= 41  # stopped at the object's outline, not 30 + 12
    rows = np.flatnonzero(grown[:, 25] > 0)
    assert rows.min() <= 20 - 10  # over the flat background it grows the full way
    assert rows.min() >= 20 - 12
    assert np.array_equal(mask, _object_photo()[1])  # the input is left alone


def test_zero_grow_and_empty_masks_change_nothing():
    rgb, mask = _object_photo()
    assert np.array_equal(grow_repair_area(rgb, mask, 0), mask)
    empty = np.zeros_like(mask)
    assert not grow_repair_area(rgb, empty, 5).any()
    soft = mask.copy()
    soft[20:60, 29] = 128
    assert (grow_repair_area(rgb, soft > 0, 2)[20:60, 20:32] == 255).all()


def test_a_repair_with_grow_repairs_past_the_mask_and_clears_only_the_painted_mask():
    rgb, mask = _object_photo()
    pixels = np.dstack([rgb, np.full((80, 80), 255, np.uint8)])
    plain = RepairJob(pixels, mask, "telea", "cpu").run(Progress())
    grown = RepairJob(pixels, mask, "telea", "cpu", grow=6).run(Progress())
    box = Box(*grown.patch.box)
    assert box.right > Box(*plain.patch.box).right
    # The sliver is repaired with grow (filled from the light background around it);
    # without grow it is left as it was.
    with_grow, without = rgb.copy(), rgb.copy()
    grown.edit.redo(with_grow)
    plain.edit.redo(without)
    assert with_grow[40, 35].mean() > 100 and without[40, 35].mean() == 40
    assert grown.coverage.shape == (box.height, box.width)
    # The undo record of the mask holds the painted mask only.
    painted = np.zeros_like(mask)
    grown.mask_edit.undo(painted)
    assert np.array_equal(painted > 0, mask > 0)
