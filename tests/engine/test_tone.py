"""Tone curves for faded prints: levels, auto levels and contrast, white balance, fading."""

from __future__ import annotations

import numpy as np

from restorer.progress import Progress
from restorer.tone import (
    ToneCurve,
    apply_under,
    auto_levels,
    fade_restoration,
    gains_curve,
    grey_world_gains,
    levels_curve,
    picked_gains,
)
from restorer.workflows.tone import DocumentToneJob


def _scene(height: int = 64, width: int = 96) -> np.ndarray:
    """A grey ramp from black to white with a colourful patch: a print before fading."""
    ramp = np.linspace(0, 255, width)[None, :].repeat(height, 0)
    image = np.dstack([ramp, ramp, ramp])
    image[10:30, 10:40] = (200, 60, 40)
    image[35:55, 50:80] = (40, 90, 200)
    return image.astype(np.uint8)


def _faded(image: np.ndarray) -> np.ndarray:
    """A print whose dyes faded unevenly: a low-contrast, warm (red-yellow) cast."""
    value = image.astype(np.float64) / 255
    red = 0.30 + 0.65 * value[..., 0]
    green = 0.20 + 0.55 * value[..., 1] ** 1.3
    blue = 0.10 + 0.45 * value[..., 2] ** 1.6
    return np.clip(np.dstack([red, green, blue]) * 255, 0, 255).astype(np.uint8)


def test_levels_maps_black_and_white_points_and_bends_midtones():
    curve = levels_curve(black=50, white=200, gamma=1.0)
    assert curve.table[:, 50].tolist() == [0, 0, 0]
    assert curve.table[:, 200].tolist() == [255, 255, 255]
    assert curve.table[0, 125] == 128
    brighter = levels_curve(gamma=2.0)
    assert (
        brighter.table[0, 64] > 64 and brighter.table[0, 0] == 0 and brighter.table[0, 255] == 255
    )
    per_channel = levels_curve(black=(0, 100, 0))
    assert per_channel.table[1, 100] == 0 and per_channel.table[0, 100] == 100
    assert ToneCurve.identity().is_identity and not curve.is_identity
    image = _scene()
    assert np.array_equal(ToneCurve.identity().apply(image), image)


def test_auto_levels_stretches_each_channel_and_auto_contrast_keeps_colours():
    image = _scene()
    dull = (60 + image.astype(np.float64) * 0.5).astype(np.uint8)
    dull[..., 2] = np.clip(dull[..., 2].astype(int) - 30, 0, 255)  # blue weaker: a cast
    levels = auto_levels(dull, clip=0.5).apply(dull)
    for channel in range(3):
        values = levels[..., channel]
        assert np.percentile(values, 0.5) <= 2 and np.percentile(values, 99.5) >= 253
    # Auto contrast: one stretch for all, so the cast stays (blue still lower than red).
    contrast = auto_levels(dull, clip=0.5, per_channel=False).apply(dull)
    assert contrast.max() >= 250 and contrast.min() <= 5
    grey = contrast[5, 48].astype(int)  # a grey of the ramp
    assert grey[0] - grey[2] > 30
    # Levels found on a selection measure only the selection.
    where = np.zeros(dull.shape[:2], bool)
    where[0:8, :48] = True  # the dark half of the ramp
    dark_half = auto_levels(dull, clip=0.5, where=where)
    assert (dark_half.table[np.arange(3), dull[4, 47]] >= 250).all()
    assert (auto_levels(dull, clip=0.5).table[np.arange(3), dull[4, 47]] < 200).all()


def test_white_balance_grey_world_and_picked_grey_remove_a_cast():
    image = _scene()
    warm = np.clip(image.astype(np.float64) * (1.15, 1.0, 0.75), 0, 255).astype(np.uint8)
    picked = gains_curve(picked_gains(warm, 48, 5)).apply(warm)
    grey = picked[3:8, 46:51].reshape(-1, 3).astype(int).mean(axis=0)
    assert np.ptp(grey) <= 2  # the clicked grey is neutral now
    before = warm[3:8, 46:51].reshape(-1, 3).astype(int).mean(axis=0)
    assert abs(grey.mean() - before.mean()) <= 2  # its brightness kept
    world = gains_curve(grey_world_gains(warm)).apply(warm)
    means = world.reshape(-1, 3).astype(float).mean(axis=0)
    assert np.ptp(means) < 3 < np.ptp(warm.reshape(-1, 3).astype(float).mean(axis=0))


def test_fade_restoration_brings_back_range_and_neutral_greys():
    original = _scene()
    faded = _faded(original)
    restored = fade_restoration(faded, clip=0.5).apply(faded)
    ramp_before = faded[0, :, :].astype(int)
    ramp_after = restored[0, :, :].astype(int)
    # Contrast back: the ramp spans (nearly) the whole range in every channel.
    assert (ramp_after.max(axis=0) >= 250).all() and (ramp_after.min(axis=0) <= 5).all()
    # The cast in the greys is mostly gone.
    cast_before = np.abs(ramp_before[:, 0] - ramp_before[:, 2]).mean()
    cast_after = np.abs(ramp_after[:, 0] - ramp_after[:, 2]).mean()
    assert cast_after < cast_before / 3
    # Strength 0 changes nothing; half is in between.
    assert fade_restoration(faded, strength=0).is_identity
    half = fade_restoration(faded, clip=0.5, strength=0.5).apply(faded).astype(int)
    assert np.abs(half - faded).mean() < np.abs(restored.astype(int) - faded).mean()


def test_the_job_changes_only_the_masked_area_and_records_undo():
    image = _scene()
    pixels = np.dstack([image, np.full(image.shape[:2], 255, np.uint8)])
    mask = np.zeros(image.shape[:2], np.uint8)
    mask[20:40, 30:60] = 255
    curve = levels_curve(gamma=2.0)
    outcome = DocumentToneJob(pixels, curve, mask).run(Progress())
    patch = outcome.patch
    assert patch.box == (20, 30, 40, 60)
    assert np.array_equal(patch.pixels, curve.apply(image[20:40, 30:60]))
    assert outcome.edit is not None
    whole = DocumentToneJob(pixels, curve).run(Progress())
    assert whole.patch.box == (0, 0, 64, 96)
    assert np.array_equal(whole.patch.pixels, apply_under(image, curve, None))
    assert DocumentToneJob(pixels, ToneCurve.identity()).run(Progress()) is None
    assert DocumentToneJob(pixels, curve, np.zeros_like(mask)).run(Progress()) is None


def test_the_preview_proxy_comes_from_a_small_pyramid_level():
    from restorer.pyramid import Pyramid, proxy_from_levels

    yy, xx = np.mgrid[0:1500, 0:2600]
    photo = np.zeros((1500, 2600, 4), np.uint8)
    photo[..., 0] = 30 + 180 * xx / 2600
    photo[..., 1] = 60 + 120 * yy / 1500
    photo[..., 2] = 128 + 100 * np.sin(xx / 300.0)
    photo[..., 3] = 255
    pyramid = Pyramid(photo)
    proxy = proxy_from_levels(pyramid.levels, 1200)
    assert max(proxy.shape[:2]) == 1200 and proxy.shape[2] == 4
    assert abs(proxy.shape[1] / proxy.shape[0] - 2600 / 1500) < 0.01
    small = proxy_from_levels(pyramid.levels, 5000)  # larger than the photo: the photo
    assert np.array_equal(small, photo) and small is not photo
    # A curve measured on the proxy is close to one measured on the photo.
    on_proxy = auto_levels(proxy[..., :3]).table.astype(int)
    on_photo = auto_levels(photo[..., :3]).table.astype(int)
    assert np.abs(on_proxy - on_photo).max() <= 3
