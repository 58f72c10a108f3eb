"""Sampling is deterministic per seed, interpolation ends on the seeds' own samples, the
generator upsamples without transposed convolutions, SWD and the copy check behave."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from restorer.generate.config import GanConfig
from restorer.generate.gan import TrainJob, evaluate, interpolate, sample
from restorer.generate.memorisation import check_memorisation
from restorer.generate.networks import Generator
from restorer.generate.sampling import grid
from restorer.generate.swd import swd
from restorer.progress import Progress
from tests.support.gan import single_torch_thread, tiny_config, tiny_folder  # noqa: F401


@pytest.fixture(scope="module")
def _trained_once(tmp_path_factory):
    root = tmp_path_factory.mktemp("trained")
    folder = tiny_folder(root / "pictures")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RESTORER_DATA_DIR", str(root / "data"))
        TrainJob(folder, "tiny", 3, tiny_config(size=16)).run(Progress())
    return root


@pytest.fixture
def trained(_trained_once, monkeypatch):
    """The pictures folder of a generator 'tiny' trained 3 steps (trained once per module)."""
    monkeypatch.setenv("RESTORER_DATA_DIR", str(_trained_once / "data"))
    return _trained_once / "pictures"


def test_same_seed_same_pictures_and_first_picture_independent_of_count(trained):
    a = sample("tiny", 5, seed=7)
    assert a.shape == (5, 16, 16, 3) and a.dtype == np.uint8
    assert np.array_equal(a, sample("tiny", 5, seed=7))
    assert not np.array_equal(a, sample("tiny", 5, seed=8))
    assert np.abs(sample("tiny", 1, seed=7)[0].astype(int) - a[0]).max() <= 1


def test_interpolation_starts_and_ends_on_the_seeds_samples(trained):
    frames = interpolate("tiny", 3, 9, 6)
    assert frames.shape == (6, 16, 16, 3)
    start, end = sample("tiny", 1, seed=3)[0], sample("tiny", 1, seed=9)[0]
    assert np.abs(frames[0].astype(int) - start).max() <= 1
    assert np.abs(frames[-1].astype(int) - end).max() <= 1
    assert not np.array_equal(frames[2], frames[0])


def test_generator_has_no_transposed_convolutions():
    generator = Generator(GanConfig(size=64))
    assert not any(isinstance(m, torch.nn.ConvTranspose2d) for m in generator.modules())
    assert generator(torch.zeros(2, 128)).shape == (2, 3, 64, 64)


def _blobs(seed: int, count: int = 48, size: int = 16, smooth: bool = True) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if not smooth:
        return rng.integers(0, 256, (count, size, size, 3), dtype=np.uint8)
    yy, xx = np.mgrid[0:size, 0:size]
    images = []
    for _ in range(count):
        cy, cx, r = rng.uniform(4, 12), rng.uniform(4, 12), rng.uniform(3, 6)
        colour = rng.integers(60, 256, 3)
        disc = ((yy - cy) ** 2 + (xx - cx) ** 2 < r * r)[..., None]
        images.append(np.where(disc, colour, 20).astype(np.uint8))
    return np.stack(images)


def test_swd_is_zero_for_a_set_with_itself_and_ranks_similar_below_different():
    real = _blobs(0)
    assert swd(real, real).mean == pytest.approx(0.0, abs=1e-6)
    similar = swd(_blobs(1), real).mean
    different = swd(_blobs(2, smooth=False), real).mean
    assert 0 < similar < different
    assert swd(_blobs(1), real).mean == similar  # deterministic


def test_memorisation_flags_exact_copies_only():
    training = _blobs(0)
    fresh = _blobs(5, count=6)
    samples = np.concatenate([fresh, training[[3, 10]]])
    report = check_memorisation(samples, training)
    assert list(report.copies) == [6, 7]
    assert list(report.nearest[6:]) == [3, 10]
    assert report.distances[6] == pytest.approx(0.0, abs=1e-3)
    assert "2 of 8 samples are near-copies" in report.summary()


def test_evaluate_reports_swd_and_nearest_training_picture(trained):
    result = evaluate("tiny", trained, count=16)
    assert result.step == 3 and result.swd > 0 and len(result.swd_levels) == 1
    assert len(result.memorisation.nearest) == 16


def test_grid_lays_images_out_with_gaps():
    images = np.full((5, 4, 4, 3), 200, np.uint8)
    out = grid(images, gap=1)
    assert out.shape == (4 * 2 + 1, 4 * 3 + 2, 3)  # 3 columns, 2 rows
    assert (out[:4, :4] == 200).all() and (out[4, :] == 24).all()
