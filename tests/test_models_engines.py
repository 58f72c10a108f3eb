"""Inpainting models become repair engines: LaMa through the registry and the API."""

from __future__ import annotations

import numpy as np
import pytest
from _model_files import lama_weights, save_safetensors

from restorer import api, catalog
from restorer.catalog import registry
from restorer.errors import OutOfMemoryError
from restorer.models.runtime import Attempt, model_cache, run_with_fallbacks
from restorer.progress import Progress


@pytest.fixture(autouse=True)
def _fresh_engine_list():
    registry().refresh()
    yield
    model_cache().clear()
    registry().refresh()


def _photo(size: int = 64) -> np.ndarray:
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:size, 0:size]
    base = np.stack([x * 3, y * 3, (x + y) * 2], axis=2) % 256
    return (base + rng.integers(0, 20, base.shape)).clip(0, 255).astype(np.uint8)


def test_lama_model_becomes_an_engine_and_fills_only_the_hole(tmp_path):
    source = save_safetensors(lama_weights(), tmp_path / "big-lama.safetensors")
    info = catalog.add_model(source)
    assert (info.architecture, info.purpose, info.scale) == ("LaMa", "inpaint", 1)
    assert info.supports_bfloat16 and not info.supports_half

    engine = registry().get("big-lama")
    assert engine.needs_weights and engine.devices == ("cpu", "cuda")
    assert (engine.requirements.min_side, engine.requirements.multiple_of) == (16, 8)
    assert engine.requirements.max_working_side == 1000
    assert registry().default().id != "big-lama"  # weight-free engines stay the default

    image = _photo(60)  # not a multiple of 8: the model's padding is undone
    mask = np.zeros(image.shape[:2], dtype=bool)
    mask[20:35, 18:40] = True
    messages: list[str] = []
    progress = Progress(lambda fraction, message, preview: messages.append(message))
    result = api.inpaint(image, mask, engine="big-lama", device="cpu", progress=progress)

    assert result.shape == image.shape and result.dtype == np.uint8
    assert np.array_equal(result[~mask], image[~mask])
    assert np.abs(result[mask].astype(int) - image[mask]).mean() > 1
    assert any("on CPU (fp32)" in message for message in messages)
    assert model_cache().loaded() == [("big-lama", "cpu")]  # stays loaded between jobs

    again = api.inpaint(image, mask, engine="big-lama", device="cpu")
    assert np.array_equal(again, result)  # deterministic, and served from the cache

    engine.release()
    assert model_cache().loaded() == []
    catalog.remove_model("big-lama")
    assert "big-lama" not in registry().ids()


def test_out_of_memory_falls_back_and_says_so():
    import torch

    tried: list[str] = []

    def failing(name: str):
        def run(progress: Progress):
            tried.append(name)
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

        return run

    def working(progress: Progress) -> str:
        tried.append("cpu")
        return "done"

    messages: list[str] = []
    progress = Progress(lambda fraction, message, preview: messages.append(message))
    attempts = [
        Attempt("on the GPU in 512-pixel tiles", failing("gpu-512")),
        Attempt("on the GPU in 256-pixel tiles", failing("gpu-256")),
        Attempt("on the CPU in 512-pixel tiles", working),
    ]
    assert run_with_fallbacks(attempts, progress) == "done"
    assert tried == ["gpu-512", "gpu-256", "cpu"]
    assert messages == [
        "Out of memory on the GPU in 512-pixel tiles; retrying on the GPU in 256-pixel tiles",
        "Out of memory on the GPU in 256-pixel tiles; retrying on the CPU in 512-pixel tiles",
    ]
    with pytest.raises(OutOfMemoryError, match="Out of memory even on the GPU"):
        run_with_fallbacks(attempts[:2], Progress())
    with pytest.raises(ValueError):  # other errors are not retried
        run_with_fallbacks([Attempt("x", lambda p: int("x")), attempts[2]], Progress())
