"""Turning the model files people have into the models folder's `.safetensors`.

Accepted: safetensors; TorchScript `.pt` archives (IOPaint's big-lama.pt; read as data,
never executed); plain PyTorch checkpoints (`.pth`/`.ckpt`/`.bin`, also wrapped in
`params_ema` / `params` / `state_dict`); and Lightning/OmegaConf training checkpoints
such as LaMa's `best.ckpt` (`training_checkpoint`: known training classes become inert
stand-ins, only the generator's tensors are kept). Whatever the source, the models
folder gets the tensors as a `.safetensors` file, with the source file's name, SHA-256
and the conversion recorded in its sidecar.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from restorer.models import safeload, training_checkpoint


def read_model_file(path: Path) -> tuple[dict[str, Any], str, str]:
    """(name -> tensor, source format, conversion description) of a model file, read safely.

    Raises `UnsafeModelError` for a file that would run code (its code never runs) and
    `ModelError` for anything that is not a readable model file.
    """
    safeload.check_extension(path)
    kind = safeload.file_format(path) if path.is_file() else ""
    if kind == "pickle-zip":
        found = training_checkpoint.named_globals(path)
        if training_checkpoint.is_training_checkpoint(found):
            state, conversion = training_checkpoint.read_training_checkpoint(path)
            from spandrel import canonicalize_state_dict

            return canonicalize_state_dict(state), "training-checkpoint", conversion
    weights, file_format = safeload.read_weights(path)
    conversion = {
        "safetensors": "",
        "torchscript": "TorchScript archive read as data (no code run); tensors kept",
        "pickle": "PyTorch checkpoint read with a restricted unpickler; tensors kept",
    }.get(file_format, "")
    generator = {k: v for k, v in weights.items() if k.startswith("generator.model.")}
    if generator and len(generator) < len(weights):  # a whole inpainting trainer exported
        conversion += f"; kept the generator's tensors, dropped {len(weights) - len(generator)}"
        weights = generator
    return weights, file_format, conversion


def save_safetensors(weights: dict[str, Any], path: Path) -> None:
    """Write `weights` as safetensors (contiguous, shared storages copied apart)."""
    from safetensors.torch import save_file

    save_file({k: v.detach().contiguous().clone() for k, v in weights.items()}, str(path))
