"""Model files the tests build themselves: spandrel architectures with random weights.

Small configurations keep the tests fast. LaMa has one fixed size (51 M parameters), so
its weights are built once per test process and stored as float16 (100 MB).
"""

from __future__ import annotations

import functools
import pickle
import warnings
import zipfile
from pathlib import Path

import torch


def _seeded(seed: int) -> None:
    torch.manual_seed(seed)


def sr_module(scale: int = 2) -> torch.nn.Module:
    """RealESRGAN Compact (SRVGGNet), 8 features, 2 convolutions: a tiny upscaler."""
    from spandrel.architectures.Compact import Compact

    _seeded(1)
    return Compact(num_in_ch=3, num_out_ch=3, num_feat=8, num_conv=2, upscale=scale).eval()


def denoise_module(channels: int = 3) -> torch.nn.Module:
    """DnCNN with 4 layers of 16 features: a tiny restoration (denoising) model."""
    from spandrel.architectures.DnCNN import DnCNN

    _seeded(2)
    module = DnCNN(in_nc=channels, out_nc=channels, nc=16, nb=4, act_mode="BR").eval()
    with torch.no_grad():  # small weights keep the random output near the input
        for parameter in module.parameters():
            parameter.mul_(0.1)
    return module


@functools.lru_cache(maxsize=1)
def lama_weights() -> dict[str, torch.Tensor]:
    """The weights of a randomly initialised big-lama, in float16."""
    from spandrel.architectures.LaMa import LaMa

    _seeded(3)
    module = LaMa(in_nc=4, out_nc=3).eval()
    return {k: v.detach().half().contiguous() for k, v in module.state_dict().items()}


def save_safetensors(module_or_weights, path: Path) -> Path:
    from safetensors.torch import save_file

    weights = (
        module_or_weights.state_dict()
        if isinstance(module_or_weights, torch.nn.Module)
        else module_or_weights
    )
    save_file({k: v.detach().contiguous() for k, v in weights.items()}, str(path))
    return path


def save_pth(module: torch.nn.Module, path: Path, *, legacy: bool = False, wrap: bool = False):
    """torch.save of the state dict (optionally the pre-1.6 format, or inside 'params_ema')."""
    state = module.state_dict()
    if wrap:
        state = {"params_ema": state, "iteration": 1000}
    torch.save(state, path, _use_new_zipfile_serialization=not legacy)
    return path


def save_torchscript(module: torch.nn.Module, path: Path, size: int = 16) -> Path:
    """A traced TorchScript archive of `module`, the way exporters ship `.pt` files."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(module, torch.rand(1, 3, size, size))
        traced.save(str(path))
    return path


# -- files that try to run code ----------------------------------------------------


class CreatesFile:
    """Unpickling this calls open(target, 'w'): it creates a file."""

    def __init__(self, target: Path) -> None:
        self.target = str(target)

    def __reduce__(self):
        return (open, (self.target, "w"))


def write_malicious_pickle(path: Path, target: Path) -> Path:
    """A '.pth' that is a plain pickle whose loading creates `target`."""
    path.write_bytes(pickle.dumps({"weight": CreatesFile(target)}, protocol=4))
    return path


def write_malicious_checkpoint(path: Path, target: Path, *, legacy: bool = False) -> Path:
    """A real torch.save checkpoint with real weights plus an object that creates `target`."""
    state = dict(sr_module().state_dict())
    state["extra"] = CreatesFile(target)
    torch.save(state, path, _use_new_zipfile_serialization=not legacy)
    return path


class _SetstateModule(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weight.view(1, 3, 1, 1)

    @torch.jit.export
    def __getstate__(self) -> tuple[torch.Tensor, bool]:
        return (self.weight, self.training)

    @torch.jit.export
    def __setstate__(self, state: tuple[torch.Tensor, bool]) -> None:
        self.weight = state[0]
        self.training = state[1]


def write_malicious_torchscript(path: Path, target: Path) -> Path:
    """A TorchScript archive whose __setstate__ creates `target` (with torch.from_file)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scripted = torch.jit.script(_SetstateModule())
    plain = path.with_suffix(".plain.pt")
    scripted.save(str(plain))
    payload = (
        "    self.training = (state)[1]\n"
        f'    t = torch.from_file("{target}", True, 16, dtype=0)\n'
        "    self.weight = torch.add((state)[0], torch.mul(torch.sum(torch.fill_(t, 65)), 0))\n"
    )
    patched = False
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if "/code/" in item.filename and item.filename.endswith(".py"):
                text = data.decode()
                patched = patched or "    self.training = (state)[1]\n" in text
                data = text.replace("    self.training = (state)[1]\n", payload).encode()
            if item.filename.endswith(".debug_pkl"):
                continue
            out.writestr(item, data)
    plain.unlink()
    assert patched, "the scripted __setstate__ was not found"
    return path


def replace_data_pickle(archive: Path, path: Path, target: Path) -> Path:
    """A copy of TorchScript `archive` whose data.pkl creates `target` when unpickled."""
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(path, "w") as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.endswith("/data.pkl"):
                data = pickle.dumps(CreatesFile(target), protocol=2)
            out.writestr(item, data)
    return path


def pretend_gpu_out_of_memory(monkeypatch) -> None:
    """Filters see a CUDA device whose every run is out of memory (in fp16), so they
    fall back to the CPU; no real GPU is touched."""
    import restorer.filters as filters
    from restorer.models.runtime import LoadedModel

    real_cache, real_run = filters.model_cache, filters._run_model

    class Cache:
        def get(self, info, device):
            if device.startswith("cuda"):
                return LoadedModel(info, None, device, "float16")
            return real_cache().get(info, device)

    def run(loaded, pixels):
        if loaded.device.startswith("cuda"):
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        return real_run(loaded, pixels)

    monkeypatch.setattr(filters, "resolve_device", lambda requested, supported: "cuda")
    monkeypatch.setattr(filters, "model_cache", Cache)
    monkeypatch.setattr(filters, "_run_model", run)
