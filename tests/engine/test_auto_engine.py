"""The auto engine: each brushed area goes to the engine for its shape."""

from __future__ import annotations

import cv2
import numpy as np

from restorer import api
from restorer.catalog import builtin_engines, registry, use_registry
from restorer.engines import EngineRegistry
from restorer.engines.auto import AutoEngine, split_by_shape
from restorer.engines.opencv import NavierStokesEngine, TeleaEngine
from restorer.engines.patchmatch import PatchMatchEngine
from restorer.progress import Progress


def _photo(height: int = 96, width: int = 128) -> np.ndarray:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    image = np.dstack(
        [128 + 90 * np.sin(xx / 9), 128 + 90 * np.cos(yy / 7), 255 * (xx + yy) / (height + width)]
    )
    return np.clip(image + rng.normal(0, 5, image.shape), 0, 255).astype(np.uint8)


def _damage(height: int = 96, width: int = 128) -> dict[str, np.ndarray]:
    scratch = np.zeros((height, width), np.uint8)
    cv2.line(scratch, (5, 80), (120, 60), 255, 3)
    speck = np.zeros((height, width), bool)
    speck[10:13, 100:103] = True  # a 3x3 dust speck
    blob = np.zeros((height, width), bool)
    blob[15:45, 20:55] = True  # an object
    edge = np.zeros((height, width), bool)
    edge[:, 0:2] = True  # a thin line along the photo's border
    return {"scratch": scratch > 0, "speck": speck, "blob": blob, "edge": edge}


def test_split_by_shape_tells_specks_scratches_and_objects_apart():
    parts = _damage()
    mask = parts["scratch"] | parts["speck"] | parts["blob"] | parts["edge"]
    split = split_by_shape(mask)
    assert np.array_equal(split.specks, parts["speck"])
    assert np.array_equal(split.thin, parts["scratch"] | parts["edge"])
    assert np.array_equal(split.objects, parts["blob"])
    assert not (split.specks & split.thin).any() and not (split.thin & split.objects).any()
    wide = np.zeros((40, 80), np.uint8)
    cv2.line(wide, (5, 20), (75, 20), 255, 12)
    assert split_by_shape(wide > 0).objects.sum() == (wide > 0).sum()
    empty = split_by_shape(np.zeros((5, 5), bool))
    assert not (empty.specks.any() or empty.thin.any() or empty.objects.any())


class _Recorder:
    """Wraps a real engine class, keeping the masks it was given."""

    @staticmethod
    def wrap(engine_class, seen: dict[str, list[int]]):
        class Recording(engine_class):
            def inpaint(self, image, mask, progress, *, device="cpu", seed=0):
                seen.setdefault(self.id, []).append(int(mask.sum()))
                return super().inpaint(image, mask, progress, device=device, seed=seed)

        return Recording()


class _FlatModel(NavierStokesEngine):
    """An engine that says it needs weights (as inpainting models do) and fills flat grey."""

    id = "flat-model"
    label = "Flat model (test)"
    needs_weights = True

    def inpaint(self, image, mask, progress, *, device="cpu", seed=0):
        out = image.copy()
        out[mask] = 77
        return out


def _registry(seen, model: bool = False) -> EngineRegistry:
    from restorer.catalog import _run_in_regions

    fresh = EngineRegistry()
    fresh.register(AutoEngine(lambda: fresh.all(), run=_run_in_regions))
    fresh.register(_Recorder.wrap(PatchMatchEngine, seen))
    fresh.register(_Recorder.wrap(TeleaEngine, seen))
    fresh.register(_Recorder.wrap(NavierStokesEngine, seen))
    if model:
        fresh.register(_FlatModel())
    return fresh


def test_auto_sends_each_area_to_its_engine_and_keeps_the_rest():
    image = _photo()
    parts = _damage()
    mask = parts["scratch"] | parts["speck"] | parts["blob"]
    seen: dict[str, list[int]] = {}
    with use_registry(_registry(seen)):
        result = api.inpaint(image, mask, engine="auto", device="cpu")
    assert np.array_equal(result[~mask], image[~mask])
    assert not np.array_equal(result[mask], image[mask])
    # The speck went to Navier-Stokes alone; the scratch and the object to PatchMatch.
    assert seen["navier-stokes"] == [9] and "telea" not in seen
    assert sum(seen["patchmatch"]) == int((parts["scratch"] | parts["blob"]).sum())


def test_auto_gives_objects_to_an_installed_model_and_thin_damage_to_patchmatch():
    image = _photo()
    parts = _damage()
    mask = parts["scratch"] | parts["blob"]
    seen: dict[str, list[int]] = {}
    with use_registry(_registry(seen, model=True)) as fresh:
        auto = fresh.get("auto")
        assert auto.choices()["objects"].id == "flat-model"
        result = auto.inpaint(image, mask, Progress(), device="cpu")
    assert (result[parts["blob"]] == 77).all()  # the model filled the object
    assert not (result[parts["scratch"]] == 77).all()
    assert seen["patchmatch"] == [int(parts["scratch"].sum())]
    assert np.array_equal(result[~mask], image[~mask])


def test_auto_is_the_default_and_every_engine_has_a_plain_name():
    fresh = EngineRegistry()
    for engine in builtin_engines():
        fresh.register(engine)
    assert fresh.default().id == "auto"
    labels = {engine.id: engine.label for engine in fresh.all()}
    assert labels["patchmatch"].startswith("Best for objects")
    assert labels["telea"].startswith("Fast for thin scratches")
    assert labels["auto"].startswith("Auto")
    assert registry().resolve(None).id == "auto"


def test_auto_previews_land_in_the_whole_crop():
    image = _photo()
    mask = _damage()["blob"]
    previews = []

    def listen(fraction, message, preview):
        if preview is not None:
            previews.append(preview)

    with use_registry(_registry({})) as fresh:
        progress = Progress(listen)
        fresh.get("auto").inpaint(image, mask, progress, device="cpu")
    assert previews and all(p.shape == image.shape for p in previews)
