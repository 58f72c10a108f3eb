"""The stable Python surface of Restorer.

    >>> from restorer.api import inpaint
    >>> repaired = inpaint(image, mask)            # best weight-free engine, GPU if present

Images are numpy arrays: HxWx3 uint8 RGB (HxWx4 drops alpha, HxW gray is expanded).
Masks are HxW arrays, bool or numeric, where non-zero means "repair this pixel".
"""

from __future__ import annotations

import numpy as np

from restorer.catalog import registry
from restorer.devices import resolve_device
from restorer.errors import MaskError, RestorerError
from restorer.progress import Progress


def as_rgb(image: np.ndarray) -> np.ndarray:
    """Return `image` as a contiguous HxWx3 uint8 array, or raise a readable error."""
    array = np.asarray(image)
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise RestorerError(
            f"Expected an HxWx3 RGB image, got an array of shape {tuple(array.shape)}."
        )
    if array.shape[2] == 4:
        array = array[:, :, :3]
    if array.dtype != np.uint8:
        if array.dtype == np.uint16:
            array = (array.astype(np.uint32) * 255 + 32767) // 65535
        elif np.issubdtype(array.dtype, np.floating):
            array = np.clip(array, 0.0, 1.0) * 255.0 + 0.5
        else:
            raise RestorerError(f"Unsupported image data type {array.dtype}; use uint8.")
        array = array.astype(np.uint8)
    if array.shape[0] < 1 or array.shape[1] < 1:
        raise RestorerError("The image is empty.")
    return np.ascontiguousarray(array)


def as_mask(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Return `mask` as an HxW bool array matching `shape`, or raise `MaskError`."""
    array = np.asarray(mask)
    if array.ndim == 3:
        # A colour or alpha mask image: any non-zero channel marks the pixel.
        array = array.any(axis=2)
    if array.ndim != 2:
        raise MaskError(f"A mask must be HxW; got an array of shape {tuple(array.shape)}.")
    if array.shape != tuple(shape):
        raise MaskError(
            f"The mask is {array.shape[1]}x{array.shape[0]} but the image is "
            f"{shape[1]}x{shape[0]}; they must be the same size."
        )
    return array.astype(bool, copy=False)


def inpaint(
    image: np.ndarray,
    mask: np.ndarray,
    engine: str | None = None,
    device: str = "auto",
    *,
    progress: Progress | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Rebuild the masked pixels of `image` and return a new HxWx3 uint8 RGB array.

    `engine=None` picks the best engine that needs no model files. `device` is 'auto'
    (CUDA when present and the engine supports it), 'cpu' or 'cuda'. Pixels outside the
    mask are returned unchanged.
    """
    from restorer.regions import inpaint_regions

    rgb = as_rgb(image)
    hole = as_mask(mask, rgb.shape[:2])
    chosen = registry().resolve(engine)
    resolved = resolve_device(device, chosen.devices)
    return inpaint_regions(chosen, rgb, hole, progress or Progress(), device=resolved, seed=seed)
