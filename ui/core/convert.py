"""numpy ⇄ QImage without needless copies.

`wrap_array` shares the numpy buffer: painting the QImage shows the array's current
pixels, so a brush stroke that changes a few hundred mask pixels costs no conversion of
the photo. The QImage holds a reference to the buffer (PySide6 does this), but callers
should still keep the array: replacing it means wrapping the new one.

`array_from_qimage` copies a QImage's pixels out row by row, honouring `bytesPerLine`
(Qt pads rows to 4 bytes; an RGB888 image 3 pixels wide has 12 bytes per row, not 9).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

_FORMATS_BY_CHANNELS = {
    1: QImage.Format.Format_Grayscale8,
    3: QImage.Format.Format_RGB888,
    4: QImage.Format.Format_RGBA8888,
}


def wrap_array(
    array: np.ndarray,
    image_format: QImage.Format | None = None,
    color_table: list[int] | None = None,
) -> QImage:
    """A QImage over the pixels of an HxW or HxWxC uint8 array (C = 1, 3 or 4).

    The default format follows the channel count (Grayscale8, RGB888, RGBA8888); pass
    `QImage.Format_RGBX8888` for opaque RGBA storage or `Format_Indexed8` with a
    `color_table` for a mask. The array must be C-contiguous (it is not copied).
    """
    if array.dtype != np.uint8:
        raise TypeError(f"expected uint8 pixels, got {array.dtype}")
    if array.ndim not in (2, 3):
        raise ValueError(f"expected an HxW or HxWxC array, got shape {array.shape}")
    if not array.flags.c_contiguous:
        raise ValueError("the array must be C-contiguous to be shared with a QImage")
    channels = 1 if array.ndim == 2 else array.shape[2]
    if image_format is None:
        if channels not in _FORMATS_BY_CHANNELS:
            raise ValueError(f"cannot show {channels} channels")
        image_format = _FORMATS_BY_CHANNELS[channels]
    height, width = array.shape[:2]
    image = QImage(array.data, width, height, array.strides[0], image_format)
    if color_table is not None:
        image.setColorTable(color_table)
    return image


def array_from_qimage(image: QImage) -> np.ndarray:
    """A copy of a QImage's pixels: HxWx4 RGBA for colour images, HxW for 8-bit gray."""
    if image.format() == QImage.Format.Format_Grayscale8:
        channels = 1
    else:
        if image.format() != QImage.Format.Format_RGBA8888:
            image = image.convertToFormat(QImage.Format.Format_RGBA8888)
        channels = 4
    height, width, stride = image.height(), image.width(), image.bytesPerLine()
    buffer = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * height)
    rows = buffer.reshape(height, stride)[:, : width * channels]
    if channels == 1:
        return rows.copy()
    return rows.reshape(height, width, channels).copy()
