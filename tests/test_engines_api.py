"""Engines, the registry and the Python API."""

from __future__ import annotations

import numpy as np
import pytest

from restorer import api
from restorer.catalog import registry, use_registry
from restorer.devices import resolve_device
from restorer.engines import Engine, EngineRegistry
from restorer.errors import DeviceError, EngineNotFoundError, MaskError, RestorerError
from restorer.progress import Cancelled, Progress
from tests.helpers import gradient_photo, square_mask


@pytest.mark.parametrize("engine_id", ["telea", "navier-stokes"])
def test_opencv_engines_fill_only_the_hole(engine_id):
    image = gradient_photo()
    mask = square_mask(96, 128, 40, 50, 8)
    result = api.inpaint(image, mask, engine=engine_id, device="cpu")
    assert result.shape == image.shape and result.dtype == np.uint8
    assert np.array_equal(result[~mask], image[~mask])
    # The fill continues the smooth surroundings: close to the original, far from black.
    error = np.abs(result[mask].astype(int) - image[mask]).mean()
    assert error < 25
    assert not np.array_equal(result[mask], np.zeros_like(result[mask]))


def test_every_registered_engine_keeps_outside_pixels():
    image = gradient_photo(48, 64)
    mask = square_mask(48, 64, 10, 10, 6)
    for engine in registry().all():
        if engine.needs_weights:
            continue
        result = api.inpaint(image, mask, engine=engine.id, device="cpu")
        assert np.array_equal(result[~mask], image[~mask]), engine.id


def test_default_engine_is_weight_free_and_highest_ranked():
    default = registry().default()
    assert not default.needs_weights
    others = [e for e in registry().all() if not e.needs_weights]
    assert default.rank == max(e.rank for e in others)


def test_mask_accepts_uint8_and_gray_images():
    image = gradient_photo(32, 32)
    mask = np.zeros((32, 32), np.uint8)
    mask[10:14, 10:14] = 200
    result = api.inpaint(image[:, :, 0], mask, engine="telea")
    assert result.shape == (32, 32, 3)
    rgba = np.dstack([image, np.full((32, 32), 255, np.uint8)])
    assert api.inpaint(rgba, mask > 0, engine="telea").shape == (32, 32, 3)


def test_empty_mask_returns_a_copy():
    image = gradient_photo(16, 16)
    result = api.inpaint(image, np.zeros((16, 16), bool), engine="telea")
    assert np.array_equal(result, image) and result is not image


def test_bad_inputs_raise_readable_errors():
    image = gradient_photo(16, 16)
    with pytest.raises(MaskError, match="same size"):
        api.inpaint(image, np.ones((8, 8), bool))
    with pytest.raises(RestorerError, match="shape"):
        api.inpaint(np.zeros((4, 4, 2), np.uint8), np.ones((4, 4), bool))
    with pytest.raises(EngineNotFoundError, match="telea"):
        api.inpaint(image, np.ones((16, 16), bool), engine="no-such-engine")
    with pytest.raises(DeviceError):
        api.inpaint(image, np.ones((16, 16), bool), engine="telea", device="tpu")


def test_cuda_request_on_cpu_only_engine_is_refused():
    with pytest.raises(DeviceError, match="CPU only"):
        resolve_device("cuda", ("cpu",))
    assert resolve_device("auto", ("cpu",)) == "cpu"


def test_progress_reports_and_cancels():
    seen = []
    progress = Progress(lambda fraction, message, preview: seen.append((fraction, message)))
    api.inpaint(
        gradient_photo(32, 32), square_mask(32, 32, 8, 8, 4), engine="telea", progress=progress
    )
    assert seen and seen[-1][0] == 1.0
    progress = Progress()
    progress.cancel()
    with pytest.raises(Cancelled):
        api.inpaint(gradient_photo(32, 32), square_mask(32, 32, 8, 8, 4), progress=progress)


def test_progress_spans_nest():
    seen = []
    progress = Progress(lambda fraction, message, preview: seen.append(fraction))
    progress.span(0.5, 1.0).span(0.0, 0.5).update(1.0)
    assert seen == [0.75]


def test_progress_knows_whether_previews_reach_anyone():
    listened = Progress(lambda fraction, message, preview: None)
    silent = Progress()
    assert listened.wants_previews and not silent.wants_previews
    assert listened.span(0.0, 0.5).map_preview(lambda preview: preview).wants_previews
    assert not silent.span(0.2, 0.4).map_preview(lambda preview: preview).wants_previews


def test_engines_use_every_core_unless_the_window_reserves_one(monkeypatch):
    import torch

    from restorer import devices

    monkeypatch.setattr(devices.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(devices, "_reserved_cores", 0)
    assert devices.engine_threads() == 4
    devices.reserve_cores(1)
    assert devices.engine_threads() == 3
    devices.reserve_cores(9)
    assert devices.engine_threads() == 1
    before = torch.get_num_threads()
    with devices.cpu_threads():
        assert torch.get_num_threads() == min(before, 1)
    assert torch.get_num_threads() == before


class _Dummy(Engine):
    id = "dummy"
    label = "Dummy"

    def inpaint(self, image, mask, progress, *, device="cpu", seed=0):
        return np.zeros_like(image)


def test_registry_refuses_duplicate_ids_and_lists_providers():
    reg = EngineRegistry()
    reg.register(_Dummy())
    with pytest.raises(ValueError, match="already registered"):
        reg.register(_Dummy())

    class _Model(_Dummy):
        id = "model-x"
        needs_weights = True

    released = []

    class _Tracked(_Model):
        def release(self):
            released.append(self.id)

    provided = [_Tracked()]
    reg.add_provider(lambda: list(provided))
    assert reg.ids() == ["dummy", "model-x"]
    assert reg.default().id == "dummy"  # models never become the silent default
    provided.clear()
    reg.refresh()
    assert reg.ids() == ["dummy"] and released == ["model-x"]


def test_resolve_picks_the_default_for_none_and_a_swapped_registry_serves_the_api():
    before = registry()
    assert before.resolve(None) is before.default()
    assert before.resolve("telea").id == "telea"
    with pytest.raises(EngineNotFoundError, match="No engine called 'nope'"):
        before.resolve("nope")

    calls = []

    class _Recording(_Dummy):
        def inpaint(self, image, mask, progress, *, device="cpu", seed=0):
            calls.append(image.shape)
            return super().inpaint(image, mask, progress, device=device, seed=seed)

    only_dummy = EngineRegistry()
    only_dummy.register(_Recording())
    image = gradient_photo()
    mask = square_mask(96, 128, 40, 50, 8)
    with use_registry(only_dummy):
        assert registry() is only_dummy
        result = api.inpaint(image, mask, device="cpu")  # the default: the dummy engine
        with pytest.raises(EngineNotFoundError, match="Available: dummy"):
            api.inpaint(image, mask, engine="telea", device="cpu")
    assert registry() is before
    assert np.array_equal(result[~mask], image[~mask])
    assert len(calls) == 1  # the dummy filled the hole; the refused call reached no engine
