"""A restoration model's training state on disk: `<models folder>/restoration/<name>/`.

`checkpoint.safetensors` holds the network (`net.`), its EMA (`ema.`), the
discriminator (`d.`, inpainting), the Adam states (`opt.`, `opt_d.`) and the random
generator's state (`rng`); `config.json` the settings, format version, step and history.
Both name the step, so a half-written pair is detected; both are replaced atomically.
The model file made from it (`<name>.safetensors`, EMA weights in a layout spandrel
detects) and its evaluation (`evaluation.json`, `strip.png`) sit beside them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file

from restorer import checkpoints
from restorer.checkpoints import (
    CONFIG_NAME,
    atomic_write,
    load_optimizer,
    optimizer_tensors,
    prefixed,
    read_document_text,
    read_tensors,
    unprefixed,
    write_checkpoint,
)
from restorer.paths import models_dir
from restorer.train.config import TrainConfig, TrainConfigError, dumps_document, loads_document
from restorer.train.models import SmallLaMa, build_network, export_weights
from restorer.train.trainer import History, RestorationTrainer


def check_name(name: str) -> str:
    return checkpoints.check_name(name, "a model", TrainConfigError)


def training_dir(name: str) -> Path:
    """Where the training state of model `name` lives (it may not exist yet), named by
    the model's id, so `Scans` and `scans` are one model."""
    from restorer.models.info import id_from_name

    return models_dir() / "restoration" / id_from_name(check_name(name))


def has_checkpoint(name: str) -> bool:
    return (training_dir(name) / CONFIG_NAME).is_file()


def save_checkpoint(directory: str | os.PathLike[str], trainer: RestorationTrainer) -> Path:
    tensors = {
        **prefixed("net.", trainer.net),
        **prefixed("ema.", trainer.ema),
        **optimizer_tensors("opt.", trainer.opt),
        "rng": trainer.rng.get_state(),
    }
    if trainer.d is not None:
        tensors.update(prefixed("d.", trainer.d))
        tensors.update(optimizer_tensors("opt_d.", trainer.opt_d))
    state: dict[str, Any] = {
        "step": trainer.step,
        "seconds": trainer.seconds,
        "history": trainer.history.to_dict(),
        "log_sums": list(trainer._sums),
    }
    if isinstance(trainer.net, SmallLaMa):
        state["network"] = [trainer.net.width, trainer.net.blocks]
    document = dumps_document(trainer.config, state)
    return write_checkpoint(directory, tensors, "restorer-restoration", trainer.step, document)


def read_config(directory: str | os.PathLike[str]) -> tuple[TrainConfig, dict[str, Any]]:
    return loads_document(*read_document_text(directory, TrainConfigError))


def _read_tensors(directory: Path, step: int) -> dict[str, torch.Tensor]:
    return read_tensors(directory, step, TrainConfigError)


def _network(config: TrainConfig, state: dict[str, Any]) -> torch.nn.Module:
    if "network" in state:  # a fine-tuned LaMa keeps its own width
        return SmallLaMa(*[int(v) for v in state["network"]])
    return build_network(config.task, config.arch, config.size)


def load_trainer(directory, data=None, device: str = "cpu") -> RestorationTrainer:
    """Rebuild a trainer exactly as it was when the checkpoint was written."""
    folder = Path(directory)
    config, state = read_config(folder)
    tensors = _read_tensors(folder, int(state.get("step", -1)))
    trainer = RestorationTrainer(config, data, device, initial=_network(config, state))
    try:
        trainer.net.load_state_dict(unprefixed("net.", tensors))
        trainer.ema.load_state_dict(unprefixed("ema.", tensors))
        load_optimizer("opt.", trainer.opt, tensors)
        if trainer.d is not None:
            trainer.d.load_state_dict(unprefixed("d.", tensors))
            load_optimizer("opt_d.", trainer.opt_d, tensors)
        trainer.rng.set_state(tensors["rng"])
    except (KeyError, ValueError, RuntimeError) as exc:
        raise TrainConfigError(f"The training state of '{folder.name}' is damaged: {exc}") from exc
    trainer.step = int(state["step"])
    trainer.seconds = float(state.get("seconds", 0.0))
    trainer.history = History.from_dict(state.get("history") or {})
    sums = state.get("log_sums") or [0.0, 0]
    trainer._sums = [float(sums[0]), int(sums[1])]
    return trainer


def write_model_file(trainer: RestorationTrainer, path: Path) -> Path:
    """The EMA weights as an ordinary model file spandrel detects."""
    weights = export_weights(trainer.ema)
    metadata = {"restorer": f"trained {trainer.config.task} model, step {trainer.step}"}
    atomic_write(path, lambda p: save_file(weights, p, metadata=metadata))
    return path
