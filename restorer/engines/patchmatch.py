"""The default repair engine: multi-scale exemplar completion with PatchMatch.

Rebuilds the hole from patches of the rest of the photo, so texture stays sharp where
diffusion engines blur; starting each fill from a diffusion guess keeps structure
faithful near the edges. Needs no weights; PyTorch runs it on the CPU or the GPU.
"""

from __future__ import annotations

import numpy as np
import torch  # imported here, not in the fill loop: the first import is slow

from restorer.devices import cpu_threads
from restorer.engines.base import Engine
from restorer.exemplar.fill import FillSettings, band_width, complete
from restorer.progress import Progress


class PatchMatchEngine(Engine):
    id = "patchmatch"
    label = "Best for objects and texture (PatchMatch)"
    short_label = "PatchMatch"
    description = (
        "Exemplar fill (multi-scale PatchMatch + patch voting): rebuilds texture from the "
        "rest of the photo; no model files."
    )
    devices = ("cpu", "cuda")
    rank = 20
    # Exemplar fills need surroundings to copy from: about the hole's size on each side.
    context_scale = 1.0
    context_min = 40

    def context_cap(self, hole: np.ndarray) -> int | None:
        """Sources come from a band round the hole (`FillSettings.band_scale`): keep that
        band and a patch's width more, so a long thin stroke gets a slim crop."""
        settings = FillSettings()
        band = band_width(hole, settings)
        if band is None:
            return None
        return int(band) + 2 * max(settings.patch, settings.coarse_patch)

    def inpaint(
        self,
        image: np.ndarray,
        mask: np.ndarray,
        progress: Progress,
        *,
        device: str = "cpu",
        seed: int = 0,
    ) -> np.ndarray:
        progress.update(0.0, f"{self.short_label}: building the pyramid")

        def on_level(done: int, total: int, preview: np.ndarray) -> None:
            progress.update(done / total, f"{self.short_label}: level {done} of {total}", preview)

        with cpu_threads(), torch.inference_mode():
            return complete(
                image,
                mask,
                seed=seed,
                device=device,
                check=progress.check,
                on_level=on_level,
                previews=progress.wants_previews,
            )
