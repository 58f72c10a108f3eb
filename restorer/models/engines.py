"""Inpainting models from the models folder (LaMa, MAT, ...) as repair engines.

`model_engines` is the registry's provider: it reads the sidecars only (no torch), so
`restorer engines` stays quick. The weights load on first use and stay in the model
cache until the engine is released or another model needs the room.
"""

from __future__ import annotations

import numpy as np

from restorer.engines.base import Engine, SizeRequirements
from restorer.models.info import ModelInfo, format_size
from restorer.progress import Progress

# Working-size caps: LaMa-class models were trained on crops around 256-512 px and fill
# best at up to about 1000 px; MAT works on 512 x 512 frames.
WORKING_SIDE = {"LaMa": 1000, "MAT": 512}
DEFAULT_WORKING_SIDE = 1024
# On GPU out-of-memory the fill is retried at this fraction of the size, then on the CPU.
_OOM_SHRINK = 0.5


class ModelInpaintEngine(Engine):
    """An inpainting model file behind the `Engine` interface."""

    needs_weights = True
    devices = ("cpu", "cuda")
    rank = 0
    context_scale = 1.5
    context_min = 32

    def __init__(self, info: ModelInfo) -> None:
        self.info = info
        self.id = info.id
        self.label = info.label
        self.description = (
            f"{info.architecture_name} inpainting model ({info.source_name or info.file_name}, "
            f"{format_size(info.size_bytes)})"
        )
        self.requirements = SizeRequirements(
            min_side=max(1, info.min_side),
            multiple_of=max(1, info.multiple_of),
            max_working_side=WORKING_SIDE.get(info.architecture, DEFAULT_WORKING_SIDE),
        )

    def inpaint(
        self,
        image: np.ndarray,
        mask: np.ndarray,
        progress: Progress,
        *,
        device: str = "cpu",
        seed: int = 0,
    ) -> np.ndarray:
        from restorer.models.runtime import Attempt, run_with_fallbacks

        self.info = self._latest_info()
        attempts = [Attempt(f"on {_where(device)}", self._runner(image, mask, device, 1.0, seed))]
        if device.startswith("cuda"):
            attempts.append(
                Attempt(
                    "on the GPU at half size",
                    self._runner(image, mask, device, _OOM_SHRINK, seed),
                )
            )
            attempts.append(Attempt("on the CPU", self._runner(image, mask, "cpu", 1.0, seed)))
        return run_with_fallbacks(attempts, progress)

    def _latest_info(self) -> ModelInfo:
        """The model's description now: the file may have been replaced since listing."""
        from restorer.models.store import get

        return get(self.id)

    def _runner(self, image: np.ndarray, mask: np.ndarray, device: str, shrink: float, seed: int):
        def run(progress: Progress) -> np.ndarray:
            from restorer.models.runtime import model_cache

            progress.update(0.0, f"Loading {self.label}")
            loaded = model_cache().get(self.info, device)
            progress.update(0.3, f"{self.label}: filling on {loaded.label}")
            result = _fill(loaded, image, mask, shrink, seed)
            progress.update(1.0, f"{self.label}: done")
            return result

        return run

    def release(self) -> None:
        from restorer.models.runtime import model_cache

        model_cache().evict(self.id)


def _where(device: str) -> str:
    return "the GPU" if device.startswith("cuda") else "the CPU"


def _fill(loaded, image: np.ndarray, mask: np.ndarray, shrink: float, seed: int) -> np.ndarray:
    """Run the model once on the whole input (resized by `shrink`)."""
    import cv2
    import torch

    height, width = image.shape[:2]
    work, hole = image, mask
    if shrink < 1.0:
        size = (max(8, int(width * shrink)), max(8, int(height * shrink)))
        work = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        hole = cv2.resize(mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    picture = torch.from_numpy(np.ascontiguousarray(work.transpose(2, 0, 1))).float()[None] / 255
    holes = torch.from_numpy(hole.astype(np.float32))[None, None]
    cuda = [torch.device(loaded.device).index or 0] if loaded.device.startswith("cuda") else []
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        output = loaded(picture, holes)
    filled = np.clip(output[0].numpy().transpose(1, 2, 0) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    if filled.shape[:2] != (height, width):
        filled = cv2.resize(filled, (width, height), interpolation=cv2.INTER_CUBIC)
    return filled


def model_engines() -> list[Engine]:
    """One engine per inpainting model in the models folder (the registry's provider)."""
    from restorer.models.store import list_models

    return [ModelInpaintEngine(info) for info in list_models() if info.is_inpainting]
