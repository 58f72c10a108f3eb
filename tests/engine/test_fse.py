"""Frequency-selective extrapolation (`restorer.exemplar.fse`): a sparse Fourier model
of each block, fitted to the known pixels round it, predicts the hole's rim."""

from __future__ import annotations

import cv2
import numpy as np

from restorer.blend import hole_depth
from restorer.exemplar.fill import FillSettings, complete
from restorer.exemplar.fse import extrapolate, rim_towards_extrapolation


def waves(size: int = 64) -> np.ndarray:
    """Two sinusoids and a ramp, three planes differing in offset: HxWx3 float32."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    grey = 100 + 40 * np.sin(2 * np.pi * xs / 9.0) + 25 * np.cos(2 * np.pi * (xs + ys) / 13.0)
    grey += 0.4 * ys
    return np.stack([grey, grey + 10, grey - 10], axis=2)


def square_hole(size: int = 64, side: int = 16) -> np.ndarray:
    hole = np.zeros((size, size), bool)
    start = (size - side) // 2
    hole[start : start + side, start : start + side] = True
    return hole


def test_a_periodic_pattern_is_continued_exactly():
    size = 48
    xs = np.arange(size, dtype=np.float32)
    image = np.broadcast_to(100 + 50 * np.cos(2 * np.pi * xs / 8)[None, :, None], (size, size, 1))
    hole = square_hole(size, 8)
    predicted = extrapolate(image, (~hole).astype(np.float32), hole, iterations=8, gamma=1.0)
    assert predicted.shape == (int(hole.sum()), 1)
    assert np.abs(predicted[:, 0] - image[hole][:, 0]).max() < 0.05


def test_the_rim_is_predicted_better_than_by_diffusion():
    image = waves()
    hole = square_hole()
    ring = hole & (hole_depth(hole) <= 4)
    predicted = extrapolate(image, (~hole).astype(np.float32), ring, iterations=48)
    fse_error = np.abs(predicted - image[ring]).mean()
    diffused = cv2.inpaint(
        np.clip(image + 0.5, 0, 255).astype(np.uint8), hole.astype(np.uint8), 1, cv2.INPAINT_NS
    )
    ns_error = np.abs(diffused[ring].astype(np.float32) - image[ring]).mean()
    assert fse_error < 0.6 * ns_error, (fse_error, ns_error)


def test_the_prediction_is_deterministic_and_keeps_the_planes_apart():
    image = waves()
    hole = square_hole()
    weight = (~hole).astype(np.float32)
    first = extrapolate(image, weight, hole, iterations=16)
    again = extrapolate(image, weight, hole, iterations=16)
    assert np.array_equal(first, again)
    offsets = (first[:, 1] - first[:, 0]).mean(), (first[:, 2] - first[:, 0]).mean()
    assert abs(offsets[0] - 10) < 1.5 and abs(offsets[1] + 10) < 1.5


def test_only_the_ring_moves_towards_the_prediction():
    truth = np.clip(waves() + 0.5, 0, 255).astype(np.uint8)
    hole = square_hole()
    ring = hole & (hole_depth(hole) <= 3)
    fill = truth.copy()
    fill[hole] = 128  # a flat, wrong fill
    moved = rim_towards_extrapolation(fill, fill, hole, ring, 1.0, colour=True)
    assert np.array_equal(moved[~ring], fill[~ring])
    before = np.abs(fill[ring].astype(np.float32) - truth[ring]).mean()
    after = np.abs(moved[ring].astype(np.float32) - truth[ring]).mean()
    assert after < 0.5 * before, (before, after)
    grey_only = rim_towards_extrapolation(fill, fill, hole, ring, 1.0)
    assert np.array_equal(grey_only[~ring], fill[~ring])
    assert np.abs(grey_only[ring].astype(np.float32) - truth[ring]).mean() < before
    assert rim_towards_extrapolation(fill, fill, hole, ring, 0.0) is fill


def test_the_fill_leans_towards_the_extrapolation_on_its_rim_only():
    """In `complete`, the extrapolation (`seam_fse_share`) changes only the seam's
    ring, and on smooth waves brings the ring closer to the truth."""
    truth = np.clip(waves() + 0.5, 0, 255).astype(np.uint8)
    hole = square_hole()
    plain, leaning = (
        complete(truth, hole, settings=FillSettings(seam_fse_share=share)) for share in (0.0, 0.7)
    )
    ring = hole & (hole_depth(hole) <= FillSettings().seam_depth)
    changed = np.any(plain != leaning, axis=2)
    assert changed[ring].any() and not changed[~ring].any()

    def error(result):
        return np.abs(result[ring].astype(np.float32) - truth[ring]).mean()

    assert error(leaning) < error(plain)
