"""How an engine is applied to a photo: the region strategy.

Every engine goes through `inpaint_regions`, which guarantees that pixels outside the
mask never change.
"""

from __future__ import annotations

import numpy as np

from restorer.engines.base import Engine
from restorer.progress import Progress


def inpaint_regions(
    engine: Engine,
    image: np.ndarray,
    mask: np.ndarray,
    progress: Progress,
    *,
    device: str = "cpu",
    seed: int = 0,
) -> np.ndarray:
    """Fill `mask` in `image` with `engine`; only masked pixels differ from `image`."""
    if not mask.any():
        progress.update(1.0, "Nothing to repair: the mask is empty")
        return image.copy()
    filled = engine.inpaint(image, mask, progress, device=device, seed=seed)
    out = image.copy()
    out[mask] = filled[mask]
    return out
