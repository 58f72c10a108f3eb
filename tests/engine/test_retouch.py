"""Clone stamp and healing brush pixel math (restorer.retouch): exact copies, soft edges,
tone matching, undo records, 16-bit photos, and only the dab's rectangle touched."""

from __future__ import annotations

import numpy as np

from restorer.retouch import RetouchStroke, membrane_fill


def textured(height: int, width: int, dtype=np.uint8, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    top = np.iinfo(dtype).max
    return rng.integers(0, top + 1, (height, width, 3), dtype=np.int64).astype(dtype)


def test_hard_clone_copies_source_pixels_exactly_and_only_under_the_brush():
    image = textured(120, 160)
    original = image.copy()
    stroke = RetouchStroke(120, 160, offset=(60, 10), size=21, hardness=1.0)
    stroke.line_to(image, (90.5, 50.5))
    stroke.line_to(image, (110.5, 70.5))
    edit = stroke.finish(image)
    changed = (image != original).any(axis=2)
    ys, xs = np.nonzero(changed)
    # Every changed pixel holds the source pixel 60 left and 10 up, unchanged.
    assert np.array_equal(image[ys, xs], original[ys - 10, xs - 60])
    # The dab's centre is covered; far away nothing changed.
    assert changed[50, 90] and changed[70, 110]
    assert not changed[:30].any() and not changed[:, :75].any()
    # The undo record holds only the changed rectangle and restores it exactly.
    assert edit is not None
    assert edit.box.top >= 35 and edit.box.bottom <= 86 and edit.box.left >= 75
    edit.undo(image)
    assert np.array_equal(image, original)
    edit.redo(image)
    assert changed.sum() == (image != original).any(axis=2).sum()


def test_source_is_read_as_it_was_when_the_stroke_began():
    # A source that overlaps the stroke copies the photo as it was, not the new strokes.
    image = np.zeros((40, 200, 3), np.uint8)
    image[:, :10] = 200
    original = image.copy()
    stroke = RetouchStroke(40, 200, offset=(5, 0), size=9, hardness=1.0)
    for x in range(10, 190, 2):
        stroke.line_to(image, (x + 0.5, 20.5))
    stroke.finish(image)
    row = image[20]
    assert np.array_equal(row[10:15], original[20, 5:10])  # the bright edge, once
    assert (row[30:180] == 0).all()  # not dragged along the stroke


def test_soft_clone_blends_towards_the_edge_and_never_builds_up():
    image = np.full((80, 80, 3), 0, np.uint8)
    image[:, :40] = 200
    stroke = RetouchStroke(80, 80, offset=(-30, 0), size=31, hardness=0.0)
    for _ in range(5):  # the same spot again and again in one stroke
        stroke.line_to(image, (20.5, 40.5))
    centre, edge = image[40, 20, 0], image[40, 33, 0]
    assert centre == 0  # full coverage at the centre: the source (black)
    assert 0 < edge < 200  # part way at the soft edge, not driven to black by repeats
    assert image[40, 2, 0] == 200  # outside the brush


def test_dabs_whose_source_lies_outside_the_photo_write_nothing():
    image = textured(50, 50)
    original = image.copy()
    stroke = RetouchStroke(50, 50, offset=(45, 0), size=9)
    assert stroke.line_to(image, (20.5, 25.5)) is None
    assert stroke.finish(image) is None
    assert np.array_equal(image, original)


def test_segment_writes_only_its_rectangle():
    image = textured(300, 300)
    original = image.copy()
    stroke = RetouchStroke(300, 300, offset=(100, 0), size=20)
    box = stroke.line_to(image, (200.0, 150.0))
    assert box is not None and box.area <= 24 * 24
    assert box.top <= 140 and box.bottom >= 160 and box.left <= 190 and box.right >= 210
    outside = np.ones((300, 300), bool)
    outside[box.slices] = False
    assert np.array_equal(image[outside], original[outside])
    assert (image[box.slices] != original[box.slices]).any()


def test_healing_matches_destination_tone_and_keeps_source_texture():
    height, width = 120, 200
    rng = np.random.default_rng(1)
    texture = rng.normal(0, 12, (height, width, 1)).repeat(3, axis=2)
    image = np.empty((height, width, 3), np.float64)
    image[:, :100] = 60  # dark source side
    image[:, 100:] = 180  # bright destination side
    image = np.clip(image + texture, 0, 255).astype(np.uint8)
    source_part = image[40:80, 20:60].astype(float)
    stroke = RetouchStroke(height, width, offset=(110, 0), size=31, hardness=1.0, heal=True)
    for y in range(45, 76, 3):
        stroke.line_to(image, (150.5, y + 0.5))
    edit = stroke.finish(image)
    assert edit is not None
    healed = image[50:70, 145:156].astype(float)
    # Tone of the destination (a plain clone would give about 60).
    assert abs(healed.mean() - 180) < 8
    # Texture of the source: the healed pixels follow the source's grain.
    source_grain = source_part[10:30, 15:26] - source_part[10:30, 15:26].mean()
    grain = healed - healed.mean()
    assert np.corrcoef(source_grain.ravel(), grain.ravel())[0, 1] > 0.8


def test_healing_over_a_dark_speck_takes_the_tone_around_it():
    image = np.full((100, 100, 3), 150, np.uint8)
    image[45:55, 70:80] = 10  # a speck in the destination
    stroke = RetouchStroke(100, 100, offset=(50, 0), size=19, hardness=1.0, heal=True)
    stroke.line_to(image, (75.5, 50.5))
    stroke.finish(image)
    assert abs(float(image[45:55, 70:80].mean()) - 150) < 3


def test_sixteen_bit_photos_stay_sixteen_bit_and_exact():
    image = textured(60, 60, np.uint16, seed=3)
    original = image.copy()
    stroke = RetouchStroke(60, 60, offset=(20, 0), size=11, hardness=1.0)
    stroke.line_to(image, (40.5, 30.5))
    edit = stroke.finish(image)
    assert image.dtype == np.uint16
    assert np.array_equal(image[30, 38:43], original[30, 18:23])
    assert image.max() > 255  # full depth kept, not squeezed to 8 bits
    edit.undo(image)
    assert np.array_equal(image, original)


def test_healing_sixteen_bit_matches_tone_at_full_depth():
    image = np.full((80, 120, 3), 10000, np.uint16)
    image[:, 60:] = 50000
    stroke = RetouchStroke(80, 120, offset=(60, 0), size=15, heal=True)
    stroke.line_to(image, (90.5, 40.5))
    stroke.finish(image)
    assert image.dtype == np.uint16
    assert abs(float(image[36:45, 86:95].mean()) - 50000) < 300


def test_membrane_fill_keeps_known_values_and_interpolates_between_them():
    values = np.zeros((40, 40), np.float32)
    known = np.zeros((40, 40), bool)
    values[:, 0], known[:, 0] = 0, True
    values[:, -1], known[:, -1] = 100, True
    filled = membrane_fill(values, known)
    assert np.array_equal(filled[:, 0], values[:, 0]) and (filled[:, -1] == 100).all()
    middle = filled[20]
    assert (np.diff(middle) >= -1e-3).all()  # rises from one side to the other
    assert 25 < middle[20] < 75


def test_heal_blend_job_gives_the_same_pixels_and_undo_record_as_finishing_at_once():
    from restorer.progress import Progress
    from restorer.workflows.retouch import HealBlendJob

    image = textured(90, 140, seed=5)
    image[:, 70:] //= 3
    twin = image.copy()
    strokes = [RetouchStroke(90, 140, (60, 0), 15, 0.7, heal=True) for _ in range(2)]
    for stroke, target in zip(strokes, (image, twin), strict=True):
        for y in range(30, 61, 4):
            stroke.line_to(target, (100.5, y + 0.5))
    edit = strokes[0].finish(image)
    box, before, source, coverage = strokes[1].heal_inputs(twin)
    result = HealBlendJob(box, before, source, coverage).run(Progress())
    twin[box.slices] = result.pixels
    assert np.array_equal(twin, image)
    undone = twin.copy()
    result.edit.undo(undone)
    edit.undo(image)
    assert np.array_equal(undone, image)


def test_blemish_around_a_click_covers_a_speck_larger_than_the_brush():
    from restorer.retouch import blemish_around

    rng = np.random.default_rng(7)
    image = (120 + rng.normal(0, 3, (80, 80, 1))).repeat(3, axis=2).astype(np.uint8)
    image[36:45, 36:45] = 20  # a 9x9 speck; the brush is 5 wide
    found = blemish_around(image, (40.5, 40.5), 2.5)
    assert found is not None
    box, blemish = found
    covered = np.zeros((80, 80), bool)
    covered[box.slices] = blemish
    assert covered[36:45, 36:45].all()  # all of the speck
    assert covered.sum() < 13 * 13 + 20  # and little more (two pixels around it)
    # On plain grain nothing stands out: the brush alone is used.
    assert blemish_around(image, (15.5, 15.5), 2.5) is None


def test_blemish_around_keeps_sixteen_bit_and_stays_near_the_click():
    from restorer.retouch import blemish_around

    image = np.full((60, 60, 3), 30000, np.uint16)
    image[:, 50:] = 60000  # an edge far from the click is not part of the blemish
    image[28:32, 20:24] = 1000
    box, blemish = blemish_around(image, (21.5, 29.5), 3.0)
    covered = np.zeros((60, 60), bool)
    covered[box.slices] = blemish
    assert covered[28:32, 20:24].all() and not covered[:, 45:].any()
