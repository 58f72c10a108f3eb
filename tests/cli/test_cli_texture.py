"""`restorer texture`, run as a subprocess the way a person runs it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from restorer.imageio import load_image, save_image
from tests.support.cli import assert_clean_failure, restorer
from tests.support.helpers import blotches


@pytest.fixture
def photo(tmp_path) -> Path:
    image = np.zeros((60, 90, 3), np.uint8)
    image[10:50, 20:60] = blotches(40, 40, seed=7)
    return save_image(tmp_path / "photo.png", image)


def test_texture_writes_a_texture_of_the_asked_size_from_the_rectangle(tmp_path, photo):
    out = tmp_path / "texture.png"
    result = restorer(
        "texture", photo, "--rect", "20,10,40,40", "--size", "40x32", "-o", out, "--seed", "2"
    )
    assert result.returncode == 0, result.stderr
    texture = load_image(out).rgb
    assert texture.shape == (32, 40, 3)
    assert texture.min() > 0  # made of the rectangle, none of the black around it


@pytest.mark.parametrize(
    ("rect", "size", "needles"),
    [
        ("50,10,60,40", "40x32", ["outside the 90x60 image"]),
        ("20,10,40", "40x32", ["--rect", "not a rectangle"]),
        ("20,10,4,40", "40x32", ["at least"]),
        ("20,10,40,40", "40 by 32", ["--size", "not a size"]),
        ("20,10,40,40", "90000x32", ["too large"]),
    ],
)
def test_bad_numbers_fail_cleanly(tmp_path, photo, rect, size, needles):
    out = tmp_path / "texture.png"
    result = restorer("texture", photo, "--rect", rect, "--size", size, "-o", out)
    assert_clean_failure(result, out, *needles)


def test_unreadable_image_fails_cleanly(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image at all")
    out = tmp_path / "texture.png"
    result = restorer("texture", bad, "--rect", "0,0,40,40", "--size", "40x40", "-o", out)
    assert_clean_failure(result, out, "bad.png")
