"""restorer.damage.spots: soft stains found on a photo, textures and clean photos left alone."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from restorer.damage import DamageSettings, detect_damage
from restorer.damage.spots import find_spots, stain_fit

SPOTS = DamageSettings(kinds=("spots",)).validated()
VISIBLE = 10  # levels: what a stain visibly changes counts as the stain


def photo(seed=0, height=480, width=640) -> np.ndarray:
    """A photo-like scene: soft sky and ground, a few objects with hard and soft edges,
    drawn at half size and enlarged 2x like a scan, with film grain."""
    rng = np.random.default_rng(seed)
    h, w = height // 2, width // 2
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    image = np.dstack([150 + 60 * yy / h, 170 + 30 * yy / h, 210 - 40 * yy / h])
    image[h // 2 :] = (110, 95, 70) + 10 * np.sin(xx[h // 2 :, :, None] / 9.0)
    image = image.astype(np.uint8)
    cv2.rectangle(image, (30, 60), (90, 150), (60, 60, 70), -1)
    cv2.ellipse(image, (230, 70), (40, 25), 10, 0, 360, (230, 220, 200), -1, cv2.LINE_AA)
    cv2.circle(image, (160, 180), 12, (40, 90, 40), -1, cv2.LINE_AA)  # a bush: a real blob
    cv2.line(image, (0, 100), (w, 140), (80, 80, 80), 2, cv2.LINE_AA)
    image = cv2.GaussianBlur(image, (0, 0), 0.8)
    image = cv2.resize(image, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    image += rng.normal(0, 2.5, (height, width, 1)) + rng.normal(0, 1.0, (height, width, 3))
    return np.clip(image, 0, 255).astype(np.uint8)


def stain(image, centre, radius, colour, opacity, softness):
    """A soft blotch of `colour` laid over `image`; returns it and what it visibly changed."""
    alpha = np.zeros(image.shape[:2], np.float32)
    cv2.ellipse(alpha, centre, (radius, int(radius * 0.8)), 25, 0, 360, 1.0, -1, cv2.LINE_AA)
    alpha = cv2.GaussianBlur(alpha, (0, 0), softness)[:, :, None] * opacity
    out = image * (1 - alpha) + np.float32(colour) * alpha
    out = np.clip(out, 0, 255).astype(np.uint8)
    changed = np.abs(out.astype(np.int16) - image.astype(np.int16)).max(axis=2) >= VISIBLE
    return out, changed


def outside(found: np.ndarray, truth: np.ndarray, margin: int = 4) -> int:
    near = cv2.dilate(truth.astype(np.uint8), np.ones((2 * margin + 1,) * 2, np.uint8)) > 0
    return int(((found > 0) & ~near).sum())


def test_soft_warm_stains_on_a_photo_are_found():
    image = photo()
    # A strong brown stain on the pale sky and a fainter, softer one on the ground.
    image, sky = stain(image, (420, 80), 15, (110, 70, 35), 0.7, 1.5)
    image, ground = stain(image, (520, 380), 12, (75, 50, 25), 0.7, 2.5)
    found = find_spots(image, SPOTS)
    for truth in (sky, ground):
        assert (found[truth] > 0).mean() > 0.8
    assert outside(found, sky | ground) == 0


def test_stain_over_max_size_is_left_and_min_size_is_honoured():
    image, truth = stain(photo(seed=1), (420, 80), 15, (110, 70, 35), 0.7, 1.5)
    assert (find_spots(image, SPOTS)[truth] > 0).mean() > 0.8
    smaller = DamageSettings(kinds=("spots",), max_size=20).validated()
    assert not find_spots(image, smaller)[truth].any()
    larger = DamageSettings(kinds=("spots",), min_size=48, max_size=60).validated()
    assert not find_spots(image, larger)[truth].any()


def test_a_faint_stain_is_found_at_the_default_sensitivity_but_not_the_lowest():
    image, truth = stain(photo(seed=2), (420, 80), 14, (120, 80, 45), 0.45, 2.0)
    low = DamageSettings(kinds=("spots",), sensitivity=0.0).validated()
    assert not find_spots(image, low).any()
    assert (find_spots(image, SPOTS)[truth] > 0).mean() > 0.75


def test_clean_photo_is_not_flagged():
    for seed in range(3):
        assert not find_spots(photo(seed=seed), SPOTS).any()


def _grass(rng, size=400):
    image = np.full((size, size, 3), (70, 110, 50), np.uint8)
    for _ in range(4000):
        x, y = rng.integers(0, size, 2)
        length, angle = rng.uniform(6, 24), rng.uniform(-0.6, 0.6) - np.pi / 2
        end = (int(x + length * np.cos(angle)), int(y + length * np.sin(angle)))
        shade = rng.uniform(0.5, 1.5)
        colour = (int(70 * shade), int(130 * shade), int(50 * shade))
        cv2.line(image, (int(x), int(y)), end, colour, int(rng.integers(1, 3)))
    return image


def _gravel(rng, size=400):
    image = np.full((size, size, 3), 120, np.uint8)
    for _ in range(3000):
        x, y = rng.integers(0, size, 2)
        r = int(rng.integers(3, 14))
        grey = rng.uniform(60, 200)
        colour = (grey + 10, grey, grey - 15)  # warm grey stones: stain-coloured blobs
        axes = (r, int(r * rng.uniform(0.5, 1)))
        cv2.ellipse(image, (int(x), int(y)), axes, rng.uniform(0, 180), 0, 360, colour, -1)
    return cv2.GaussianBlur(image, (0, 0), 0.8)


def _foliage(rng, size=400):
    image = np.full((size, size, 3), (40, 70, 30), np.uint8)
    for _ in range(1500):
        x, y = rng.integers(0, size, 2)
        r = int(rng.integers(4, 16))
        shade = rng.uniform(0.4, 1.8)
        colour = (int(50 * shade), int(90 * shade), int(35 * shade))
        axes = (r, int(r * 0.5))
        cv2.ellipse(image, (int(x), int(y)), axes, rng.uniform(0, 180), 0, 360, colour, -1)
    return cv2.GaussianBlur(image, (0, 0), 1.0)


@pytest.mark.parametrize("texture", [_grass, _gravel, _foliage])
def test_textures_are_not_flagged_as_stains(texture):
    image = texture(np.random.default_rng(3))
    assert (find_spots(image, SPOTS) > 0).mean() < 0.0005


def test_stain_across_a_tile_seam_is_found_whole():
    # detect_damage works in 2048-px tiles with a margin; a stain on the seam is found
    # just as on the whole image.
    rng = np.random.default_rng(4)
    image = np.full((200, 2300, 3), (190, 185, 175), np.float32)
    image = np.clip(image + rng.normal(0, 2.0, (200, 2300, 1)), 0, 255).astype(np.uint8)
    image, truth = stain(image, (2046, 100), 16, (110, 70, 35), 0.7, 1.5)
    found = detect_damage(image, kinds="spots", grow=0)
    assert (found[truth] > 0).mean() > 0.8
    assert np.array_equal(found, find_spots(image, SPOTS.__class__(kinds=("spots",), grow=0)))


def test_stain_colour_fit():
    around = np.array([[200.0, 200.0, 200.0], [200.0, 200.0, 200.0], [60.0, 60.0, 60.0]])
    inside = np.array(
        [
            [200 * 0.4 + 100 * 0.6, 200 * 0.4 + 65 * 0.6, 200 * 0.4 + 35 * 0.6],  # brown
            [200 * 0.4 + 60 * 0.6, 200 * 0.4 + 90 * 0.6, 200 * 0.4 + 200 * 0.6],  # blue
            [60 * 0.5 + 120 * 0.5, 60 * 0.5 + 80 * 0.5, 60 * 0.5 + 40 * 0.5],  # on dark
        ]
    )
    fit = stain_fit(inside, around)
    assert fit[0] < 0.05 and fit[2] < 0.05
    assert fit[1] > 0.3
