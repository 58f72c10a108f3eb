"""The model files people have, each through add -> detect -> run on the CPU.

Random-weight files in the format and key layout of each catalog entry (IOPaint's
TorchScript big-lama.pt is in test_model_iopaint_lama.py): LaMa's own
Lightning `best.ckpt` (state_dict with generator/discriminator, hyper_parameters as an
OmegaConf DictConfig, callbacks keyed by ModelCheckpoint), Real-ESRGAN's `params_ema`
RRDBNet, realesr-general's `params` Compact, SCUNet's plain state dict. And training
checkpoints carrying payloads, which stay refused with the payload never run.
"""

from __future__ import annotations

import contextlib
import sys
import types
import typing
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from restorer import api, catalog, models
from restorer.errors import ModelError, UnsafeModelError
from restorer.filters import apply_filter
from tests.support.model_files import lama_weights


@pytest.fixture(autouse=True)
def _fresh_engines():
    from restorer.catalog import registry
    from restorer.models.runtime import model_cache

    registry().refresh()
    yield
    model_cache().clear()
    registry().refresh()


def _photo(size: int = 40) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size]
    return (np.stack([x * 5, y * 4, (x + y) * 3], axis=2) % 256).astype(np.uint8)


def _inpaints(engine_id: str) -> None:
    image = _photo(48)
    mask = np.zeros(image.shape[:2], dtype=bool)
    mask[16:30, 12:34] = True
    result = api.inpaint(image, mask, engine=engine_id, device="cpu")
    assert result.shape == image.shape and np.array_equal(result[~mask], image[~mask])
    assert np.abs(result[mask].astype(int) - image[mask]).mean() > 1


def _stored(info) -> dict[str, torch.Tensor]:
    path = info.model_path
    assert path.suffix == ".safetensors"
    return load_file(str(path))


# -- LaMa's Lightning best.ckpt ----------------------------------------------

_MARKER: list[Path] = []


def _touch_marker(*_args: object) -> None:
    """What the training classes' own code does here: leave a trace if it ever runs."""
    _MARKER[0].write_text("ran")


def _class_in(module: str, name: str, **body) -> type:
    cls = type(name, (), {"__module__": module, **body})
    cls.__qualname__ = name
    return cls


@contextlib.contextmanager
def _training_classes():
    """Stand-ins for pytorch_lightning / omegaconf classes, importable only while saving.

    Their __setstate__ / __init__ create the marker file: if Restorer ever imported or
    called them, the marker would appear.
    """
    body = {"__setstate__": lambda self, state: _touch_marker(), "__init__": _touch_marker}
    classes = {
        "pytorch_lightning.callbacks.model_checkpoint": ["ModelCheckpoint"],
        "omegaconf.dictconfig": ["DictConfig"],
        "omegaconf.base": ["ContainerMetadata"],
        "omegaconf.nodes": ["AnyNode"],
    }
    made: dict[str, type] = {}
    saved = {}
    for module, names in classes.items():
        parts = module.split(".")
        for depth in range(1, len(parts) + 1):
            name = ".".join(parts[:depth])
            saved.setdefault(name, sys.modules.get(name))
            sys.modules[name] = sys.modules.get(name) or types.ModuleType(name)
        for cls_name in names:
            cls = _class_in(module, cls_name, **body)
            setattr(sys.modules[module], cls_name, cls)
            made[cls_name] = cls
    try:
        yield made
    finally:
        for name, previous in saved.items():
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous


def _instance(cls: type, state: dict) -> object:
    """An object pickled as NEWOBJ + BUILD(state), as omegaconf's containers are."""
    obj = object.__new__(cls)
    obj.__dict__.update(state)
    return obj


def _lightning_lama_checkpoint(path: Path, extra: dict | None = None) -> Path:
    """A checkpoint shaped like LaMa's best.ckpt (PyTorch Lightning 1.x)."""
    generator = {"generator." + k[len("model.") :]: v for k, v in lama_weights().items()}
    state = OrderedDict(generator)
    torch.manual_seed(9)
    state["discriminator.model0.0.weight"] = torch.randn(8, 3, 4, 4)
    state["loss_resnet_pl.impl.conv1.weight"] = torch.randn(4, 3, 3, 3)
    with _training_classes() as cls:
        metadata = _instance(
            cls["ContainerMetadata"],
            {"ref_type": typing.Any, "object_type": dict, "key_type": typing.Any, "flags": {}},
        )
        node = _instance(cls["AnyNode"], {"_val": "lama-fourier", "_metadata": None})
        config = _instance(
            cls["DictConfig"],
            {"_metadata": metadata, "_parent": None, "_content": {"kind": node}},
        )
        checkpoint = {
            "epoch": 39,
            "global_step": 400000,
            "pytorch-lightning_version": "1.2.9",
            "state_dict": state,
            "callbacks": {
                cls["ModelCheckpoint"]: {
                    "best_model_score": torch.tensor(0.91),
                    "best_model_path": "/experiments/best.ckpt",
                }
            },
            "optimizer_states": [
                {"state": {0: {"exp_avg": torch.zeros(3)}}, "param_groups": [{"lr": 1e-3}]}
            ],
            "lr_schedulers": [],
            "hparams_name": "config",
            "hyper_parameters": config,
            **(extra or {}),
        }
        torch.save(checkpoint, path)
    return path


def test_lama_lightning_checkpoint_keeps_only_the_generator(tmp_path):
    _MARKER[:] = [tmp_path / "training-code-ran"]
    source = _lightning_lama_checkpoint(tmp_path / "best.ckpt")

    info = catalog.add_model(source)

    assert not _MARKER[0].exists()  # no training class was imported or called
    assert (info.architecture, info.purpose) == ("LaMa", "inpaint")
    assert info.file_format == "training-checkpoint" and info.source_name == "best.ckpt"
    assert "generator" in info.conversion and "dropped 2" in info.conversion
    stored = _stored(info)
    assert not any(k.startswith(("discriminator", "loss_")) for k in stored)
    expected = lama_weights()["model.model.1.ffc.convl2l.weight"]
    assert torch.equal(stored["model.model.1.ffc.convl2l.weight"], expected)
    assert len(stored) == len(lama_weights())
    _inpaints(info.id)


class _RunsCode:
    """Unpickling this calls `open(target, 'w')`."""

    def __init__(self, target: Path) -> None:
        self.target = str(target)

    def __reduce__(self):
        return (open, (self.target, "w"))


def _lightning_named_payload(target: Path):
    """A function pretending to live in Lightning's checkpoint module."""

    def save_checkpoint(path: str) -> None:
        Path(path).write_text("ran")

    save_checkpoint.__module__ = "pytorch_lightning.callbacks.model_checkpoint"
    save_checkpoint.__qualname__ = "save_checkpoint"
    sys.modules["pytorch_lightning.callbacks.model_checkpoint"].save_checkpoint = save_checkpoint

    class Hidden:
        def __reduce__(self):
            return (save_checkpoint, (str(target),))

    return Hidden()


@pytest.mark.parametrize("where", ["hyper_parameters", "callbacks", "state_dict", "lightning"])
def test_payloads_inside_lightning_shaped_checkpoints_stay_refused(tmp_path, where):
    _MARKER[:] = [tmp_path / "training-code-ran"]
    target = tmp_path / "payload-ran"
    path = tmp_path / "best.ckpt"
    small = OrderedDict({"generator.model.1.bn_l.running_mean": torch.zeros(4)})
    with _training_classes() as cls:
        payload = _lightning_named_payload(target) if where == "lightning" else _RunsCode(target)
        checkpoint = {
            "state_dict": small,
            "callbacks": {cls["ModelCheckpoint"]: {"best_model_path": "x"}},
            "hyper_parameters": {"lr": 0.001},
        }
        if where == "state_dict":
            small["generator.evil"] = payload
        elif where == "callbacks":
            checkpoint["callbacks"][cls["ModelCheckpoint"]]["dirpath"] = payload
        else:
            checkpoint["hyper_parameters"]["training_model"] = payload
        torch.save(checkpoint, path)

    with pytest.raises(UnsafeModelError, match="was refused") as refused:
        catalog.add_model(path)

    assert "Nothing from it was run" in str(refused.value)
    named = "model_checkpoint.save_checkpoint" if where == "lightning" else "open"
    assert named in str(refused.value)
    assert not target.exists() and not _MARKER[0].exists()
    assert models.list() == [] and list(models.models_dir().glob("*.safetensors")) == []


def test_a_training_checkpoint_without_weights_is_a_clear_error(tmp_path):
    _MARKER[:] = [tmp_path / "training-code-ran"]
    path = tmp_path / "odd.ckpt"
    with _training_classes() as cls:
        torch.save({"callbacks": {cls["ModelCheckpoint"]: {}}, "epoch": 3}, path)
    with pytest.raises(ModelError, match="without weights"):
        catalog.add_model(path)
    assert not _MARKER[0].exists()


def test_params_ema_beside_training_objects_and_plain_sets_still_load(tmp_path):
    """A BasicSR-style file with a callback object beside its weights goes through the
    training reader; a plain file holding a set beside them loads too."""
    _MARKER[:] = [tmp_path / "training-code-ran"]
    with _training_classes() as cls:
        torch.save(
            {**_compact_params(), "callbacks": {cls["ModelCheckpoint"]: {}}}, tmp_path / "a.pth"
        )
    torch.save({**_compact_params(), "seen": {1, 2}}, tmp_path / "b.pth")
    first, second = catalog.add_model(tmp_path / "a.pth"), catalog.add_model(tmp_path / "b.pth")
    assert first.file_format == "training-checkpoint"
    assert first.architecture == second.architecture == "Compact"
    assert not _MARKER[0].exists()


# -- .pth layouts of the super-resolution and restoration entries --------------


def _rrdbnet_params_ema(nf: int = 16, gc: int = 32, blocks: int = 1) -> dict:
    """Real-ESRGAN x4plus's key layout (basicsr RRDBNet in 'params_ema'), random weights."""
    torch.manual_seed(11)
    weights: dict[str, torch.Tensor] = {}

    def conv(name: str, out_ch: int, in_ch: int) -> None:
        weights[f"{name}.weight"] = torch.randn(out_ch, in_ch, 3, 3) * 0.02
        weights[f"{name}.bias"] = torch.zeros(out_ch)

    conv("conv_first", nf, 3)
    for block in range(blocks):
        for rdb in (1, 2, 3):
            for index in range(1, 6):
                out_ch = gc if index < 5 else nf
                conv(f"body.{block}.rdb{rdb}.conv{index}", out_ch, nf + (index - 1) * gc)
    for name in ("conv_body", "conv_up1", "conv_up2", "conv_hr"):
        conv(name, nf, nf)
    conv("conv_last", 3, nf)
    return {"params_ema": weights}


def _compact_params() -> dict:
    from spandrel.architectures.Compact import Compact

    torch.manual_seed(12)
    return {"params": Compact(num_feat=8, num_conv=2, upscale=4).state_dict()}


def _scunet_plain() -> dict:
    from spandrel.architectures.SCUNet import SCUNet

    torch.manual_seed(13)
    return SCUNet(in_nc=3, config=[1, 1, 1, 1, 1, 1, 1], dim=64).state_dict()


@pytest.mark.parametrize(
    ("name", "make", "architecture", "scale"),
    [
        ("RealESRGAN_x4plus.pth", _rrdbnet_params_ema, "ESRGAN", 4),
        ("realesr-general-x4v3.pth", _compact_params, "Compact", 4),
        ("scunet_color_real_psnr.pth", _scunet_plain, "SCUNet", 1),
        (
            "wrapped_state_dict.pth",
            lambda: {"state_dict": _compact_params()["params"]},
            "Compact",
            4,
        ),
    ],
)
def test_pth_layouts_are_added_as_safetensors_and_run(tmp_path, name, make, architecture, scale):
    path = tmp_path / name
    torch.save(make(), path)

    info = catalog.add_model(path)

    assert (info.architecture, info.scale, info.file_format) == (architecture, scale, "pickle")
    assert "restricted unpickler" in info.conversion and _stored(info)
    image = _photo(24)
    out = apply_filter(image, info.id, device="cpu")
    assert out.shape == (24 * scale, 24 * scale, 3) and out.dtype == np.uint8
