"""Small builders shared by tests: real photos-like images and masks, written to disk."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def gradient_photo(height: int = 96, width: int = 128, seed: int = 0) -> np.ndarray:
    """A smooth colourful image with some texture: easy to check a fill is plausible."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    red = 128 + 100 * np.sin(xx / 17.0)
    green = 128 + 100 * np.cos(yy / 13.0)
    blue = 255 * (xx + yy) / (width + height)
    noise = rng.normal(0, 4, (height, width, 3))
    image = np.dstack([red, green, blue]) + noise
    return np.clip(image, 0, 255).astype(np.uint8)


def square_mask(height: int, width: int, top: int, left: int, size: int) -> np.ndarray:
    mask = np.zeros((height, width), bool)
    mask[top : top + size, left : left + size] = True
    return mask


def write_png(path: Path, array: np.ndarray) -> Path:
    from PIL import Image

    Image.fromarray(array).save(path)
    return path


def blotches(height: int, width: int, seed: int = 0) -> np.ndarray:
    """Smooth random colour blotches: neighbours alike, far pixels unrelated."""
    import cv2

    noise = np.random.default_rng(seed).random((height, width, 3)).astype(np.float32)
    smooth = cv2.GaussianBlur(noise, (0, 0), 2.0)
    smooth = (smooth - smooth.min()) / (smooth.max() - smooth.min())
    return (smooth * 255).round().astype(np.uint8)
