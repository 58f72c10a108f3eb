"""The models folder: add -> detect -> describe, list, remove, duplicates, ids."""

from __future__ import annotations

import json
import os

import pytest
from _model_files import denoise_module, save_pth, save_safetensors, save_torchscript, sr_module

from restorer import catalog, models
from restorer.catalog import registry
from restorer.errors import ModelError
from restorer.models.info import id_from_name
from restorer.models.store import sha256_of


@pytest.fixture(autouse=True)
def _fresh_engine_list():
    registry().refresh()  # each test has its own models folder
    yield
    registry().refresh()


@pytest.mark.parametrize("kind", ["safetensors", "pth", "torchscript"])
def test_add_detects_and_copies_a_super_resolution_model(tmp_path, kind):
    module = sr_module(scale=2)
    source = {
        "safetensors": lambda: save_safetensors(module, tmp_path / "Tiny SR x2.safetensors"),
        "pth": lambda: save_pth(module, tmp_path / "Tiny SR x2.pth"),
        "torchscript": lambda: save_torchscript(module, tmp_path / "Tiny SR x2.pt"),
    }[kind]()

    info = catalog.add_model(source)

    assert info.id == "tiny-sr-x2"
    assert info.architecture == "Compact"
    assert info.purpose == "super-resolution"
    assert info.scale == 2
    assert info.file_format == {"pth": "pickle"}.get(kind, kind)
    assert info.sha256 == sha256_of(source)
    assert info.size_bytes == source.stat().st_size
    assert info.supports_half and info.supports_bfloat16
    assert info.source_name == source.name
    stored = info.model_path
    assert stored.parent == models.models_dir()
    assert stored.read_bytes() == source.read_bytes()
    sidecar = json.loads((models.models_dir() / f"{info.id}.model.json").read_text())
    assert sidecar["architecture"] == "Compact" and sidecar["sha256"] == info.sha256
    assert [m.id for m in models.list()] == ["tiny-sr-x2"]
    assert models.get("tiny-sr-x2") == info


def test_restoration_model_is_described(tmp_path):
    info = catalog.add_model(save_pth(denoise_module(), tmp_path / "dncnn.pth", wrap=True))
    assert (info.architecture, info.purpose, info.scale) == ("DnCNN", "restoration", 1)
    assert info.is_filter and not info.is_inpainting
    assert info.parameters > 0


def test_duplicate_is_refused_by_content(tmp_path):
    first = save_safetensors(sr_module(), tmp_path / "a.safetensors")
    info = catalog.add_model(first)
    copy = tmp_path / "renamed.safetensors"
    copy.write_bytes(first.read_bytes())
    before = sorted(os.listdir(models.models_dir()))
    with pytest.raises(ModelError, match=f"already in the models folder as '{info.id}'"):
        catalog.add_model(copy)
    assert sorted(os.listdir(models.models_dir())) == before


def test_ids_are_unique_and_never_shadow_an_engine(tmp_path):
    a = catalog.add_model(save_safetensors(sr_module(2), tmp_path / "model.safetensors"))
    (tmp_path / "other").mkdir()
    b = catalog.add_model(save_safetensors(sr_module(4), tmp_path / "other" / "model.safetensors"))
    c = catalog.add_model(save_safetensors(denoise_module(), tmp_path / "telea.safetensors"))
    assert (a.id, b.id, c.id) == ("model", "model-2", "telea-2")
    assert registry().get("telea").id == "telea"


def test_the_store_takes_the_ids_in_use_from_its_caller(tmp_path):
    from restorer.models import store

    taken = store.add(
        save_safetensors(sr_module(2), tmp_path / "opencv.safetensors"), taken_ids=["opencv"]
    )
    free = store.add(save_safetensors(sr_module(4), tmp_path / "telea.safetensors"))
    assert (taken.id, free.id) == ("opencv-2", "telea")  # the store knows no engine by itself
    assert taken.model_path == models.models_dir() / "opencv-2.safetensors"
    assert taken.model_path.is_file() and free.model_path.is_file()


def test_id_from_name():
    assert id_from_name("RealESRGAN_x4plus.pth") == "realesrgan_x4plus"
    assert id_from_name("My Model (v2).safetensors") == "my-model-v2"
    assert id_from_name("...pth") == "model"


def test_remove_deletes_file_and_description(tmp_path):
    info = catalog.add_model(save_safetensors(sr_module(), tmp_path / "sr.safetensors"))
    removed = catalog.remove_model(info.id)
    assert removed == info
    assert models.list() == []
    assert os.listdir(models.models_dir()) == []
    with pytest.raises(ModelError, match="No model called 'sr'"):
        catalog.remove_model("sr")


def test_missing_file_and_damaged_description_are_reported_not_fatal(tmp_path):
    kept = catalog.add_model(save_safetensors(sr_module(), tmp_path / "kept.safetensors"))
    lost = catalog.add_model(save_safetensors(denoise_module(), tmp_path / "lost.safetensors"))
    lost.model_path.unlink()
    (models.models_dir() / "broken.model.json").write_text("{not json")
    problems: list[str] = []
    assert [m.id for m in models.list_models(problems)] == [kept.id]
    assert any("'lost'" in p and "missing" in p for p in problems)
    assert any("broken.model.json" in p for p in problems)
    catalog.remove_model("lost")  # a model whose file vanished can still be removed
    catalog.remove_model("broken")
    assert sorted(os.listdir(models.models_dir())) == sorted(
        [kept.file_name, f"{kept.id}.model.json"]
    )


def test_missing_source_and_folder_are_clear_errors(tmp_path):
    with pytest.raises(ModelError, match="No such file"):
        catalog.add_model(tmp_path / "absent.pth")
    with pytest.raises(ModelError, match="not a file"):
        catalog.add_model(tmp_path)


def test_add_model_job_reports_progress_and_cancels_cleanly(tmp_path):
    import threading

    from restorer.progress import Cancelled, Progress
    from restorer.workflows.models import AddModelJob

    source = save_safetensors(sr_module(), tmp_path / "sr.safetensors")
    seen: list[str] = []
    info = AddModelJob(source).run(Progress(lambda f, message, p: seen.append(message)))
    assert info.id == "sr"
    assert seen[0] == "Checking sr.safetensors" and seen[-1] == "Added sr"
    assert "Reading sr.safetensors safely" in seen

    cancel = threading.Event()

    def cancel_when_copying(fraction: float, message: str, preview: object) -> None:
        if message.startswith("Recognising"):
            cancel.set()

    other = save_safetensors(denoise_module(), tmp_path / "dn.safetensors")
    before = sorted(os.listdir(models.models_dir()))
    with pytest.raises(Cancelled):
        AddModelJob(other).run(Progress(cancel_when_copying, cancel))
    assert sorted(os.listdir(models.models_dir())) == before
