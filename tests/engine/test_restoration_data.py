"""Restoration studio data: degradations and masks are deterministic for a seed, each
kind does what it says, and a folder of photos becomes seeded training pairs with a
held-out validation split."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from restorer.train.data import TrainingDataError, load_photos
from restorer.train.degrade import (
    MASK_KINDS,
    ORDER,
    DegradationError,
    degrade,
    inpaint_mask,
    parse_degradations,
    parse_mask_kinds,
)


def _photo(seed: int = 0, size: tuple[int, int] = (64, 80)) -> np.ndarray:
    """A smooth gradient with a few shapes: something every degradation visibly changes."""
    rng = np.random.default_rng(seed)
    height, width = size
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.stack(
        [x / width * 200 + 30, y / height * 150 + 50, np.full_like(x, rng.uniform(60, 190))], -1
    )
    for _ in range(3):
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        cv2.circle(image, centre, int(rng.integers(4, 12)), rng.uniform(0, 255, 3).tolist(), -1)
    return np.clip(image, 0, 255).astype(np.uint8)


def _folder(path, count: int = 6):
    path.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        Image.fromarray(_photo(index, (48 + 4 * index, 56))).save(path / f"photo-{index}.png")
    (path / "broken.jpg").write_bytes(b"not a picture")
    return path


def test_every_degradation_is_deterministic_for_a_seed_and_changes_the_photo():
    image = _photo()
    for name in ORDER:
        chosen = parse_degradations(name)
        first, mask_a = degrade(image, chosen, np.random.default_rng(7))
        again, mask_b = degrade(image, chosen, np.random.default_rng(7))
        other, _ = degrade(image, chosen, np.random.default_rng(8))
        assert first.dtype == np.uint8 and first.shape == image.shape, name
        assert np.array_equal(first, again) and np.array_equal(mask_a, mask_b), name
        assert not np.array_equal(first, image), name
        if name not in ("jpeg", "blur"):  # these two have no randomness at a fixed strength
            assert not np.array_equal(first, other), name


def test_noise_strength_follows_the_chosen_sigma():
    flat = np.full((128, 128, 3), 128, np.uint8)
    noisy, _ = degrade(flat, parse_degradations("noise:25"), np.random.default_rng(0))
    assert abs(float(noisy.astype(np.float32).std()) - 25) < 1.0
    squeezed, _ = degrade(flat, parse_degradations("jpeg:10"), np.random.default_rng(0))
    assert np.abs(squeezed.astype(int) - 128).max() <= 2  # a flat picture survives JPEG


def test_damage_kinds_return_the_mask_of_what_they_damaged():
    image = _photo()
    for name in ("scratches", "dust", "cracks"):
        damaged, mask = degrade(image, parse_degradations(name), np.random.default_rng(3))
        assert mask.dtype == bool and mask.any(), name
        changed = np.abs(damaged.astype(int) - image.astype(int)).max(-1) > 12
        assert changed[mask].mean() > 0.5, name  # inside the mask most pixels changed
        near = cv2.dilate(mask.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        assert not changed[~near].any(), name  # away from it nothing did


def test_masks_of_each_kind_look_like_what_people_brush():
    shape = (96, 96)
    widths, areas = {}, {}
    for kind in MASK_KINDS:
        masks = [inpaint_mask(kind, shape, np.random.default_rng(seed)) for seed in range(8)]
        again = inpaint_mask(kind, shape, np.random.default_rng(0))
        assert np.array_equal(masks[0], again), kind
        assert all(mask.dtype == bool and mask.any() for mask in masks), kind
        # half-width: the 90th percentile of the distance to the mask's edge
        widths[kind] = float(
            np.mean(
                [
                    np.percentile(cv2.distanceTransform(m.astype(np.uint8), cv2.DIST_L2, 3)[m], 90)
                    for m in masks
                ]
            )
        )
        areas[kind] = float(np.mean([m.mean() for m in masks]))
    assert widths["scratch"] <= 3.0  # thin lines, at most 4 px wide
    assert widths["stroke"] > 2 * widths["scratch"] and widths["blob"] > widths["stroke"]
    blob = inpaint_mask("blob", shape, np.random.default_rng(1)).astype(np.uint8)
    assert cv2.connectedComponents(blob)[0] == 2  # one object (plus the background)
    assert 0.05 < areas["blob"] < 0.3


def test_bad_names_and_strengths_are_refused_clearly():
    with pytest.raises(DegradationError, match="Unknown degradation 'fog'"):
        parse_degradations("noise,fog")
    with pytest.raises(DegradationError, match="between 5 and 100"):
        parse_degradations("jpeg:1-50")
    with pytest.raises(DegradationError, match="LOW-HIGH"):
        parse_degradations("noise:30-10")
    with pytest.raises(DegradationError, match="scratch, stroke, blob"):
        parse_mask_kinds("scratch,lasso")
    assert [str(d) for d in parse_degradations("jpeg:40, noise:25")] == ["noise:25", "jpeg:40"]


def test_photo_folder_splits_and_batches_deterministically(tmp_path):
    folder = _folder(tmp_path / "photos")
    data = load_photos(folder, 32, minimum=4, validation=0.34, seed=1)
    assert len(data.train) == 4 and len(data.validation) == 2
    assert data.skipped and data.skipped[0].startswith("broken.jpg")
    assert not set(data.train_names) & set(data.validation_names)
    again = load_photos(folder, 32, minimum=4, validation=0.34, seed=1)
    assert again.validation_names == data.validation_names

    task = __import__("restorer.train.data", fromlist=["Task"]).Task(
        "filter", degradations=parse_degradations("noise:20,dust")
    )
    a = data.batch(3, 32, task, torch.Generator().manual_seed(5))
    b = data.batch(3, 32, task, torch.Generator().manual_seed(5))
    assert a.degraded.shape == (3, 3, 32, 32) and a.mask is None
    assert torch.equal(a.degraded, b.degraded) and torch.equal(a.clean, b.clean)
    assert not torch.equal(a.degraded, a.clean)
    val_a, val_b = data.validation_pairs(40, task), data.validation_pairs(40, task)
    assert val_a.degraded.shape == (2, 3, 40, 40)
    assert torch.equal(val_a.degraded, val_b.degraded)

    inpaint = __import__("restorer.train.data", fromlist=["Task"]).Task(
        "inpaint", mask_kinds=("stroke",)
    )
    holes = data.batch(2, 32, inpaint, torch.Generator().manual_seed(5))
    assert holes.mask.shape == (2, 1, 32, 32) and holes.mask.sum() > 0
    assert torch.equal(holes.degraded, holes.clean)  # the model blanks the hole itself


def test_too_few_photos_are_refused(tmp_path):
    folder = _folder(tmp_path / "few", count=3)
    with pytest.raises(TrainingDataError, match="at least 50"):
        load_photos(folder, 32)
    with pytest.raises(TrainingDataError, match="could be used"):
        load_photos(folder, 200, minimum=2)  # every photo is smaller than a crop
