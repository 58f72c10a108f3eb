"""The Qt-free painting maths: brush capsules, stroke undo records, pixel edits, pyramids."""

from __future__ import annotations

import numpy as np
import pytest

from restorer.brush import Stroke, capsule_spans, paint_capsule, snap_centre
from restorer.edits import MaskEdit, PixelEdit
from restorer.geometry import Box, bounding_box
from restorer.pyramid import Pyramid, half_size


def brute_force_capsule(shape, p0, p1, radius):
    """Pixels whose centre lies within `radius` of the segment, by direct distance."""
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    px, py = cols + 0.5, rows + 0.5
    (x0, y0), (x1, y1) = p0, p1
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    if length2 == 0:
        u = np.zeros_like(px, dtype=float)
    else:
        u = np.clip(((px - x0) * dx + (py - y0) * dy) / length2, 0, 1)
    distance2 = (px - x0 - u * dx) ** 2 + (py - y0 - u * dy) ** 2
    return distance2 <= radius * radius


@pytest.mark.parametrize("seed", range(40))
def test_capsule_matches_the_distance_definition(seed):
    rng = np.random.default_rng(seed)
    shape = (60, 80)
    p0 = tuple(rng.uniform(-10, 90, 2))
    # Include degenerate (dot), horizontal and vertical segments.
    kind = seed % 4
    if kind == 0:
        p1 = p0
    elif kind == 1:
        p1 = (p0[0] + rng.uniform(-30, 30), p0[1])
    elif kind == 2:
        p1 = (p0[0], p0[1] + rng.uniform(-30, 30))
    else:
        p1 = tuple(rng.uniform(-10, 90, 2))
    radius = float(rng.uniform(0.6, 25))
    mask = np.zeros(shape, np.uint8)
    box = paint_capsule(mask, p0, p1, radius, 1)
    expected = brute_force_capsule(shape, p0, p1, radius)
    assert np.array_equal(mask.astype(bool), expected)
    assert box == bounding_box(expected)


def test_capsule_spans_report_empty_rows():
    first, last = capsule_spans((5.0, 5.0), (5.0, 5.0), 2.0, np.arange(0, 12))
    inside = first <= last
    assert list(np.flatnonzero(inside)) == [3, 4, 5, 6]
    assert (first[inside] >= 2).all() and (last[inside] <= 7).all()


def test_paint_outside_the_mask_touches_nothing():
    mask = np.zeros((20, 20), np.uint8)
    assert paint_capsule(mask, (-50.0, -50.0), (-40.0, -45.0), 5.0, 1) is None
    assert not mask.any()


def test_one_pixel_brush_paints_the_pixel_under_the_pointer():
    for point in [(3.0, 4.0), (3.99, 4.01), (3.5, 4.5)]:
        mask = np.zeros((10, 10), np.uint8)
        stroke = Stroke(mask, size=1)
        stroke.line_to(point)
        assert list(zip(*np.nonzero(mask), strict=True)) == [(4, 3)], point
    assert snap_centre((3.2, 4.9), 2) == (3.0, 5.0)


def test_two_pixel_brush_paints_a_square_block():
    mask = np.zeros((10, 10), np.uint8)
    Stroke(mask, size=2).line_to((4.2, 4.3))
    assert bounding_box(mask) == Box(3, 3, 5, 5) and np.count_nonzero(mask) == 4


def test_stroke_records_only_the_changed_rectangle_and_undoes_exactly():
    rng = np.random.default_rng(1)
    mask = (rng.random((300, 400)) > 0.7).astype(np.uint8) * 255
    original = mask.copy()
    stroke = Stroke(mask, size=30)
    for x in range(50, 260, 7):  # crosses several 128-pixel backup tiles
        stroke.line_to((float(x), 140.0 + 30 * np.sin(x / 20.0)))
    after = mask.copy()
    edit = stroke.finish()
    assert edit is not None
    changed = bounding_box(original != after)
    assert edit.box == changed
    assert edit.nbytes <= changed.area // 2  # compressed
    edit.undo(mask)
    assert np.array_equal(mask, original)
    edit.redo(mask)
    assert np.array_equal(mask, after)


def test_eraser_stroke_and_a_stroke_that_changes_nothing():
    mask = np.zeros((50, 50), np.uint8)
    mask[10:40, 10:40] = 255
    before = mask.copy()
    eraser = Stroke(mask, size=6, value=0)
    eraser.line_to((12.0, 25.0))
    eraser.line_to((38.0, 25.0))
    edit = eraser.finish()
    assert edit is not None and mask[25, 25] == 0 and mask[12, 12] == 255
    edit.undo(mask)
    assert np.array_equal(mask, before)
    again = Stroke(mask, size=4)  # painting over already-masked pixels
    again.line_to((20.0, 20.0))
    assert again.finish() is None


def test_mask_edit_from_arrays_shrinks_to_the_difference():
    before = np.zeros((10, 12), np.uint8)
    after = before.copy()
    after[3:5, 6:9] = 1
    edit = MaskEdit.from_arrays(Box(100, 200, 110, 212), before, after)
    assert edit.box == Box(103, 206, 105, 209)
    assert MaskEdit.from_arrays(Box(0, 0, 10, 12), before, before) is None


def test_pixel_edit_keeps_only_changed_pixels_and_round_trips():
    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, (80, 90, 4), dtype=np.uint8)
    original = image.copy()
    box = Box(10, 20, 60, 70)
    new = image[box.slices][..., :3].copy()
    new[5:8, 5:9] = 0  # two small spots
    new[40, 45] = (1, 2, 3)
    edit = PixelEdit.from_arrays(box, image[box.slices][..., :3], new)
    assert edit is not None
    assert edit.box == Box(15, 25, 51, 66)
    assert edit.before.shape == (3 * 4 + 1, 3)
    rgb = image[..., :3]  # a channel view: edits write through to the RGBA storage
    edit.redo(rgb)
    assert np.array_equal(image[box.slices][..., :3], new)
    assert np.array_equal(image[..., 3], original[..., 3])
    edit.undo(rgb)
    assert np.array_equal(image, original)
    assert PixelEdit.from_arrays(box, new, new) is None


def test_half_size_averages_blocks_and_repeats_odd_edges():
    region = np.array([[0, 4, 8], [4, 8, 8], [100, 100, 20]], np.uint8)
    small = half_size(region)
    assert small.shape == (2, 2)
    assert small[0, 0] == 4 and small[0, 1] == 8 and small[1, 1] == 20 and small[1, 0] == 100
    assert half_size(np.ones((4, 4), np.uint8), gain=255).tolist() == [[255, 255], [255, 255]]


def test_pyramid_update_matches_a_full_rebuild():
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (301, 517, 4), dtype=np.uint8)
    pyramid = Pyramid(image, min_side=40)
    assert [level.shape[:2] for level in pyramid.levels] == [
        (301, 517),
        (151, 259),
        (76, 130),
        (38, 65),
        (19, 33),
    ]
    image[100:177, 333:517] = rng.integers(0, 256, (77, 184, 4), dtype=np.uint8)
    pyramid.update(Box(100, 333, 177, 517))
    fresh = Pyramid(image.copy(), min_side=40)
    for mine, theirs in zip(pyramid.levels, fresh.levels, strict=True):
        assert np.array_equal(mine, theirs)


def test_mask_pyramid_shows_coverage_and_picks_levels_by_zoom():
    mask = np.zeros((64, 64), np.uint8)
    pyramid = Pyramid(mask, gain=255, min_side=8)
    mask[10, 10:20] = 1  # a one-pixel line
    pyramid.update(Box(10, 10, 11, 20))
    assert pyramid.levels[1][5, 5:10].tolist() == [128] * 5
    assert pyramid.levels[2][2, 3] > 0
    assert pyramid.level_for_scale(1.0) == 0
    assert pyramid.level_for_scale(0.6) == 0
    assert pyramid.level_for_scale(0.5) == 1
    assert pyramid.level_for_scale(0.2) == 2
    assert pyramid.level_for_scale(0.001) == len(pyramid.levels) - 1
