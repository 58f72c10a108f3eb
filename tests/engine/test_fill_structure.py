"""The exemplar fill's structure term (`FillSettings.structure`): straight edges that
enter the hole are continued across it in the coarse levels' guide."""

from __future__ import annotations

import cv2
import numpy as np

from restorer.exemplar.detail import diffusion_guess
from restorer.exemplar.fill import FillSettings, complete
from restorer.exemplar.structure import StructureSettings, continued_lines, structure_guide

SIZE, SLOPE, OFFSET = 128, 0.6, 30.0


def stripe_photo() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A dark straight stripe 6 px wide across light noise, a hole 44 px wide over it;
    returns the photo, the hole and each pixel's signed distance from the stripe's axis."""
    rng = np.random.default_rng(0)
    ys, xs = np.mgrid[0:SIZE, 0:SIZE]
    across = (ys - (SLOPE * xs + OFFSET)) / np.hypot(1.0, SLOPE)
    base = np.where(np.abs(across) < 3.0, 50.0, 190.0)
    image = np.clip(base[..., None] + rng.normal(0, 6, (SIZE, SIZE, 3)), 0, 255)
    hole = (np.abs(xs - 64) < 22) & (np.abs(ys - (SLOPE * 64 + OFFSET)) < 20)
    return image.astype(np.uint8), hole, across


def test_the_stripe_is_joined_across_the_hole_in_the_guide():
    image, hole, across = stripe_photo()
    fill = diffusion_guess(image, hole, cv2.INPAINT_TELEA, 3)
    lines = continued_lines(image, hole, fill, StructureSettings())
    assert len(lines) == 2  # the stripe's two edges, each paired with its continuation
    for start, stop, *_ in lines:
        for x, y in (start, stop):  # both ends lie on an edge of the stripe, 3 px off its axis
            assert abs(abs((y - (SLOPE * x + OFFSET)) / np.hypot(1.0, SLOPE)) - 3.0) < 1.5
        assert abs(stop[0] - start[0]) > 40  # from one side of the hole to the other
    guide = structure_guide(image, hole, fill)
    axis = hole & (np.abs(across) < 1.5)
    assert guide[axis].mean() < 70  # dark along the stripe (Telea's fill is not)
    assert fill[axis].mean() > guide[axis].mean() + 40
    assert np.array_equal(guide[~hole], fill[~hole])


def test_structure_keeps_the_filled_stripe_straight():
    image, hole, across = stripe_photo()
    truth = np.where(np.abs(across) < 3.0, 50.0, 190.0)[..., None]
    along = hole & (np.abs(across) < 6)
    errors = {}
    for structure in (False, True):
        out = complete(image, hole, settings=FillSettings(structure=structure))
        errors[structure] = float(np.abs(out - truth).mean(axis=2)[along].mean())
    assert errors[True] < 0.6 * errors[False]  # about 21 against 46 grey levels
    again = complete(image, hole, settings=FillSettings(structure=True))
    assert float(np.abs(again - truth).mean(axis=2)[along].mean()) == errors[True]


def test_no_edges_leave_the_guide_as_it_was():
    rng = np.random.default_rng(1)
    image = np.clip(128 + rng.normal(0, 4, (64, 64, 3)), 0, 255).astype(np.uint8)
    hole = np.zeros((64, 64), bool)
    hole[20:40, 24:44] = True
    fill = diffusion_guess(image, hole, cv2.INPAINT_TELEA, 3)
    assert np.array_equal(structure_guide(image, hole, fill), fill)
