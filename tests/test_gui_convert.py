"""numpy ⇄ QImage: shared buffers, odd widths, padded rows (bytesPerLine)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from ui.core.convert import array_from_qimage, wrap_array


def test_wrapping_an_odd_width_rgb_array_uses_its_real_row_length(qapp):
    array = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    image = wrap_array(array)
    assert image.format() == QImage.Format.Format_RGB888
    assert image.bytesPerLine() == 9  # not Qt's padded 12
    for y in range(2):
        for x in range(3):
            assert QColor(image.pixel(x, y)).getRgb()[:3] == tuple(array[y, x])


def test_wrapped_image_shares_the_array(qapp):
    array = np.zeros((4, 5, 4), np.uint8)
    image = wrap_array(array, QImage.Format.Format_RGBX8888)
    array[2, 3] = (10, 20, 30, 255)
    assert QColor(image.pixel(3, 2)).getRgb() == (10, 20, 30, 255)


def test_mask_wraps_as_indexed_image_with_a_colour_table(qapp):
    mask = np.zeros((3, 7), np.uint8)
    mask[1, 2] = 1
    table = [QColor(0, 0, 0, 0).rgba(), QColor(255, 0, 0, 128).rgba()]
    image = wrap_array(mask, QImage.Format.Format_Indexed8, table)
    assert image.bytesPerLine() == 7
    assert QColor.fromRgba(image.pixel(2, 1)).getRgb() == (255, 0, 0, 128)
    assert QColor.fromRgba(image.pixel(0, 0)).alpha() == 0


def test_reading_a_qimage_with_padded_rows(qapp):
    image = QImage(3, 2, QImage.Format.Format_RGB888)
    assert image.bytesPerLine() == 12  # rows padded to 4 bytes
    for y in range(2):
        for x in range(3):
            image.setPixelColor(x, y, QColor(x * 80, y * 100, 7))
    array = array_from_qimage(image)
    assert array.shape == (2, 3, 4)
    assert array[1, 2].tolist() == [160, 100, 7, 255]
    assert array[0, 0].tolist() == [0, 0, 7, 255]

    gray = QImage(3, 2, QImage.Format.Format_Grayscale8)
    gray.fill(0)
    gray.setPixelColor(2, 1, QColor(200, 200, 200))
    assert gray.bytesPerLine() == 4
    values = array_from_qimage(gray)
    assert values.shape == (2, 3) and values[1, 2] == 200 and values.sum() == 200


def test_round_trip_and_bad_input(qapp):
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, (5, 7, 4), dtype=np.uint8)
    assert np.array_equal(array_from_qimage(wrap_array(rgba)), rgba)
    with pytest.raises(ValueError):
        wrap_array(np.zeros((4, 6, 3), np.uint8)[:, ::2])
    with pytest.raises(TypeError):
        wrap_array(np.zeros((4, 4), np.float32))
