"""Restore filters: super-resolution and restoration models, tiled, masked, cancellable."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from _model_files import (
    denoise_module,
    pretend_gpu_out_of_memory,
    save_pth,
    save_safetensors,
    save_torchscript,
    sr_module,
)

from restorer import catalog, models
from restorer.errors import ModelError
from restorer.filters import FilterJob, ImageResult, apply_filter, feathered_alpha, filter_models
from restorer.jobs import PatchResult
from restorer.models.runtime import model_cache
from restorer.models.tiling import edge_ramp, tile_starts
from restorer.progress import Cancelled, Progress


@pytest.fixture(autouse=True)
def _no_models_kept():
    yield
    model_cache().clear()


def _photo(height: int = 90, width: int = 110) -> np.ndarray:
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 2, y * 2, (x * y) % 200], axis=2).astype(float)
    return np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)


@pytest.fixture
def sr_model(tmp_path):
    return catalog.add_model(save_safetensors(sr_module(scale=2), tmp_path / "sr-x2.safetensors"))


@pytest.fixture
def denoise_model(tmp_path):
    return catalog.add_model(save_pth(denoise_module(), tmp_path / "dncnn.pth"))


def _messages() -> tuple[Progress, list[tuple[float, str]]]:
    seen: list[tuple[float, str]] = []
    return Progress(lambda fraction, message, preview: seen.append((fraction, message))), seen


def test_super_resolution_enlarges_by_its_scale(sr_model):
    image = _photo()
    result = apply_filter(image, sr_model.id, device="cpu")
    assert result.shape == (180, 220, 3) and result.dtype == np.uint8
    assert filter_models() == [sr_model]


@pytest.mark.parametrize("model", ["sr_model", "denoise_model"])
def test_tiled_result_equals_untiled(request, model):
    info = request.getfixturevalue(model)
    image = _photo()
    whole = apply_filter(image, info.id, device="cpu", tile=0)
    progress, seen = _messages()
    tiled = apply_filter(image, info.id, progress, device="cpu", tile=64)
    assert tiled.shape == whole.shape
    assert np.abs(tiled.astype(int) - whole.astype(int)).max() <= 1
    count = len(tile_starts(90, 64, 32)) * len(tile_starts(110, 64, 32))
    assert count == 6
    tile_messages = [m for _, m in seen if f" of {count}" in m]
    assert len(tile_messages) == count + 1  # before the first tile, then after each
    assert tile_messages[-1].endswith(f"tile {count} of {count}")
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)


def test_restoration_changes_only_the_masked_area(denoise_model):
    image = _photo()
    mask = np.zeros(image.shape[:2], dtype=bool)
    mask[30:60, 40:90] = True
    result = apply_filter(image, denoise_model.id, device="cpu", region_mask=mask)
    assert result.shape == image.shape
    assert np.array_equal(result[~mask], image[~mask])
    whole = apply_filter(image, denoise_model.id, device="cpu")
    core = np.zeros_like(mask)
    core[40:50, 50:80] = True  # far from the feathered edge: the full filter result
    assert np.array_equal(result[core], whole[core])
    assert not np.array_equal(result[mask], image[mask])


def test_a_soft_mask_blends_the_filter_by_its_coverage(denoise_model):
    image = _photo()
    coverage = np.zeros(image.shape[:2], dtype=np.uint8)
    coverage[30:60, 40:90] = 255
    coverage[30:60, 86:90] = 100  # a soft right edge
    coverage[30:60, 84:86] = 200
    result = apply_filter(image, denoise_model.id, device="cpu", region_mask=coverage)
    whole = apply_filter(image, denoise_model.id, device="cpu").astype(int)
    before, after = image.astype(int), result.astype(int)
    outside = coverage == 0
    assert np.array_equal(result[outside], image[outside])  # untouched outside
    full = coverage == 255
    assert np.array_equal(after[full], whole[full])  # the full result inside, no feather
    for value in (100, 200):  # partly in at the edge, by coverage
        edge = coverage == value
        expected = (whole[edge] * value + before[edge] * (255 - value)) / 255
        assert np.abs(after[edge] - expected).max() <= 1
        assert not np.array_equal(result[edge], image[edge])


def test_super_resolution_on_an_area_keeps_the_photo_size(sr_model):
    image = _photo()
    mask = np.zeros(image.shape[:2], dtype=bool)
    mask[10:40, 10:50] = True
    result = apply_filter(image, sr_model.id, device="cpu", region_mask=mask)
    assert result.shape == image.shape
    assert np.array_equal(result[~mask], image[~mask])
    assert not np.array_equal(result[mask], image[mask])


def test_empty_mask_changes_nothing(denoise_model):
    image = _photo()
    empty = np.zeros(image.shape[:2], dtype=bool)
    assert np.array_equal(apply_filter(image, denoise_model.id, region_mask=empty), image)
    assert FilterJob(image, denoise_model.id, mask=empty).run(Progress()) is None


def test_gray_model_filters_a_colour_photo(tmp_path):
    info = catalog.add_model(
        save_safetensors(denoise_module(channels=1), tmp_path / "gray.safetensors")
    )
    assert (info.input_channels, info.output_channels) == (1, 1)
    image = _photo()
    result = apply_filter(image, info.id, device="cpu", tile=48)
    assert result.shape == image.shape
    # Colour survives: the model works on brightness only.
    assert np.abs(result.astype(int) - image.astype(int)).mean() < 20
    assert np.abs(result[:, :, 0].astype(int) - result[:, :, 2]).mean() > 10


def test_face_model_runs_on_a_square_frame_around_the_mask(tmp_path):
    info = catalog.add_model(save_safetensors(denoise_module(), tmp_path / "face.safetensors"))
    sidecar = models.models_dir() / f"{info.id}.model.json"
    data = json.loads(sidecar.read_text())
    data["purpose"] = "face"  # the face path, with a small real model standing in
    sidecar.write_text(json.dumps(data))
    image = _photo()
    mask = np.zeros(image.shape[:2], dtype=bool)
    mask[20:60, 30:70] = True
    result = apply_filter(image, info.id, device="cpu", region_mask=mask)
    assert result.shape == image.shape
    assert np.array_equal(result[~mask], image[~mask])
    assert not np.array_equal(result[mask], image[mask])
    whole = apply_filter(image, info.id, device="cpu")
    assert whole.shape == image.shape


def test_filter_is_cancellable_between_tiles(sr_model):
    cancel = threading.Event()
    tiles: list[str] = []

    def on_progress(fraction: float, message: str, preview: object) -> None:
        if "tile 2 of" in message:
            tiles.append(message)
            cancel.set()

    with pytest.raises(Cancelled):
        apply_filter(_photo(), sr_model.id, Progress(on_progress, cancel), "cpu", tile=48)
    assert tiles


def test_filter_job_results(sr_model, denoise_model):
    image = _photo()
    grown = FilterJob(image, sr_model.id, device="cpu").run(Progress())
    assert isinstance(grown, ImageResult)
    assert grown.scale == 2 and grown.pixels.shape == (180, 220, 3)
    mask = np.zeros(image.shape[:2], dtype=bool)
    mask[5:20, 60:100] = True
    patch = FilterJob(image, denoise_model.id, device="cpu", mask=mask).run(Progress())
    assert isinstance(patch, PatchResult)
    assert patch.box == (5, 60, 20, 100) and patch.pixels.shape == (15, 40, 3)
    assert patch.engine_id == denoise_model.id and patch.device == "cpu"


def test_models_stay_loaded_and_are_freed(sr_model, denoise_model, tmp_path):
    image = _photo(40, 40)
    apply_filter(image, sr_model.id, device="cpu")
    apply_filter(image, denoise_model.id, device="cpu")
    assert model_cache().loaded() == [(sr_model.id, "cpu"), (denoise_model.id, "cpu")]
    third = catalog.add_model(save_torchscript(sr_module(scale=4), tmp_path / "sr-x4.pt"))
    assert apply_filter(image, third.id, device="cpu").shape == (160, 160, 3)
    assert model_cache().loaded() == [(denoise_model.id, "cpu"), (third.id, "cpu")]
    catalog.remove_model(denoise_model.id)
    assert model_cache().loaded() == [(third.id, "cpu")]


def test_a_model_that_fails_to_load_is_a_model_error(sr_model):
    path = sr_model.model_path
    path.write_bytes(np.random.default_rng(0).bytes(path.stat().st_size))
    with pytest.raises(ModelError, match="not a model file"):
        apply_filter(_photo(), sr_model.id, device="cpu")


def test_inpainting_and_unknown_models_are_not_filters(sr_model):
    with pytest.raises(ModelError, match="No model called 'nope'"):
        apply_filter(_photo(), "nope")


def test_tile_geometry_covers_every_pixel_at_full_weight():
    for length, tile, overlap in [(100, 64, 16), (513, 128, 32), (64, 64, 16), (1000, 512, 32)]:
        starts = tile_starts(length, tile, overlap)
        assert starts[0] == 0 and starts[-1] + min(tile, length) == length
        total = np.zeros(length)
        full = np.zeros(length, dtype=bool)
        for i, start in enumerate(starts):
            end = min(length, start + tile)
            ramp = edge_ramp(end - start, overlap, start > 0, end < length)
            total[start:end] += ramp
            full[start:end] |= ramp == 1.0
            if i:
                assert starts[i - 1] + tile - start >= overlap - 1
        assert full.all() and (total > 0).all()


def test_feathered_alpha_is_zero_outside_and_one_deep_inside():
    mask = np.zeros((40, 40), dtype=bool)
    mask[5:35, 5:35] = True
    alpha = feathered_alpha(mask, feather=6)
    assert (alpha[~mask] == 0).all()
    assert alpha[20, 20] == 1.0 and 0 < alpha[5, 20] < 1


def test_out_of_memory_retries_with_smaller_tiles(sr_model, monkeypatch):
    import torch

    import restorer.filters as filters

    real_run = filters._run_model

    def limited(loaded, pixels):
        if max(pixels.shape[:2]) > 64:
            raise torch.OutOfMemoryError("out of memory (simulated)")
        return real_run(loaded, pixels)

    monkeypatch.setattr(filters, "_run_model", limited)
    image = _photo()
    progress, seen = _messages()
    result = apply_filter(image, sr_model.id, progress, device="cpu", tile=128)
    assert "Out of memory on the CPU in 128-pixel tiles; retrying on the CPU in 64-pixel tiles" in [
        m for _, m in seen
    ]
    monkeypatch.setattr(filters, "_run_model", real_run)
    whole = apply_filter(image, sr_model.id, device="cpu", tile=0)
    assert np.abs(result.astype(int) - whole.astype(int)).max() <= 1


def test_a_job_reports_the_device_it_fell_back_to(sr_model, denoise_model, monkeypatch):
    image = _photo()
    plain = FilterJob(image, denoise_model.id, "cpu").run(Progress())
    assert plain.run.device == "cpu" and not plain.run.fell_back
    pretend_gpu_out_of_memory(monkeypatch)
    progress, seen = _messages()
    patch = FilterJob(image, denoise_model.id, "cuda").run(progress)
    assert any(m.startswith("Out of memory on the GPU") for _, m in seen)
    assert patch.device == "cpu"  # not the GPU that was asked for
    run = patch.run
    assert run.fell_back and run.device == "cpu" and run.precision_label == "fp32"
    assert run.description == f"on the CPU in {run.tile}-pixel tiles"
    bigger = FilterJob(image, sr_model.id, "cuda").run(Progress())
    assert isinstance(bigger, ImageResult) and bigger.device == "cpu" and bigger.run.fell_back
