"""Texture synthesis: seamless, faithful to the exemplar, deterministic, cancellable."""

from __future__ import annotations

import numpy as np
import pytest

from restorer.generate.texture import (
    MAX_OUTPUT_SIDE,
    MIN_EXEMPLAR_SIDE,
    TextureError,
    TextureJob,
    exemplar_box,
    seam_ratio,
    synthesize_texture,
)
from restorer.geometry import Box
from restorer.progress import Cancelled, Progress
from tests.support.helpers import blotches


def stripes(height: int, width: int, period: int, seed: int = 0) -> np.ndarray:
    """Vertical stripes, `period` pixels apart, with a little noise."""
    xs = np.arange(width)
    row = np.where(xs % period < period // 2, 200.0, 60.0)
    noise = np.random.default_rng(seed).normal(0, 6, (height, width, 3))
    image = np.repeat(np.repeat(row[None, :, None], height, 0), 3, 2) + noise
    return np.clip(image, 0, 255).round().astype(np.uint8)


def test_output_has_the_asked_size_and_the_same_seed_gives_the_same_texture():
    exemplar = blotches(40, 48)
    first = synthesize_texture(exemplar, (36, 28), seed=3)
    assert first.shape == (28, 36, 3) and first.dtype == np.uint8
    assert np.array_equal(first, synthesize_texture(exemplar, (36, 28), seed=3))
    assert not np.array_equal(first, synthesize_texture(exemplar, (36, 28), seed=4))


def test_texture_tiles_without_a_seam():
    exemplar = blotches(48, 48, seed=1)
    texture = synthesize_texture(exemplar, (64, 64), seed=0)
    assert seam_ratio(texture) < 1.5
    # The metric does see a seam: a plain crop of the same kind of texture has one.
    assert seam_ratio(blotches(64, 64, seed=2)) > 3
    # And the texture is made of the exemplar's colours, not a blur of them.
    assert texture.std() > 0.7 * exemplar.std()


def test_stripes_keep_their_period():
    period = 8
    texture = synthesize_texture(stripes(40, 48, period), (72, 40), seed=0)
    rows = texture.astype(np.float64).mean(axis=2)
    rows -= rows.mean(axis=1, keepdims=True)
    # Circular autocorrelation of every row (the texture wraps), averaged over the rows.
    spectrum = np.fft.rfft(rows, axis=1)
    correlation = np.fft.irfft(np.abs(spectrum) ** 2, n=72, axis=1).mean(axis=0)
    # Lags short of twice the period: a perfectly periodic texture peaks as high again at
    # every multiple of its period, so only the first peak names the period.
    lags = np.arange(period // 2 + 1, 2 * period - 1)
    assert lags[np.argmax(correlation[lags])] == period
    assert correlation[period] > 0.5 * correlation[0]  # strongly periodic, like the exemplar
    assert correlation[period // 2] < -0.5 * correlation[0]  # not half the period either


def test_progress_reports_levels_with_previews_and_reaches_the_end():
    reports = []
    progress = Progress(lambda fraction, message, preview: reports.append((fraction, preview)))
    synthesize_texture(blotches(64, 64), (48, 40), progress)
    fractions = [fraction for fraction, _ in reports]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    previews = [preview for _, preview in reports if preview is not None]
    assert previews and previews[-1].shape == (40, 48, 3)
    assert min(p.shape[1] for p in previews) == 24  # the coarser level is shown first


def test_cancelling_stops_the_synthesis():
    progress = Progress()
    seen = []

    def report(fraction, message, preview):
        seen.append(fraction)
        if len(seen) == 2:
            progress.cancel()

    progress._callback = report
    with pytest.raises(Cancelled):
        synthesize_texture(blotches(40, 40), (48, 48), progress)
    assert len(seen) == 2


def test_rectangle_and_sizes_are_checked_with_clear_messages():
    assert exemplar_box(10, 5, 40, 30, (100, 80)) == Box(5, 10, 35, 50)
    with pytest.raises(TextureError, match="outside the 100x80 image"):
        exemplar_box(70, 5, 40, 30, (100, 80))
    with pytest.raises(TextureError, match="positive size"):
        exemplar_box(0, 0, 0, 30, (100, 80))
    with pytest.raises(TextureError, match=f"at least {MIN_EXEMPLAR_SIDE}x"):
        exemplar_box(0, 0, 12, 30, (100, 80))
    exemplar = blotches(40, 40)
    with pytest.raises(TextureError, match="too large"):
        synthesize_texture(exemplar, (MAX_OUTPUT_SIDE + 1, 64))
    with pytest.raises(TextureError, match="too small"):
        synthesize_texture(exemplar, (64, 4))


def test_running_out_of_memory_is_a_clear_error(monkeypatch):
    from restorer.errors import OutOfMemoryError
    from restorer.generate import texture

    def exhausted(*args, **kwargs):
        raise RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 9e9")

    monkeypatch.setattr(texture, "_synthesize", exhausted)
    with pytest.raises(OutOfMemoryError, match="A 4096x4096 texture needs more memory"):
        synthesize_texture(blotches(40, 40), (4096, 4096))


def test_job_takes_the_rectangle_of_the_photo():
    photo = np.zeros((60, 80, 4), np.uint8)
    photo[10:50, 20:60, :3] = stripes(40, 40, 8)
    result = TextureJob(photo, Box(10, 20, 50, 60), (40, 32), seed=1, device="cpu").run(Progress())
    assert result.pixels.shape == (32, 40, 3) and result.device == "cpu"
    assert result.pixels.min() > 20  # all from the stripes, none of the black around them
