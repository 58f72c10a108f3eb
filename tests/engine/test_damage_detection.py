"""restorer.damage.detect_damage on synthetic scans: each kind found, textures left alone."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest

from restorer.damage import detect_damage, parse_kinds
from restorer.errors import RestorerError
from restorer.progress import Cancelled, Progress


def scan(height=320, width=320, seed=0, grain=2.5) -> np.ndarray:
    """A soft colourful photo-like background with film grain."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.dstack(
        [
            120 + 50 * np.sin(xx / 60.0) + 20 * np.cos(yy / 45.0),
            110 + 40 * np.cos(yy / 70.0),
            100 + 30 * np.sin((xx + yy) / 90.0),
        ]
    )
    base += rng.normal(0, grain, (height, width, 1))
    return np.clip(base, 0, 255).astype(np.uint8)


def paint(image, alpha, colour):
    a = np.clip(alpha, 0, 1)[:, :, None]
    out = image.astype(np.float32) * (1 - a) + np.float32(colour) * a
    return out.clip(0, 255).astype(np.uint8), alpha > 0.3


def coverage(found: np.ndarray, truth: np.ndarray) -> float:
    return float((found[truth] > 0).mean())


def outside(found: np.ndarray, truth: np.ndarray, margin: int = 4) -> int:
    near = cv2.dilate(truth.astype(np.uint8), np.ones((2 * margin + 1,) * 2, np.uint8)) > 0
    return int(((found > 0) & ~near).sum())


def test_dust_specks_bright_and_dark_are_found():
    image = scan()
    alpha = np.zeros(image.shape[:2], np.float32)
    truth = np.zeros(image.shape[:2], bool)
    for i, (x, y, r) in enumerate([(60, 60, 2), (200, 80, 4), (120, 220, 5), (260, 260, 1)]):
        layer = np.zeros_like(alpha)
        cv2.circle(layer, (x, y), r, 1.0, -1, cv2.LINE_AA)
        image, hit = paint(image, cv2.GaussianBlur(layer, (0, 0), 0.6), 20 if i % 2 else 240)
        truth |= hit
    found = detect_damage(image, kinds="dust")
    assert coverage(found, truth) > 0.9
    assert outside(found, truth) == 0


def test_film_scratch_and_curved_hair_are_found():
    image = scan(seed=1)
    alpha = np.zeros(image.shape[:2], np.float32)
    cv2.line(alpha, (280, 0), (285, 319), 1.0, 2, cv2.LINE_AA)
    image, scratch = paint(image, cv2.GaussianBlur(alpha, (0, 0), 0.7) * 0.8, 245)
    hair = np.zeros_like(alpha)
    t = np.linspace(0, np.pi, 80)
    points = np.stack([30 + 200 * t / np.pi, 190 + 60 * np.sin(t)], 1).astype(np.int32)
    cv2.polylines(hair, [points], False, 1.0, 2, cv2.LINE_AA)
    image, hair_truth = paint(image, cv2.GaussianBlur(hair, (0, 0), 0.5), 25)
    found = detect_damage(image, kinds="scratches")
    assert coverage(found, scratch) > 0.9
    assert coverage(found, hair_truth) > 0.7
    assert outside(found, scratch | hair_truth) == 0


def test_dark_branching_crack_is_found():
    image = scan(seed=2)
    alpha = np.zeros(image.shape[:2], np.float32)
    trunk = np.array([[40, 160], [90, 150], [140, 170], [200, 160], [260, 175]], np.int32)
    branch = np.array([[140, 170], [160, 210], [150, 260]], np.int32)
    cv2.polylines(alpha, [trunk, branch], False, 1.0, 1, cv2.LINE_AA)
    image, truth = paint(image, cv2.GaussianBlur(alpha, (0, 0), 0.5), 15)
    found = detect_damage(image, kinds="cracks")
    assert coverage(found, truth) > 0.8
    assert outside(found, truth) == 0


def test_small_stain_is_found():
    image = scan(seed=3)
    alpha = np.zeros(image.shape[:2], np.float32)
    cv2.ellipse(alpha, (160, 160), (14, 10), 30, 0, 360, 1.0, -1, cv2.LINE_AA)
    image, truth = paint(image, cv2.GaussianBlur(alpha, (0, 0), 1.5) * 0.8, (60, 40, 25))
    found = detect_damage(image, kinds="spots")
    assert coverage(found, truth) > 0.8
    assert outside(found, truth) == 0


def _grass(seed=0, size=320):
    rng = np.random.default_rng(seed)
    image = np.full((size, size, 3), (70, 110, 50), np.uint8)
    for _ in range(2500):
        x, y = rng.integers(0, size, 2)
        length, angle = rng.uniform(6, 20), rng.uniform(-0.5, 0.5) - np.pi / 2
        end = (int(x + length * np.cos(angle)), int(y + length * np.sin(angle)))
        shade = rng.uniform(0.5, 1.5)
        cv2.line(
            image, (int(x), int(y)), end, (int(70 * shade), int(130 * shade), int(50 * shade)), 1
        )
    return image


def _hair(seed=0, size=320):
    rng = np.random.default_rng(seed)
    image = np.full((size, size, 3), (90, 60, 40), np.uint8)
    xs = np.arange(size)
    for _ in range(250):
        y0, amp, freq = rng.uniform(-20, size + 20), rng.uniform(5, 20), rng.uniform(0.01, 0.03)
        ys = y0 + amp * np.sin(freq * xs + rng.uniform(0, 6))
        shade = rng.uniform(0.5, 1.6)
        colour = (int(min(255, 90 * shade)), int(min(255, 60 * shade)), int(min(255, 40 * shade)))
        cv2.polylines(
            image, [np.stack([xs, ys], 1).astype(np.int32)], False, colour, 1, cv2.LINE_AA
        )
    return image


def _gravel(seed=0, size=320):
    rng = np.random.default_rng(seed)
    image = np.full((size, size, 3), 120, np.uint8)
    for _ in range(4000):
        x, y = rng.integers(0, size, 2)
        r = int(rng.integers(3, 10))
        grey = int(rng.uniform(60, 200))
        cv2.ellipse(
            image,
            (int(x), int(y)),
            (r, int(r * rng.uniform(0.5, 1))),
            rng.uniform(0, 180),
            0,
            360,
            (grey, grey, grey - 10),
            -1,
        )
    return cv2.GaussianBlur(image, (0, 0), 0.8)


@pytest.mark.parametrize(("texture", "most"), [(_grass, 0.002), (_hair, 0.002), (_gravel, 0.02)])
def test_clean_textures_are_not_flagged(texture, most):
    # Gravel is the hard case: a stone much brighter than its neighbours looks like dust.
    found = detect_damage(texture())
    assert (found > 0).mean() < most


def test_faint_long_scratch_across_grass_is_found():
    # Grass blinds the component test (its texture raises the thresholds); the oriented
    # line integral still sees a long straight scratch there, and only the scratch.
    image = _grass(seed=1, size=400)
    alpha = np.zeros(image.shape[:2], np.float32)
    cv2.line(alpha, (150, 40), (165, 380), 1.0, 2, cv2.LINE_AA)
    damaged, truth = paint(image, cv2.GaussianBlur(alpha, (0, 0), 0.6) * 0.5, 235)
    found = detect_damage(damaged, kinds="scratches")
    assert coverage(found, truth) > 0.85
    assert outside(found, truth) < 60
    assert not detect_damage(image, kinds="scratches").any()


def _table(seed=0, size=400):
    """A photo-like scene: wood grain, a dark red plate and a cup with a pale curved lip
    (a thin bright ring: a ridge, like a scratch, but curved and along an edge)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    wood = 18 * np.sin((xx * 0.3 + yy) / 3.0 + 3 * np.sin(xx / 40.0))
    wood += rng.normal(0, 3, (size, size))
    image = np.dstack([130 + wood, 75 + 0.6 * wood, 45 + 0.4 * wood])
    image = image.clip(0, 255).astype(np.uint8)
    for axes, colour, thickness in [
        ((170, 130), (120, 30, 20), -1),
        ((90, 70), (150, 40, 30), -1),
        ((90, 70), (215, 205, 190), 3),
    ]:
        layer = np.zeros((size, size), np.float32)
        centre = (200, 230) if axes[0] == 170 else (190, 170)
        cv2.ellipse(layer, centre, axes, 0, 0, 360, 1.0, thickness, cv2.LINE_AA)
        image, _ = paint(image, cv2.GaussianBlur(layer, (0, 0), 0.8), colour)
    return image


def test_bright_zigzag_scratch_across_edges_is_found_and_curved_rim_is_not():
    # The polyline touches the cup's lip: it and the lip make one component, neither thin
    # nor isolated. Its straight runs stand over both their sides; the lip's are curved.
    clean = _table()
    assert not detect_damage(clean, kinds="scratches").any()
    alpha = np.zeros(clean.shape[:2], np.float32)
    points = np.array([[300, 20], [275, 100], [284, 170], [255, 250], [300, 320], [285, 395]])
    cv2.polylines(alpha, [points.astype(np.int32)], False, 1.0, 2, cv2.LINE_AA)
    damaged, truth = paint(clean, cv2.GaussianBlur(alpha, (0, 0), 0.5), (250, 250, 250))
    found = detect_damage(damaged, kinds="scratches")
    assert coverage(found, truth) >= 0.8
    assert outside(found, truth) < 150  # a few px of the lip where the line crosses it


def test_smooth_clean_scan_is_not_flagged():
    assert (detect_damage(scan(seed=4)) > 0).mean() < 0.001


def test_region_restricts_the_search_and_tiles_join():
    image = scan(seed=5, height=300, width=300)
    alpha = np.zeros(image.shape[:2], np.float32)
    cv2.line(alpha, (100, 0), (100, 299), 1.0, 2, cv2.LINE_AA)
    cv2.line(alpha, (220, 0), (220, 299), 1.0, 2, cv2.LINE_AA)
    image, truth = paint(image, alpha * 0.9, 240)
    region = np.zeros(image.shape[:2], bool)
    region[:, :160] = True
    found = detect_damage(image, kinds="scratches", region=region)
    assert coverage(found, truth & region) > 0.9
    assert not found[:, 160:].any()


def test_progress_is_reported_and_cancel_stops_it():
    image = scan(seed=6)
    seen = []
    detect_damage(image, progress=Progress(lambda f, m, p: seen.append(f)))
    assert seen[0] == 0.0 and seen[-1] == 1.0
    event = threading.Event()
    event.set()
    with pytest.raises(Cancelled):
        detect_damage(image, progress=Progress(None, event))


def test_bad_settings_are_refused_with_a_readable_error():
    with pytest.raises(RestorerError, match="Unknown kind"):
        parse_kinds("dust,fluff")
    with pytest.raises(RestorerError, match="Sensitivity"):
        detect_damage(scan(64, 64), sensitivity=2.0)
    with pytest.raises(RestorerError, match="min_size"):
        detect_damage(scan(64, 64), min_size=10, max_size=5)


@pytest.mark.parametrize("density", [0.0, 0.0005, 0.01, 0.2])
def test_sparse_labelling_matches_opencv(density):
    # detect._label labels only the occupied 64-px blocks; it must give the same components.
    from restorer.damage import detect

    rng = np.random.default_rng(7)
    mask = (rng.random((300, 520)) < density).astype(np.uint8)
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    mask[150, 40:500] = 1  # one long line across many blocks
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    got_count, got_labels, got_stats = detect._label(mask)
    assert got_count == count
    pairs = set(zip(labels[mask > 0].tolist(), got_labels[mask > 0].tolist(), strict=True))
    assert len(pairs) == count - 1  # one-to-one between the two labellings
    assert not got_labels[mask == 0].any()
    for opencv_label, our_label in pairs:
        assert np.array_equal(got_stats[our_label], stats[opencv_label])


def test_high_contrast_soft_specks_of_3_to_16_px_are_all_found():
    # Soft Gaussian specks, as dust looks in a scan: the visible footprint is about four
    # sigmas across; past 12 px they were lost (too big for dust, too small for spots).
    image = scan(360, 360, seed=4)
    assert not detect_damage(image, kinds="dust").any()  # the scan alone is clean
    yy, xx = np.mgrid[0:360, 0:360].astype(np.float32)
    specks = [(60, 60, 3), (180, 60, 6), (300, 60, 9), (60, 180, 12), (180, 180, 14)]
    specks += [(300, 180, 16), (60, 300, 16), (180, 300, 4), (300, 300, 10)]
    truth = np.zeros(image.shape[:2], bool)
    for i, (x, y, footprint) in enumerate(specks):
        sigma = footprint / 4.0
        alpha = np.clip(1.5 * np.exp(-0.5 * ((xx - x) ** 2 + (yy - y) ** 2) / sigma**2), 0, 1)
        image, hit = paint(image, alpha, 20 if i % 2 else 240)
        truth |= hit
    found = detect_damage(image, kinds="dust")
    for x, y, footprint in specks:
        assert found[y, x] > 0, f"speck of {footprint} px at ({x}, {y}) missed"
    assert outside(found, truth) == 0
