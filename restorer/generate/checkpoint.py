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

from restorer.checkpoints import (
    load_optimizer,
    optimizer_tensors,
    prefixed,
    read_document_text,
    read_tensors,
    unprefixed,
    write_checkpoint,
)
from restorer.generate.config import GanConfig, GanError, dumps_document, loads_document
from restorer.generate.networks import Generator
from restorer.generate.trainer import History, Trainer


def save_checkpoint(directory: str | os.PathLike[str], trainer: Trainer) -> Path:
    """Write the trainer's complete state into `directory` (created if missing)."""
    tensors = {
        **prefixed("g.", trainer.g),
        **prefixed("g_ema.", trainer.g_ema),
        **prefixed("d.", trainer.d),
        **optimizer_tensors("opt_g.", trainer.opt_g),
        **optimizer_tensors("opt_d.", trainer.opt_d),
        "rng": trainer.rng.get_state(),
    }
    state: dict[str, Any] = {
        "step": trainer.step,
        "history": trainer.history.to_dict(),
        "log_sums": list(trainer._sums),
    }
    document = dumps_document(trainer.config, state)
    return write_checkpoint(directory, tensors, "restorer-gan", trainer.step, document)


def read_config(directory: str | os.PathLike[str]) -> tuple[GanConfig, dict[str, Any]]:
    """(settings, training state) of a checkpoint, migrating or refusing old formats."""
    return loads_document(*read_document_text(directory, GanError))


def _read_tensors(directory: Path, step: int) -> dict[str, torch.Tensor]:
    return read_tensors(directory, step, GanError)


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
