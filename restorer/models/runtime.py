"""Loaded models: device and precision, a small cache, out-of-memory fallbacks.

Models load on the CPU (safely, see `safeload`), then move to the device the job asked
for: CUDA when present, else the CPU. On a GPU they run in float16 when the
architecture supports it, else bfloat16 when it and the GPU support it, else float32;
if reduced precision fails or gives non-finite pixels, the model returns to float32.

The cache keeps the most recently used models loaded between jobs (`CAPACITY`), and
frees a model when it is evicted, removed, or its engine is released.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from restorer.errors import ModelError, OutOfMemoryError
from restorer.models.info import ModelInfo
from restorer.progress import Progress

CAPACITY = 2
_PRECISION_LABELS = {"float32": "fp32", "float16": "fp16", "bfloat16": "bf16"}

T = TypeVar("T")


def choose_precision(info: ModelInfo, device: str) -> str:
    """'float32', 'float16' or 'bfloat16' for running `info` on `device`."""
    if not device.startswith("cuda"):
        return "float32"
    if info.supports_half:
        return "float16"
    if info.supports_bfloat16:
        import torch

        if torch.cuda.is_bf16_supported():
            return "bfloat16"
    return "float32"


def short_precision(precision: str) -> str:
    """'fp32', 'fp16' or 'bf16' for a torch dtype name such as 'float16'."""
    return _PRECISION_LABELS.get(precision, precision)


def precision_label(info: ModelInfo, device: str) -> str:
    """'fp32', 'fp16' or 'bf16': the precision `info` runs in on `device`."""
    return _PRECISION_LABELS[choose_precision(info, device)]


def run_label(info: ModelInfo, device: str) -> str:
    """Where and how a model runs, for people: 'CUDA: NVIDIA ... (fp16)' or 'CPU (fp32)'."""
    from restorer.devices import device_label

    return f"{device_label(device)} ({precision_label(info, device)})"


def is_out_of_memory(error: BaseException) -> bool:
    """True for a device (or host) out-of-memory error from torch."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(error, torch.OutOfMemoryError):
        return True
    if isinstance(error, MemoryError):
        return True
    return isinstance(error, RuntimeError) and "out of memory" in str(error).lower()


def free_memory() -> None:
    """Return freed tensors' memory to the device now, not at some later point."""
    gc.collect()
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


@dataclass
class LoadedModel:
    """A model ready to run: spandrel descriptor on a device, in a precision."""

    info: ModelInfo
    descriptor: Any
    device: str
    precision: str

    @property
    def label(self) -> str:
        """'CPU (fp32)' / 'CUDA: ... (fp16)' for progress messages."""
        from restorer.devices import device_label

        return f"{device_label(self.device)} ({_PRECISION_LABELS[self.precision]})"

    def __call__(self, *tensors: Any) -> Any:
        """Run on float32 NCHW tensors in [0, 1] (any device); returns float32 on the CPU.

        Falls back to float32 if reduced precision fails or gives non-finite values.
        """
        import torch

        while True:
            dtype = getattr(torch, self.precision)
            try:
                with torch.inference_mode():
                    moved = [t.to(self.device, dtype) for t in tensors]
                    output = self.descriptor(*moved)
                    if self.precision != "float32" and not torch.isfinite(output).all():
                        raise FloatingPointError("non-finite output in reduced precision")
                    return output.float().cpu()
            except Exception as exc:
                if self.precision == "float32" or is_out_of_memory(exc):
                    raise
                self.descriptor.model.float()
                self.precision = "float32"

    def release(self) -> None:
        """Drop the weights (and their device memory)."""
        self.descriptor = None


def load_model(info: ModelInfo, device: str) -> LoadedModel:
    """Read, build and move a model to `device` in its precision. `ModelError` if it fails."""
    from restorer.models.detect import build_model
    from restorer.models.safeload import read_weights

    path = info.model_path
    if not path.is_file():
        raise ModelError(f"The file of model '{info.id}' ({path.name}) is missing.")
    if path.stat().st_size != info.size_bytes:
        raise ModelError(
            f"The file of model '{info.id}' changed since it was added; remove it and add it again."
        )
    weights, _ = read_weights(path)
    descriptor = build_model(weights, path.name)
    del weights
    if str(descriptor.architecture.id) != info.architecture:
        raise ModelError(
            f"Model '{info.id}' now reads as {descriptor.architecture.id}, not "
            f"{info.architecture}; remove it and add it again."
        )
    precision = choose_precision(info, device)
    try:
        descriptor.to(device)
        if precision != "float32":
            import torch

            descriptor.model.to(dtype=getattr(torch, precision))
    except Exception as exc:
        descriptor = None
        free_memory()
        if is_out_of_memory(exc):
            raise
        raise ModelError(f"Model '{info.id}' could not be moved to {device}: {exc}") from exc
    return LoadedModel(info=info, descriptor=descriptor, device=device, precision=precision)


class ModelCache:
    """The last `capacity` models used, loaded; least recently used freed first."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._models: OrderedDict[tuple[str, str, str], LoadedModel] = OrderedDict()
        self._lock = threading.RLock()

    def get(self, info: ModelInfo, device: str) -> LoadedModel:
        """The loaded model for (`info`, `device`), loading it if needed."""
        key = (info.id, info.sha256, device)
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
            # Free the same model on other devices and the least recently used first,
            # so a switch never holds two large models on the GPU at once.
            for other in [k for k in self._models if k[0] == info.id]:
                self._drop(other)
            while len(self._models) >= max(1, self.capacity):
                self._drop(next(iter(self._models)))
            loaded = load_model(info, device)
            self._models[key] = loaded
            return loaded

    def evict(self, model_id: str) -> bool:
        """Free every loaded copy of `model_id`; True if one was loaded."""
        with self._lock:
            keys = [k for k in self._models if k[0] == model_id]
            for key in keys:
                self._drop(key)
            return bool(keys)

    def clear(self) -> None:
        with self._lock:
            for key in list(self._models):
                self._drop(key)

    def loaded(self) -> list[tuple[str, str]]:
        """(model id, device) of every loaded model, least recently used first."""
        with self._lock:
            return [(k[0], k[2]) for k in self._models]

    def _drop(self, key: tuple[str, str, str]) -> None:
        self._models.pop(key).release()
        free_memory()


_cache = ModelCache()


def model_cache() -> ModelCache:
    """The process-wide model cache (the GUI worker's models live here)."""
    return _cache


@dataclass
class Attempt:
    """One way to run a job: a description for progress messages and the work."""

    description: str
    run: Callable[[Progress], Any]


def run_with_fallbacks(attempts: list[Attempt], progress: Progress) -> Any:
    """Run the first attempt; on out-of-memory, say so and try the next one.

    Raises `OutOfMemoryError` when the last attempt runs out of memory too; any other
    error is raised as it is.
    """
    for index, attempt in enumerate(attempts):
        try:
            return attempt.run(progress)
        except Exception as exc:
            if not is_out_of_memory(exc):
                raise
            free_memory()
            if index + 1 == len(attempts):
                raise OutOfMemoryError(
                    f"Out of memory even {attempt.description}. Close other programs, "
                    "use a smaller tile size, or work on a smaller area."
                ) from exc
            progress.update(
                0.0,
                f"Out of memory {attempt.description}; retrying {attempts[index + 1].description}",
            )
    raise ModelError("Nothing to run.")  # pragma: no cover - attempts is never empty
