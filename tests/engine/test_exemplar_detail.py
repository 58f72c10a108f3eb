"""Finishing an exemplar fill (low band, detail strength) and the guide channels."""

from __future__ import annotations

import cv2
import numpy as np
import torch

from restorer.exemplar.detail import blend_low_band, diffusion_guess, match_detail
from restorer.exemplar.fill import FillSettings, complete, smooth_fill
from restorer.exemplar.search import _leading_eigenvectors


def noise_texture(height: int, width: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    grain = cv2.GaussianBlur(rng.normal(0, 40, (height, width, 3)).astype(np.float32), (0, 0), 1.0)
    return np.clip(grain * 2 + 128, 0, 255).astype(np.uint8)


def band_energy(image: np.ndarray, where: np.ndarray) -> float:
    image = image.astype(np.float32)
    band = image - cv2.GaussianBlur(image, (0, 0), 1.5)
    return float((band[where] ** 2).mean())


def test_match_detail_restores_the_strength_of_a_softened_texture():
    image = noise_texture(96, 96)
    hole = np.zeros((96, 96), bool)
    hole[30:66, 30:66] = True
    softened = image.astype(np.float32)
    softened[hole] = cv2.GaussianBlur(softened, (0, 0), 1.2)[hole]
    finished = match_detail(softened, hole, max_gain=2.0)
    assert np.array_equal(finished[~hole], softened[~hole])  # only the hole changes
    around = band_energy(image, ~hole)
    before, after = band_energy(softened, hole), band_energy(finished, hole)
    assert before < 0.5 * around
    assert after > 1.8 * before and after < 1.3 * around
    # The gain is capped: at most max_gain in amplitude per band.
    capped = match_detail(softened, hole, max_gain=1.2)
    assert band_energy(capped, hole) < 1.2**2 * before * 1.05


def test_match_detail_never_softens_and_leaves_flat_fills_flat():
    image = noise_texture(96, 96, seed=3).astype(np.float32)
    hole = np.zeros((96, 96), bool)
    hole[16:80, 16:80] = True
    already = match_detail(image, hole)  # as strong as around: (almost) unchanged
    assert np.abs(already - image).max() < 40
    assert band_energy(already, hole) >= band_energy(image, hole) * 0.999
    flat = image.copy()
    flat[hole] = 100.0
    # Deep inside there is no detail to raise (at the rim, the step to the
    # surroundings is part of the finest bands).
    assert np.allclose(match_detail(flat, hole)[40:56, 40:56], 100.0, atol=1e-3)


def test_blend_low_band_moves_broad_shading_halfway_to_the_guess():
    rng = np.random.default_rng(1)
    truth = rng.uniform(0, 255, (48, 48, 3)).astype(np.float32)
    hole = np.zeros((48, 48), bool)
    hole[10:20, 5:40] = True
    fill = truth.copy()
    fill[hole] += 40.0  # a fill whose shading is off by a constant
    blended = blend_low_band(fill, truth, hole, sigma=4.0, share=0.5)
    assert np.allclose(blended[hole], truth[hole] + 20.0, atol=1e-3)
    assert np.array_equal(blended[~hole], fill[~hole])
    assert blend_low_band(fill, truth, hole, sigma=4.0, share=0.0) is fill


def test_blend_low_band_caps_the_colour_it_mixes_in_but_not_the_brightness():
    hole = np.zeros((40, 40), bool)
    hole[10:30, 10:30] = True
    fill = np.full((40, 40, 3), (120.0, 60.0, 40.0), np.float32)  # brown
    guess = np.full((40, 40, 3), (180.0, 190.0, 230.0), np.float32)  # bluish silver
    plain = blend_low_band(fill, guess, hole, sigma=4.0, share=0.5)
    capped = blend_low_band(fill, guess, hole, sigma=4.0, share=0.5, max_chroma=10.0)
    inside = (slice(15, 25), slice(15, 25))
    shift, capped_shift = plain[inside] - fill[inside], capped[inside] - fill[inside]
    # The brightness moves halfway either way...
    assert np.allclose(shift.mean(axis=2), capped_shift.mean(axis=2), atol=1e-3)
    assert np.allclose(capped_shift.mean(axis=2), 0.5 * (200.0 - 73.33), atol=0.05)
    # ...the colour only up to half the cap (the share of at most 10 levels from grey).
    grey = capped_shift.mean(axis=2, keepdims=True)
    assert np.linalg.norm(capped_shift - grey, axis=2).max() <= 5.0 + 1e-3
    plain_grey = shift.mean(axis=2, keepdims=True)
    assert np.linalg.norm(shift - plain_grey, axis=2).min() > 40.0
    assert np.array_equal(capped[~hole], fill[~hole])


def test_diffusion_guess_fills_only_the_hole():
    image = noise_texture(40, 50)
    hole = np.zeros((40, 50), bool)
    hole[5:9, 10:30] = True
    guess = diffusion_guess(image, hole)
    assert np.array_equal(guess[~hole], image[~hole])
    assert np.array_equal(diffusion_guess(image, np.zeros_like(hole)), image)


def test_smooth_fill_continues_the_surroundings():
    image = np.zeros((64, 64, 3), np.float32)
    image[:, :32] = 40.0
    image[:, 32:] = 200.0
    hole = np.zeros((64, 64), bool)
    hole[16:48, 8:56] = True
    filled = smooth_fill(image, hole)
    assert np.array_equal(filled[~hole], image[~hole])
    assert filled[32, 12, 0] < 80 and filled[32, 52, 0] > 160  # each side keeps its colour
    assert filled[hole].min() >= 40 and filled[hole].max() <= 200


def test_leading_eigenvectors_span_the_leading_subspace():
    generator = torch.Generator().manual_seed(0)
    basis, _ = torch.linalg.qr(torch.randn(120, 120, generator=generator, dtype=torch.float64))
    spectrum = 0.7 ** torch.arange(120, dtype=torch.float64)
    matrix = basis @ torch.diag(spectrum) @ basis.T
    found = _leading_eigenvectors(matrix, 10, torch.Generator().manual_seed(1))
    exact = basis[:, :10]
    projection_gap = found @ found.T - exact @ exact.T
    assert found.shape == (120, 10)
    assert torch.linalg.matrix_norm(projection_gap) < 1e-3
    again = _leading_eigenvectors(matrix, 10, torch.Generator().manual_seed(1))
    assert torch.equal(found, again)


def test_a_large_hole_continues_the_region_around_each_part_of_it():
    """Half dark and smooth, half bright grass-like: a hole mostly over the dark half
    stays dark there, instead of being overrun by the bright texture beside it."""
    rng = np.random.default_rng(5)
    height, width = 128, 160
    image = np.empty((height, width, 3), np.float32)
    image[:, :90] = 35 + rng.normal(0, 3, (height, 90, 3))
    image[:, 90:] = 170 + rng.normal(0, 35, (height, width - 90, 3))
    image = np.clip(image, 0, 255).astype(np.uint8)
    hole = np.zeros((height, width), bool)
    hole[30:100, 40:100] = True  # 50 px over the dark side, 10 over the bright
    result = complete(image, hole, seed=0)
    dark_side = hole.copy()
    dark_side[:, 80:] = False
    assert result[dark_side].mean() < 70
    unguided = complete(image, hole, seed=0, settings=FillSettings(guide_weight=0.0))
    assert result[dark_side].mean() <= unguided[dark_side].mean() + 1
    assert np.array_equal(result[~hole], image[~hole])


def test_a_wide_local_mean_worked_out_small_matches_the_full_size_one():
    import cv2

    from restorer.blend import local_mean

    rng = np.random.default_rng(3)
    values = cv2.GaussianBlur(rng.uniform(0, 255, (160, 200, 3)).astype(np.float32), (0, 0), 3)
    weight = np.zeros((160, 200), np.float32)
    weight[:, :120] = 1.0
    sigma = 8.0
    summed = cv2.GaussianBlur(values * weight[:, :, None], (0, 0), sigma)
    exact = summed / np.maximum(cv2.GaussianBlur(weight, (0, 0), sigma), 1e-4)[:, :, None]
    fast = local_mean(values, weight, sigma)
    assert fast.shape == values.shape
    known = weight > 0
    assert np.abs(fast[known] - exact[known]).mean() < 0.5  # of 0-255 values
