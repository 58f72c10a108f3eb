"""The region strategy: crops around holes, engine size needs, seamless joins."""

from __future__ import annotations

import numpy as np
import pytest

from restorer.engines.base import Engine, SizeRequirements
from restorer.geometry import Box
from restorer.progress import Cancelled, Progress
from restorer.regions import context_for, inpaint_regions, plan_regions
from tests.helpers import gradient_photo, square_mask


class Recorder(Engine):
    """Fills holes with the mean known colour plus `offset` everywhere; records inputs."""

    id = "recorder"
    label = "Recorder"

    def __init__(self, requirements=None, offset=0, context_scale=1.0):
        self.requirements = requirements or SizeRequirements()
        self.offset = offset
        self.context_scale = context_scale
        self.context_min = 8
        self.shapes: list[tuple[int, int]] = []

    def inpaint(self, image, mask, progress, *, device="cpu", seed=0):
        self.shapes.append(image.shape[:2])
        out = image.astype(np.int16) + self.offset
        out[mask] = image[~mask].mean(axis=0).astype(np.int16) + self.offset
        progress.update(1.0, "recorded")
        return np.clip(out, 0, 255).astype(np.uint8)


def test_far_apart_holes_get_their_own_crops_near_ones_merge():
    mask = np.zeros((600, 800), bool)
    mask[50:60, 50:60] = True
    mask[500:510, 700:710] = True
    engine = Recorder()
    regions = plan_regions(mask, engine)
    assert len(regions) == 2
    context = context_for(100, engine)
    assert regions[0].box == Box(50 - context, 50 - context, 60 + context, 60 + context)
    mask[70:80, 70:80] = True  # close to the first: the crops overlap and merge
    regions = plan_regions(mask, engine)
    assert len(regions) == 2 and regions[0].holes == 2


def test_context_grows_with_the_hole_and_the_engine():
    assert context_for(400, Recorder()) > context_for(100, Recorder())
    assert context_for(100, Recorder(context_scale=2.0)) > context_for(100, Recorder())


def test_only_the_crop_reaches_the_engine_and_outside_is_bit_identical():
    image = gradient_photo(400, 500, seed=4)
    mask = square_mask(400, 500, 100, 120, 12)
    engine = Recorder(offset=40)  # changes every pixel it is given
    result = inpaint_regions(engine, image, mask, Progress())
    assert engine.shapes and max(engine.shapes[0]) < 100
    assert np.array_equal(result[~mask], image[~mask])


def test_large_crops_are_shrunk_for_the_engine_and_scaled_back_into_the_hole():
    image = gradient_photo(300, 300, seed=5)
    mask = square_mask(300, 300, 100, 100, 90)
    engine = Recorder(SizeRequirements(max_working_side=64))
    result = inpaint_regions(engine, image, mask, Progress())
    assert max(engine.shapes[0]) == 64
    assert np.array_equal(result[~mask], image[~mask])
    assert np.abs(result[mask].astype(int) - image[mask]).mean() > 0  # filled


def test_min_side_and_multiple_of_are_honoured_on_a_small_photo():
    image = gradient_photo(20, 30, seed=6)
    mask = square_mask(20, 30, 8, 8, 4)
    engine = Recorder(SizeRequirements(min_side=64, multiple_of=8))
    result = inpaint_regions(engine, image, mask, Progress())
    rows, cols = engine.shapes[0]
    assert rows >= 64 and cols >= 64 and rows % 8 == 0 and cols % 8 == 0
    assert result.shape == image.shape
    assert np.array_equal(result[~mask], image[~mask])


def test_no_seam_where_a_shifted_fill_meets_the_photo():
    # An engine whose output is 40 levels too bright (as a resized model output might
    # be a shade off): the join must not show a step at the hole's border.
    image = np.full((120, 120, 3), 100, np.uint8)
    mask = square_mask(120, 120, 40, 40, 40)
    result = inpaint_regions(Recorder(offset=40), image, mask, Progress()).astype(int)
    inside_edge = result[41, 45:75]  # first rows inside the hole
    outside_edge = result[38, 45:75]
    assert np.abs(inside_edge - outside_edge).max() <= 8
    assert np.array_equal(result[~mask], image[~mask])


def test_a_fill_that_keeps_the_known_pixels_is_joined_without_the_gap_work(monkeypatch):
    from restorer import blend

    image = gradient_photo(64, 80, seed=2)
    mask = square_mask(64, 80, 20, 24, 18)
    filled = image.copy()
    filled[mask] = np.random.default_rng(0).integers(0, 256, (int(mask.sum()), 3))
    quick = blend.match_border(filled, image, mask)
    assert np.array_equal(quick[mask], filled[mask])
    assert np.array_equal(quick[~mask], image[~mask])
    # The same as measuring the (zero) gap and spreading it.
    monkeypatch.setattr(blend, "_agrees_on_ring", lambda *args: False)
    assert np.array_equal(blend.match_border(filled, image, mask), quick)
    # One ring pixel off: the gap is measured and spread again.
    monkeypatch.undo()
    filled[19, 30] = image[19, 30] + 30
    assert not np.array_equal(blend.match_border(filled, image, mask)[mask], filled[mask])


def test_progress_spans_the_regions_and_cancel_stops_between_them():
    image = gradient_photo(300, 300, seed=7)
    mask = np.zeros((300, 300), bool)
    mask[20:30, 20:30] = True
    mask[250:260, 250:260] = True
    seen = []
    inpaint_regions(Recorder(), image, mask, Progress(lambda f, m, p: seen.append(f)))
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 3
    progress = Progress()
    progress.cancel()
    with pytest.raises(Cancelled):
        inpaint_regions(Recorder(), image, mask, progress)


def test_empty_mask_returns_a_copy():
    image = gradient_photo(16, 16)
    result = inpaint_regions(Recorder(), image, np.zeros((16, 16), bool), Progress())
    assert np.array_equal(result, image) and result is not image


def test_a_thin_stroke_gets_a_slim_crop_from_the_patchmatch_engine():
    from restorer.catalog import registry

    engine = registry().get("patchmatch")
    mask = np.zeros((900, 1200), bool)
    mask[440:452, 100:1100] = True  # a 12-px stroke, 1000 px long
    (region,) = plan_regions(mask, engine)
    full = context_for(int(mask.sum()), engine)
    assert region.box.top > 440 - full  # less than the size-based context...
    assert region.box.top <= 440 - 64 and region.box.bottom >= 452 + 64  # ...but the band
    blob = square_mask(900, 1200, 300, 400, 200)
    (wide,) = plan_regions(blob, engine)
    assert wide.box.top == 300 - context_for(int(blob.sum()), engine)  # thick: no cap


def test_a_box_placed_in_its_outer_box_undoes_relative_to():
    outer = Box(10, 20, 110, 220)
    inner = Box(3, 4, 30, 40)
    placed = inner.placed_in(outer)
    assert placed == Box(13, 24, 40, 60)
    assert placed.relative_to(outer) == inner
