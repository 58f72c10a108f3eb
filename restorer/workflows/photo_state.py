"""A whole photo's size-dependent state, prepared off the GUI thread.

Super-resolution and Extend canvas give a new photo of another size; rectangle edits
cannot hold that. `PhotoState` is everything that depends on the photo's size — RGBA
pixels, the mask, their zoom pyramids — and `prepare_photo` builds one in the job, so
the window merely swaps objects (`ui.document.commands.ReplacePhotoCommand`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from restorer.geometry import Box, bounding_box
from restorer.pyramid import Pyramid


@dataclass
class PhotoState:
    """The size-dependent parts of a document."""

    pixels: np.ndarray  # HxWx4 uint8 RGBA
    mask: np.ndarray  # HxW uint8, as the document keeps it (0 = keep)
    image_pyramid: Pyramid
    mask_pyramid: Pyramid
    mask_bounds: Box | None
    shares: int = 0  # jobs that may still read `pixels` (see `Document.share_pixels`)

    @property
    def size(self) -> tuple[int, int]:
        """(height, width)."""
        return int(self.pixels.shape[0]), int(self.pixels.shape[1])


def prepare_photo(
    image: np.ndarray, mask: np.ndarray | None = None, mask_gain: int = 255
) -> PhotoState:
    """A `PhotoState` for `image` (HxWx3 RGB or HxWx4 RGBA uint8) and `mask` (HxW or None).

    `mask_gain` is the document's mask pyramid gain (`Document.mask_pyramid.gain`), so
    the new mask pyramid matches how the document stores its mask. Plain numpy work
    (copies and pyramids): jobs call it on the worker thread.
    """
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] not in (3, 4) or array.dtype != np.uint8:
        raise ValueError(f"expected an HxWx3 or HxWx4 uint8 image, got {array.shape} {array.dtype}")
    height, width = array.shape[:2]
    pixels = np.empty((height, width, 4), np.uint8)
    pixels[..., :3] = array[..., :3]
    pixels[..., 3] = array[..., 3] if array.shape[2] == 4 else 255
    if mask is None:
        mask_u8 = np.zeros((height, width), np.uint8)
    else:
        mask_u8 = np.asarray(mask)
        # uint8 values are the document's own mask values and are kept; bool is 0/1.
        mask_u8 = mask_u8.astype(np.uint8) if mask_u8.dtype != np.uint8 else mask_u8.copy()
        if mask_u8.shape != (height, width):
            raise ValueError(f"mask shape {mask_u8.shape} is not the image's {(height, width)}")
    return PhotoState(
        pixels=pixels,
        mask=mask_u8,
        image_pyramid=Pyramid(pixels),
        mask_pyramid=Pyramid(mask_u8, gain=mask_gain),
        mask_bounds=bounding_box(mask_u8),
    )


def resize_mask(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`mask` (HxW) resized to `size` (height, width) by nearest neighbour (values kept)."""
    import cv2

    height, width = size
    source = np.asarray(mask)
    source = source if source.dtype == np.uint8 else source.astype(np.uint8)
    if source.shape == (height, width):
        return source
    return cv2.resize(source, (width, height), interpolation=cv2.INTER_NEAREST)
