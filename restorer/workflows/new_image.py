"""An image made in the app (a synthesised texture, a generated sample) as a new photo.

The image has no file yet: `NewImageJob` prepares its pixels and zoom pyramids (on the
worker, like opening a file) with a suggested file name, and the window counts it as
unsaved until it is saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from restorer.jobs import Job
from restorer.progress import Progress
from restorer.pyramid import Pyramid
from restorer.workflows.jobs import LoadedPhoto


def suggested_file_name(name: str) -> str:
    """A file name for `name`: letters, digits, '-' and '_' kept, '.png' added."""
    stem = re.sub(r"[^\w-]+", "-", name.strip(), flags=re.UNICODE).strip("-_")
    return f"{stem or 'untitled'}.png"


def rgba_pixels(image: np.ndarray) -> tuple[np.ndarray, bool]:
    """HxWx4 uint8 pixels from an HxW gray, HxWx3 RGB or HxWx4 RGBA uint8 array; has alpha?"""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"expected uint8 pixels, got {image.dtype}")
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3 or image.shape[2] not in (1, 3, 4) or 0 in image.shape[:2]:
        raise ValueError(f"expected an HxW, HxWx3 or HxWx4 image, got shape {image.shape}")
    height, width, channels = image.shape
    pixels = np.empty((height, width, 4), np.uint8)
    pixels[..., :3] = image[..., :3] if channels >= 3 else image[..., :1]
    has_alpha = channels == 4 and not bool((image[..., 3] == 255).all())
    pixels[..., 3] = image[..., 3] if channels == 4 else 255
    return pixels, has_alpha


@dataclass
class NewImageJob(Job):
    """Prepare an in-memory image for the canvas, as `OpenPhotoJob` does for a file."""

    image: np.ndarray
    name: str
    suggested_path: Path
    title: str = "Opening"

    def run(self, progress: Progress) -> LoadedPhoto:
        progress.update(0.0, f"Opening {self.name}")
        pixels, has_alpha = rgba_pixels(self.image)
        mask = np.zeros(pixels.shape[:2], np.uint8)
        progress.update(0.5)
        loaded = LoadedPhoto(
            path=self.suggested_path,
            pixels=pixels,
            has_alpha=has_alpha,
            mask=mask,
            image_pyramid=Pyramid(pixels),
            mask_pyramid=Pyramid(mask),
            untitled_name=self.name,
        )
        progress.update(1.0, f"Opened {self.name}")
        return loaded
