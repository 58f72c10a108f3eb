"""Rotate, flip, crop, resize and straighten: the photo and its mask change alike."""

from __future__ import annotations

import numpy as np
import pytest

from restorer.geometry import Box
from restorer.progress import Progress
from restorer.transform import (
    Crop,
    Flip,
    Resize,
    Rotate90,
    Straighten,
    TransformError,
    horizon_angle,
    inner_rectangle,
    ratio_box,
    transform_photo,
)
from restorer.workflows.transform import DocumentTransformJob


def _photo(height: int = 40, width: int = 60) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
    mask = np.zeros((height, width), np.uint8)
    mask[5:9, 10:20] = 255
    mask[9, 10:20] = 128  # a soft edge
    return pixels, mask


def test_quarter_turns_and_flips_move_every_pixel_and_the_mask_alike():
    pixels, mask = _photo()
    right, right_mask = transform_photo(pixels, mask, Rotate90(clockwise=True))
    assert right.shape == (60, 40, 4) and right_mask.shape == (60, 40)
    # The top-left pixel goes to the top-right corner on a clockwise turn.
    assert np.array_equal(right[0, -1], pixels[0, 0])
    assert np.array_equal(right_mask[10, 40 - 1 - 5], mask[5, 10])
    left, _ = transform_photo(right, right_mask, Rotate90(clockwise=False))
    assert np.array_equal(left, pixels)
    flipped, flipped_mask = transform_photo(pixels, mask, Flip(horizontal=True))
    assert np.array_equal(flipped[:, ::-1], pixels) and np.array_equal(flipped_mask[:, ::-1], mask)
    upside, _ = transform_photo(pixels, mask, Flip(horizontal=False))
    assert np.array_equal(upside[::-1], pixels)
    assert flipped.flags.c_contiguous and right.flags.c_contiguous


def test_crop_keeps_the_box_and_refuses_one_outside_the_photo():
    pixels, mask = _photo()
    box = Box(4, 8, 30, 50)
    cropped, cropped_mask = transform_photo(pixels, mask, Crop(box))
    assert np.array_equal(cropped, pixels[4:30, 8:50])
    assert np.array_equal(cropped_mask, mask[4:30, 8:50]) and 128 in cropped_mask
    with pytest.raises(TransformError, match="does not lie inside"):
        Crop(Box(0, 0, 41, 10)).apply(pixels)
    with pytest.raises(TransformError):
        Crop(Box(5, 5, 5, 10)).apply(pixels)


def test_ratio_box_is_the_largest_centred_box_of_that_ratio():
    assert ratio_box(40, 60, None) == Box(0, 0, 40, 60)
    square = ratio_box(40, 60, 1.0)
    assert square == Box(0, 10, 40, 50)
    wide = ratio_box(40, 60, 16 / 9)
    assert wide.width == 60 and wide.height == 34 and wide.top == 3
    inside = ratio_box(40, 60, 1.0, Box(10, 10, 20, 40))
    assert inside == Box(10, 20, 20, 30)


def test_resize_uses_lanczos_and_keeps_a_soft_mask():
    pixels, mask = _photo()
    bigger, bigger_mask = transform_photo(pixels, mask, Resize(120, 80))
    assert bigger.shape == (80, 120, 4) and bigger_mask.shape == (80, 120)
    import cv2

    expected = cv2.resize(pixels, (120, 80), interpolation=cv2.INTER_LANCZOS4)
    assert np.array_equal(bigger, expected)
    # The mask's soft row stays soft: values between 0 and 255 exist after scaling.
    assert ((bigger_mask > 0) & (bigger_mask < 255)).any()
    assert bigger_mask[12:16, 22:38].min() == 255
    smaller, _ = transform_photo(pixels, mask, Resize(30, 20))
    assert smaller.shape == (20, 30, 4)
    with pytest.raises(TransformError):
        Resize(0, 10).apply(pixels)


def test_inner_rectangle_fits_inside_the_turned_photo():
    assert inner_rectangle(100, 200, 0) == (100, 200)
    for degrees in (1.0, 5.0, -12.0, 30.0):
        height, width = inner_rectangle(400, 600, degrees)
        angle = np.radians(abs(degrees))
        # Each corner of the inner rectangle, turned back, lies inside the photo.
        for sx in (-1, 1):
            for sy in (-1, 1):
                x, y = sx * width / 2, sy * height / 2
                back_x = x * np.cos(angle) - y * np.sin(angle)
                back_y = x * np.sin(angle) + y * np.cos(angle)
                assert abs(back_x) <= 300 + 1e-6 and abs(back_y) <= 200 + 1e-6
        # ...and it is large: a small turn loses little.
        if abs(degrees) <= 5:
            assert width * height > 0.8 * 600 * 400


def test_straighten_levels_a_tilted_horizon_and_leaves_no_empty_corners():
    import cv2

    height, width = 200, 300
    image = np.zeros((height, width, 3), np.uint8)
    image[:] = (40, 80, 160)  # sky
    # A horizon falling to the right by 6 degrees; ground below it.
    slope = np.tan(np.radians(6))
    rows = np.arange(height)[:, None]
    cols = np.arange(width)[None, :]
    ground = rows > 100 + (cols - width / 2) * slope
    image[ground] = (60, 140, 40)
    mask = np.zeros((height, width), np.uint8)
    mask[ground & (rows < 150)] = 255
    angle = horizon_angle(0, 100 - width / 2 * slope, width - 1, 100 + (width / 2 - 1) * slope)
    assert angle == pytest.approx(6, abs=0.05)
    level, level_mask = transform_photo(image, mask, Straighten(angle))
    assert level.shape[:2] == inner_rectangle(height, width, angle)
    # The horizon is level now: the row where ground starts is the same on the left and right.
    is_ground = level[..., 1] > 110
    first_left = np.argmax(is_ground[:, 5])
    first_right = np.argmax(is_ground[:, -6])
    assert abs(int(first_left) - int(first_right)) <= 1
    # No black (empty) corners.
    assert level.reshape(-1, 3).max(axis=1).min() >= 40
    # The mask turned with the photo: its top edge is level too, just under the horizon.
    mask_left = np.argmax(level_mask[:, 5] > 127)
    mask_right = np.argmax(level_mask[:, -6] > 127)
    assert abs(int(mask_left) - int(mask_right)) <= 1
    assert abs(int(mask_left) - int(first_left)) <= 1
    assert cv2.countNonZero(level_mask) > 0
    with pytest.raises(TransformError, match="at most 45"):
        Straighten(60).apply(image)


def test_horizon_angle_picks_level_or_plumb():
    assert horizon_angle(0, 0, 100, 0) == 0
    assert horizon_angle(100, 10, 0, 0) == pytest.approx(np.degrees(np.arctan2(-10, -100)) + 180)
    assert horizon_angle(0, 0, 5, 100) == pytest.approx(-np.degrees(np.arctan(5 / 100)), abs=1e-6)


def test_the_job_prepares_the_new_photo_with_its_mask():
    pixels, mask = _photo()
    job = DocumentTransformJob(pixels, mask, Rotate90(clockwise=False))
    outcome = job.run(Progress())
    state = outcome.state
    assert state.size == (60, 40)
    assert np.array_equal(state.pixels, np.rot90(pixels))
    assert np.array_equal(state.mask, np.rot90(mask))
    assert state.mask_bounds is not None and outcome.detail == "40 × 60 px"
