"""The exemplar fill's seam and guides: the hole's first rings are blended with a
two-sided diffusion fill (`seam_share`), the guide channels may come from a diffusion
fill (`guide_fill`), and FSR at a reduced size (`fsr_guess`) fills a hole's low band."""

from __future__ import annotations

import numpy as np
import pytest

from restorer.blend import hole_depth
from restorer.exemplar.detail import fsr_guess
from restorer.exemplar.fill import FillSettings, complete


def photo(size: int = 48) -> np.ndarray:
    """Smooth shading under fine texture, fixed seed."""
    rng = np.random.default_rng(5)
    ys, xs = np.mgrid[0:size, 0:size]
    base = 50 + 2.0 * xs + 1.0 * ys
    texture = rng.normal(0, 10, (size, size))
    image = np.stack([base + texture, base * 0.7 + texture, base * 0.5 + texture], axis=2)
    return np.clip(image, 0, 255).astype(np.uint8)


def blob(size: int = 48) -> np.ndarray:
    ys, xs = np.mgrid[0:size, 0:size]
    return (ys - size / 2) ** 2 + (xs - size / 2) ** 2 < 10**2


@pytest.fixture(scope="module")
def fills() -> dict[float, np.ndarray]:
    image, mask = photo(), blob()
    return {
        # The diffusion seam alone (the extrapolation's part: tests/engine/test_fse.py).
        share: complete(image, mask, settings=FillSettings(seam_share=share, seam_fse_share=0))
        for share in (0.0, 1.0)
    }


def test_the_seam_share_changes_only_the_first_rings(fills):
    image, mask = photo(), blob()
    plain, smoothed = fills[0.0], fills[1.0]
    assert np.array_equal(plain[~mask], image[~mask])
    assert np.array_equal(smoothed[~mask], image[~mask])
    ring = mask & (hole_depth(mask) <= FillSettings().seam_depth)
    changed = np.any(plain != smoothed, axis=2)
    assert changed[ring].any()
    assert not changed[mask & ~ring].any()


def test_a_smoothed_seam_steps_less_at_the_rim(fills):
    """Across the rim (known pixel next to hole pixel), the smoothed fill's colour steps
    are smaller on average than the plain fill's."""
    mask = blob()

    def rim_step(result: np.ndarray) -> float:
        steps = []
        data = result.astype(np.float64)
        for axis in (0, 1):
            for shift in (1, -1):
                neighbour = np.roll(data, shift, axis=axis)
                outside = np.roll(~mask, shift, axis=axis)
                where = mask & outside
                steps.append(np.abs(data[where] - neighbour[where]).mean())
        return float(np.mean(steps))

    assert rim_step(fills[1.0]) < rim_step(fills[0.0])


def test_the_thin_seam_share_applies_to_scratches_only():
    image = photo()
    mask = np.zeros(image.shape[:2], bool)
    mask[23:26, 6:-6] = True  # 3 px thick
    results = [
        complete(image, mask, settings=FillSettings(seam_share=0.0, thin_seam_share=share))
        for share in (0.0, 1.0)
    ]
    assert not np.array_equal(results[0], results[1])
    thick = [
        complete(image, blob(), settings=FillSettings(seam_share=0.0, thin_seam_share=share))
        for share in (0.0, 1.0)
    ]
    assert np.array_equal(thick[0], thick[1])


def test_a_diffusion_guide_changes_the_fill_and_is_deterministic():
    image, mask = photo(), blob()
    telea = [complete(image, mask, settings=FillSettings(guide_fill="telea")) for _ in range(2)]
    smooth = complete(image, mask, settings=FillSettings(guide_fill="smooth"))
    assert np.array_equal(telea[0], telea[1])
    assert not np.array_equal(telea[0], smooth)
    assert np.array_equal(telea[0][~mask], image[~mask])


def test_fsr_at_half_size_fills_smooth_shading_closely():
    ys, xs = np.mgrid[0:64, 0:64]
    shading = np.stack([40 + 2 * xs, 30 + ys + xs, 200 - 2 * ys], axis=2).astype(np.uint8)
    mask = np.zeros((64, 64), bool)
    mask[24:40, 20:44] = True
    filled = fsr_guess(shading, mask, scale=2)
    assert np.array_equal(filled[~mask], shading[~mask])
    error = np.abs(filled.astype(np.float64) - shading)[mask].mean()
    assert error < 4.0  # a 16x24 hole in a linear ramp: FSR continues the ramp


def test_a_hole_across_a_picture_narrower_than_a_patch_gets_the_smooth_fill():
    # 8 px wide, one full-height column missing: every 7-px patch overlaps the hole, so
    # there is nothing to copy from; the fill must still come back, between its sides.
    image = np.zeros((40, 8, 3), np.uint8)
    image[:, :4] = 60
    image[:, 5:] = 200
    mask = np.zeros((40, 8), bool)
    mask[:, 4] = True
    out = complete(image, mask)
    assert np.array_equal(out[~mask], image[~mask])
    assert (out[mask] >= 60).all() and (out[mask] <= 200).all()
