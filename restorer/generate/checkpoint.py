"""Saving and loading training state: safetensors for tensors, JSON for the rest.

`checkpoint.safetensors` holds the generator (`g.`), its EMA (`g_ema.`), the
discriminator (`d.`, including the spectral-norm vectors), both Adam states
(`opt_g.`, `opt_d.`) and the random generator's state (`rng`). `config.json` holds the
settings, the format version and the step; both name the step, so a half-written pair is
detected. Both files are replaced atomically, weights first.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from restorer.checkpoints import (
    atomic_write,
    load_optimizer,
    optimizer_tensors,
    prefixed,
    unprefixed,
)
from restorer.generate.config import GanConfig, GanError, dumps_document, loads_document
from restorer.generate.networks import Generator
from restorer.generate.store import CONFIG_NAME, WEIGHTS_NAME
from restorer.generate.trainer import History, Trainer


def save_checkpoint(directory: str | os.PathLike[str], trainer: Trainer) -> Path:
    """Write the trainer's complete state into `directory` (created if missing)."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {
        **prefixed("g.", trainer.g),
        **prefixed("g_ema.", trainer.g_ema),
        **prefixed("d.", trainer.d),
        **optimizer_tensors("opt_g.", trainer.opt_g),
        **optimizer_tensors("opt_d.", trainer.opt_d),
        "rng": trainer.rng.get_state(),
    }
    metadata = {"step": str(trainer.step), "format": "restorer-gan"}
    atomic_write(folder / WEIGHTS_NAME, lambda p: save_file(tensors, p, metadata=metadata))
    state: dict[str, Any] = {
        "step": trainer.step,
        "history": trainer.history.to_dict(),
        "log_sums": list(trainer._sums),
    }
    text = dumps_document(trainer.config, state)
    atomic_write(folder / CONFIG_NAME, lambda p: Path(p).write_text(text, encoding="utf-8"))
    return folder


def read_config(directory: str | os.PathLike[str]) -> tuple[GanConfig, dict[str, Any]]:
    """(settings, training state) of a checkpoint, migrating or refusing old formats."""
    path = Path(directory) / CONFIG_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise GanError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    return loads_document(text, origin=f"{path.parent.name}/{CONFIG_NAME}")


def _read_tensors(directory: Path, step: int) -> dict[str, torch.Tensor]:
    path = directory / WEIGHTS_NAME
    if not path.is_file():
        raise GanError(f"The weights of '{directory.name}' ({WEIGHTS_NAME}) are missing.")
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise GanError(f"The weights of '{directory.name}' are damaged: {exc}") from exc
    if metadata.get("step") != str(step):
        raise GanError(
            f"The weights of '{directory.name}' (step {metadata.get('step')}) do not match its "
            f"{CONFIG_NAME} (step {step}); the checkpoint was not completely written."
        )
    return tensors


def _load_module(module: torch.nn.Module, tensors: dict, prefix: str, name: str) -> None:
    try:
        module.load_state_dict(unprefixed(prefix, tensors))
    except RuntimeError as exc:
        raise GanError(f"The weights of '{name}' do not fit its settings: {exc}") from exc


def load_trainer(directory: str | os.PathLike[str], data=None, device: str = "cpu") -> Trainer:
    """Rebuild a `Trainer` exactly as it was when the checkpoint was written."""
    folder = Path(directory)
    config, state = read_config(folder)
    tensors = _read_tensors(folder, int(state.get("step", -1)))
    trainer = Trainer(config, data, device=device)
    _load_module(trainer.g, tensors, "g.", folder.name)
    _load_module(trainer.g_ema, tensors, "g_ema.", folder.name)
    _load_module(trainer.d, tensors, "d.", folder.name)
    try:
        load_optimizer("opt_g.", trainer.opt_g, tensors)
        load_optimizer("opt_d.", trainer.opt_d, tensors)
        trainer.rng.set_state(tensors["rng"])
    except (KeyError, ValueError, RuntimeError) as exc:
        raise GanError(f"The training state of '{folder.name}' is damaged: {exc}") from exc
    trainer.step = int(state["step"])
    trainer.history = History.from_dict(state.get("history") or {})
    sums = state.get("log_sums") or [0.0, 0.0, 0]
    trainer._sums = [float(sums[0]), float(sums[1]), int(sums[2])]
    return trainer


def load_generator(
    directory: str | os.PathLike[str], device: str = "cpu"
) -> tuple[Generator, GanConfig, dict[str, Any]]:
    """Only the EMA generator (what sampling uses), its settings and training state."""
    folder = Path(directory)
    config, state = read_config(folder)
    tensors = _read_tensors(folder, int(state.get("step", -1)))
    generator = Generator(config)
    _load_module(generator, tensors, "g_ema.", folder.name)
    return generator.requires_grad_(False).eval().to(device), config, state
