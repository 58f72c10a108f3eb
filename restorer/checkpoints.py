"""Pieces every trainer's checkpoints share (the GAN studio's and the restoration
studio's): atomic file replacement, modules and Adam states as flat safetensors
dictionaries, an exponential moving average of weights, and the checkpoint pair itself:
`checkpoint.safetensors` (tensors; its metadata names the step) and `config.json` (format
version, settings and training state, naming the same step), each replaced atomically,
weights first, so a half-written pair is detected when it is read back.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "checkpoint.safetensors"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check_name(name: str, what: str, error: type) -> str:
    """`name` when it can name a trained `what` (it becomes a folder name), else `error`."""
    if not _NAME.match(name or ""):
        raise error(
            f"'{name}' cannot name {what}: use 1–64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    return name


class Curves:
    """Base of a trainer's history dataclass whose fields are all lists: kept in the
    checkpoint's JSON as one list per field, and read back with missing fields empty."""

    def to_dict(self) -> dict[str, list]:
        return {k: list(v) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, data: dict):
        return cls(**{k: list(data.get(k, [])) for k in cls().__dict__})


def atomic_write(path: Path, write) -> None:
    """Call `write(temporary_path)` and move the result over `path` in one step."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def optimizer_tensors(prefix: str, optimizer: torch.optim.Optimizer) -> dict[str, torch.Tensor]:
    """An optimiser's per-parameter state as `{prefix}{index}.{key}` tensors."""
    tensors = {}
    for index, state in optimizer.state_dict()["state"].items():
        for key, value in state.items():
            tensors[f"{prefix}{index}.{key}"] = torch.as_tensor(value).detach().cpu()
    return tensors


def load_optimizer(prefix: str, optimizer: torch.optim.Optimizer, tensors: dict) -> None:
    """Put back what `optimizer_tensors` saved (hyper-parameters come from the optimiser)."""
    saved = optimizer.state_dict()
    state: dict[int, dict[str, torch.Tensor]] = {}
    for name, value in tensors.items():
        if name.startswith(prefix):
            index, key = name[len(prefix) :].split(".", 1)
            state.setdefault(int(index), {})[key] = value
    saved["state"] = state
    optimizer.load_state_dict(saved)


def prefixed(prefix: str, module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {f"{prefix}{k}": v.detach().cpu().contiguous() for k, v in module.state_dict().items()}


def unprefixed(prefix: str, tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}


class WeightAverage:
    """An exponential moving average of a module's weights (buffers are copied), kept in
    `average`, a module of the same shape."""

    def __init__(self, live: torch.nn.Module, average: torch.nn.Module) -> None:
        self._ema_params = list(average.parameters())
        self._live_params = list(live.parameters())
        self._ema_buffers = list(average.buffers())
        self._live_buffers = list(live.buffers())

    @torch.no_grad()
    def update(self, decay: float) -> None:
        """average ← decay · average + (1 − decay) · live (decay 0 copies)."""
        torch._foreach_lerp_(self._ema_params, self._live_params, 1.0 - decay)
        if self._ema_buffers:  # batch-norm statistics
            torch._foreach_copy_(self._ema_buffers, self._live_buffers)


def check_format_version(
    document: dict[str, Any], origin: str, newest: int, oldest: int, what: str, error: type
) -> int:
    """The `format_version` of a checkpoint's JSON, or `error` saying why it is refused."""
    version = document.get("format_version")
    if not isinstance(version, int):
        raise error(f"{origin} is not a Restorer {what} checkpoint (no format version).")
    if version > newest:
        raise error(
            f"{origin} was written by a newer Restorer (checkpoint format {version}; this one "
            f"reads up to {newest}). Update Restorer to use it."
        )
    if version < oldest:
        raise error(
            f"{origin} uses checkpoint format {version}, which this Restorer no longer reads "
            f"(oldest readable: {oldest}). Train the model again."
        )
    return version


def write_checkpoint(
    directory: str | os.PathLike[str],
    tensors: dict[str, torch.Tensor],
    kind: str,
    step: int,
    document: str,
) -> Path:
    """Write the pair into `directory` (created if missing): the tensors, then the JSON."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    metadata = {"step": str(step), "format": kind}
    atomic_write(folder / WEIGHTS_NAME, lambda p: save_file(tensors, p, metadata=metadata))
    atomic_write(folder / CONFIG_NAME, lambda p: Path(p).write_text(document, encoding="utf-8"))
    return folder


def dumps_document(version: int, config: dict[str, Any], state: dict[str, Any]) -> str:
    """The JSON written next to a checkpoint's weights."""
    return json.dumps({"format_version": version, "config": config, "state": state}, indent=1)


def parse_document(
    text: str, origin: str, newest: int, oldest: int, what: str, error: type
) -> dict[str, Any]:
    """A checkpoint's JSON as a dict whose format version this Restorer reads, or `error`."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{origin} is damaged (not JSON: {exc.msg}).") from exc
    if not isinstance(document, dict):
        raise error(f"{origin} is not a Restorer {what} checkpoint.")
    check_format_version(document, origin, newest, oldest, what, error)
    return document


def read_document_text(directory: str | os.PathLike[str], error: type) -> tuple[str, str]:
    """(text of the checkpoint's JSON, the name to give it in messages)."""
    path = Path(directory) / CONFIG_NAME
    try:
        return path.read_text(encoding="utf-8"), f"{path.parent.name}/{CONFIG_NAME}"
    except OSError as exc:
        raise error(f"Cannot read {path}: {exc.strerror or exc}") from exc


def read_tensors(directory: Path, step: int, error: type) -> dict[str, torch.Tensor]:
    """The checkpoint's tensors, refused with `error` when missing, damaged or written for
    another step than its JSON names (the pair was not completely written)."""
    path = directory / WEIGHTS_NAME
    if not path.is_file():
        raise error(f"The weights of '{directory.name}' ({WEIGHTS_NAME}) are missing.")
    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise error(f"The weights of '{directory.name}' are damaged: {exc}") from exc
    if metadata.get("step") != str(step):
        raise error(
            f"The weights of '{directory.name}' (step {metadata.get('step')}) do not match its "
            f"{CONFIG_NAME} (step {step}); the checkpoint was not completely written."
        )
    return tensors
