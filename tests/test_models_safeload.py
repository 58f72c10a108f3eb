"""Model files are read without running code: safetensors, pickles, TorchScript."""

from __future__ import annotations

import io
import os
import pickle
import warnings

import pytest
import torch
from _model_files import (
    denoise_module,
    replace_data_pickle,
    save_pth,
    save_safetensors,
    save_torchscript,
    sr_module,
    write_malicious_checkpoint,
    write_malicious_pickle,
    write_malicious_torchscript,
)

from restorer import catalog, models
from restorer.errors import ModelError, UnsafeModelError
from restorer.models.pickle_scan import globals_in_pickle, unsafe_globals
from restorer.models.safeload import read_weights
from restorer.models.torchscript import read_torchscript_weights


def _same_tensors(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("kind", ["safetensors", "pth", "pth-legacy", "pth-wrapped", "torchscript"])
def test_every_format_reads_the_same_weights(tmp_path, kind):
    module = sr_module()
    if kind == "safetensors":
        path = save_safetensors(module, tmp_path / "sr.safetensors")
    elif kind == "torchscript":
        path = save_torchscript(module, tmp_path / "sr.pt")
    else:
        path = save_pth(
            module, tmp_path / "sr.pth", legacy=kind == "pth-legacy", wrap=kind == "pth-wrapped"
        )
    weights, file_format = read_weights(path)
    assert _same_tensors(weights, module.state_dict())
    assert file_format == {"safetensors": "safetensors", "torchscript": "torchscript"}.get(
        kind, "pickle"
    )


def test_torchscript_reader_matches_jit_state_dict(tmp_path):
    class Scripted(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 4, 3)
            self.norm = torch.nn.BatchNorm2d(4)
            self.blocks = torch.nn.ModuleList([torch.nn.Conv2d(4, 4, 1) for _ in range(2)])
            self.register_buffer("shift", torch.arange(4.0), persistent=False)
            self.plain_attribute = torch.zeros(2)  # not a parameter or buffer

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.norm(self.conv(x))
            for block in self.blocks:
                y = block(y)
            return y + self.shift.view(1, 4, 1, 1) + self.plain_attribute.sum()

    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.script(Scripted()).save(str(tmp_path / "scripted.pt"))
        expected = torch.jit.load(str(tmp_path / "scripted.pt")).state_dict()
    assert _same_tensors(read_torchscript_weights(tmp_path / "scripted.pt"), dict(expected))


def test_pickle_scan_names_globals_without_importing_them():
    payload = pickle.dumps({"a": os.system}, protocol=4)  # STACK_GLOBAL form
    found = globals_in_pickle(payload)
    assert ("posix", "system") in found or ("nt", "system") in found
    assert unsafe_globals(found)
    buffer = io.BytesIO()
    torch.save({"w": torch.zeros(2)}, buffer, _use_new_zipfile_serialization=False)
    found = globals_in_pickle(buffer.getvalue(), max_pickles=5)
    assert ("torch._utils", "_rebuild_tensor_v2") in found
    assert not unsafe_globals(found)
    # Plain pickling of a tensor goes through torch.load without weights_only: unsafe.
    assert unsafe_globals(globals_in_pickle(pickle.dumps(torch.zeros(2))))


@pytest.mark.parametrize("variant", ["plain-pickle", "checkpoint", "legacy-checkpoint"])
def test_malicious_pickle_is_refused_and_never_runs(tmp_path, variant):
    target = tmp_path / "created_by_payload"
    source = tmp_path / "evil.pth"
    if variant == "plain-pickle":
        write_malicious_pickle(source, target)
        # The payload is real: a plain pickle.load would create the file.
        pickle.loads(source.read_bytes())
        assert target.exists()
        target.unlink()
    else:
        write_malicious_checkpoint(source, target, legacy=variant == "legacy-checkpoint")
    before = sorted(os.listdir(models.models_dir()))

    with pytest.raises(UnsafeModelError) as refused:
        catalog.add_model(source)

    assert not target.exists()
    assert "evil.pth was refused" in str(refused.value)
    assert "io.open" in str(refused.value)
    assert sorted(os.listdir(models.models_dir())) == before


def test_malicious_torchscript_is_refused_and_never_runs(tmp_path):
    target = tmp_path / "created_by_torchscript"
    source = write_malicious_torchscript(tmp_path / "evil.pt", target)
    # The payload is real: torch.jit.load runs the archive's __setstate__, which
    # creates and writes the file. This is why Restorer never calls torch.jit.load.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.load(str(source))
    assert target.read_bytes() == b"A" * 16
    target.unlink()
    before = sorted(os.listdir(models.models_dir()))

    with pytest.raises(UnsafeModelError) as refused:
        catalog.add_model(source)

    assert not target.exists()
    assert "__setstate__" in str(refused.value)
    assert sorted(os.listdir(models.models_dir())) == before


def test_torchscript_with_a_python_payload_is_refused(tmp_path):
    target = tmp_path / "created"
    archive = save_torchscript(denoise_module(), tmp_path / "good.pt")
    evil = replace_data_pickle(archive, tmp_path / "evil.pt", target)
    with pytest.raises(UnsafeModelError) as refused:
        read_weights(evil)
    assert "io.open" in str(refused.value)
    assert not target.exists()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("random.pth", os.urandom(4096), "not a model file"),
        (
            "random.safetensors",
            b"\x10\x00\x00\x00\x00\x00\x00\x00{nonsense}" + os.urandom(64),
            "not a valid safetensors",
        ),
        ("notes.txt", b"just text", "not a model file Restorer reads"),
        ("photo.pt", b"\x89PNG\r\n\x1a\n" + os.urandom(100), "not a model file"),
        ("empty.ckpt", b"", "not a model file"),
        ("truncated.pth", b"\x80\x04\x95", "not a readable PyTorch checkpoint"),
    ],
)
def test_files_that_are_not_models_get_a_clear_message(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    before = sorted(os.listdir(models.models_dir()))
    with pytest.raises(ModelError) as refused:
        catalog.add_model(path)
    assert expected in str(refused.value)
    assert name in str(refused.value)
    assert not isinstance(refused.value, UnsafeModelError)
    assert sorted(os.listdir(models.models_dir())) == before


def test_unknown_architecture_is_refused(tmp_path):
    path = save_safetensors({"encoder.w": torch.zeros(4, 4)}, tmp_path / "mystery.safetensors")
    with pytest.raises(ModelError, match="architecture Restorer does not recognise"):
        catalog.add_model(path)
    assert list(models.models_dir().iterdir()) == []


def test_zip_that_is_not_a_checkpoint_is_refused(tmp_path):
    import zipfile

    path = tmp_path / "archive.pth"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ModelError, match="zip archive but not a PyTorch model"):
        catalog.add_model(path)
