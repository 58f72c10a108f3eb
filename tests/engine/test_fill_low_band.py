"""How the exemplar fill's finish leans on a diffusion fill: thin holes (scratches) take
`thin_low_band_share` of its low band, thicker ones `low_band_share`."""

from __future__ import annotations

import numpy as np
import pytest

from restorer.exemplar.fill import FillSettings, complete


def photo(size: int = 48) -> np.ndarray:
    """Smooth shading under fine texture, fixed seed: both bands matter."""
    rng = np.random.default_rng(3)
    ys, xs = np.mgrid[0:size, 0:size]
    base = 60 + 1.5 * xs + 0.8 * ys
    texture = rng.normal(0, 12, (size, size))
    image = np.stack([base + texture, base * 0.8 + texture, base * 0.6 + texture], axis=2)
    return np.clip(image, 0, 255).astype(np.uint8)


def scratch(size: int = 48) -> np.ndarray:
    mask = np.zeros((size, size), bool)
    mask[size // 2 - 1 : size // 2 + 2, 6:-6] = True  # 3 px thick
    return mask


def blob(size: int = 48) -> np.ndarray:
    ys, xs = np.mgrid[0:size, 0:size]
    return (ys - size / 2) ** 2 + (xs - size / 2) ** 2 < 9**2


@pytest.fixture(scope="module")
def scratch_fills() -> tuple[np.ndarray, np.ndarray]:
    """The scratch filled with the thin share at 0 and at 1."""
    image, mask = photo(), scratch()
    return tuple(
        complete(image, mask, settings=FillSettings(thin_low_band_share=share))
        for share in (0.0, 1.0)
    )


def test_the_thin_share_changes_a_scratch_only(scratch_fills):
    image = photo()
    low, high = scratch_fills
    assert not np.array_equal(low, high)
    mask = blob()
    thick = [complete(image, mask, settings=FillSettings(thin_low_band_share=s)) for s in (0, 1)]
    assert np.array_equal(thick[0], thick[1])
    for result, hole in ((low, scratch()), (high, scratch()), (thick[0], mask)):
        assert np.array_equal(result[~hole], image[~hole])


def test_a_larger_thin_share_brings_a_scratch_closer_to_the_diffusion_fill(scratch_fills):
    from restorer.exemplar.detail import diffusion_guess

    image, mask = photo(), scratch()
    guess = diffusion_guess(image, mask).astype(np.float64)

    def low_band_gap(result: np.ndarray) -> float:
        import cv2

        gap = cv2.GaussianBlur(result.astype(np.float64) - guess, (0, 0), 3.0)
        return float(np.abs(gap[mask]).mean())

    far, near = scratch_fills
    assert low_band_gap(near) < low_band_gap(far)
