"""OpenCV's diffusion inpainting (Telea 2004, Navier–Stokes / Bertalmio 2001).

Fast and faithful near edges, but they blur anything wider than a few pixels. They need
no weights and run on the CPU.
"""

from __future__ import annotations

import numpy as np

from restorer.engines.base import Engine
from restorer.progress import Progress


class _OpenCVEngine(Engine):
    flag_name = ""
    radius = 5
    context_scale = 0.5
    context_min = 12

    def inpaint(
        self,
        image: np.ndarray,
        mask: np.ndarray,
        progress: Progress,
        *,
        device: str = "cpu",
        seed: int = 0,
    ) -> np.ndarray:
        import cv2

        progress.update(0.0, f"{self.short_label or self.label}: filling")
        mask_u8 = mask.astype(np.uint8) * 255
        flag = getattr(cv2, self.flag_name)
        result = cv2.inpaint(np.ascontiguousarray(image), mask_u8, self.radius, flag)
        progress.update(1.0, f"{self.short_label or self.label}: done")
        return result


class TeleaEngine(_OpenCVEngine):
    id = "telea"
    label = "Fast for thin scratches (Telea)"
    short_label = "Telea"
    description = "Fast marching (OpenCV, Telea 2004): quick, good for thin scratches and dust."
    flag_name = "INPAINT_TELEA"
    rank = 10


class NavierStokesEngine(_OpenCVEngine):
    id = "navier-stokes"
    label = "Smooth for thin damage (Navier–Stokes)"
    short_label = "Navier–Stokes"
    description = "Fluid-dynamics diffusion (OpenCV, Bertalmio 2001): smooth fills of thin damage."
    flag_name = "INPAINT_NS"
    rank = 5
