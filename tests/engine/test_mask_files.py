"""Mask files keep soft edges: the 8-bit coverage goes out and comes back unchanged."""

from __future__ import annotations

import numpy as np
from PIL import Image

from restorer.imageio import load_mask, save_mask


def _soft_mask() -> np.ndarray:
    yy, xx = np.mgrid[0:40, 0:60]
    distance = np.hypot(yy - 20, xx - 30)
    return np.clip((14 - distance) * 40, 0, 255).astype(np.uint8)  # a soft round dab


def test_a_soft_mask_round_trips_exactly(tmp_path):
    mask = _soft_mask()
    assert ((mask > 0) & (mask < 255)).sum() > 20
    path = save_mask(tmp_path / "soft.png", mask)
    with Image.open(path) as image:
        assert image.mode == "L"
    assert np.array_equal(load_mask(path, (40, 60), coverage=True), mask)
    # As a plain selection (the command line), any coverage above half counts.
    assert np.array_equal(load_mask(path), mask > 127)


def test_bool_and_zero_one_masks_become_full_coverage(tmp_path):
    hard = np.zeros((10, 12), bool)
    hard[2:5, 3:9] = True
    path = save_mask(tmp_path / "hard.png", hard)
    assert np.array_equal(load_mask(path, coverage=True), hard.astype(np.uint8) * 255)
    ones = save_mask(tmp_path / "ones.png", hard.astype(np.uint8))  # 0/1 values
    assert np.array_equal(load_mask(ones, coverage=True), hard.astype(np.uint8) * 255)
    Image.fromarray(hard.astype(np.uint8)).save(tmp_path / "raw01.png")
    assert np.array_equal(load_mask(tmp_path / "raw01.png", coverage=True), hard * np.uint8(255))


def test_colour_and_alpha_only_mask_files_read_as_coverage(tmp_path):
    mask = _soft_mask()
    rgb = np.dstack([mask, mask // 2, np.zeros_like(mask)])
    Image.fromarray(rgb).save(tmp_path / "red.png")
    assert np.array_equal(load_mask(tmp_path / "red.png", coverage=True), mask)
    rgba = np.zeros((40, 60, 4), np.uint8)
    rgba[..., 3] = mask
    Image.fromarray(rgba).save(tmp_path / "alpha.png")
    assert np.array_equal(load_mask(tmp_path / "alpha.png", coverage=True), mask)
