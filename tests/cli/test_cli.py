"""The `restorer` command, run as a subprocess the way a person runs it."""

from __future__ import annotations

import numpy as np
import pytest

from restorer.imageio import load_image, save_image, save_mask
from tests.support.cli import assert_clean_failure, restorer
from tests.support.helpers import gradient_photo, square_mask


@pytest.fixture
def photo_and_mask(tmp_path):
    image = gradient_photo()
    mask = square_mask(96, 128, 30, 40, 10)
    return save_image(tmp_path / "photo.png", image), save_mask(tmp_path / "mask.png", mask)


def test_engines_lists_ids_with_descriptions():
    result = restorer("engines")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("telea ") for line in lines)
    assert any(line.startswith("navier-stokes ") for line in lines)
    assert sum("[default" in line for line in lines) == 1


def test_inpaint_writes_repaired_photo(tmp_path, photo_and_mask):
    photo, mask_path = photo_and_mask
    out = tmp_path / "out.png"
    result = restorer("inpaint", photo, "--mask", mask_path, "-o", out, "--engine", "telea")
    assert result.returncode == 0, result.stderr
    original = load_image(photo).rgb
    repaired = load_image(out).rgb
    mask = square_mask(96, 128, 30, 40, 10)
    assert np.array_equal(repaired[~mask], original[~mask])
    assert not np.array_equal(repaired[mask], original[mask])


def test_missing_image(tmp_path, photo_and_mask):
    _, mask_path = photo_and_mask
    out = tmp_path / "out.png"
    result = restorer("inpaint", tmp_path / "nope.jpg", "--mask", mask_path, "-o", out)
    assert_clean_failure(result, out, "No such file", "nope.jpg")


def test_corrupt_image(tmp_path, photo_and_mask):
    _, mask_path = photo_and_mask
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 50)
    out = tmp_path / "out.png"
    result = restorer("inpaint", bad, "--mask", mask_path, "-o", out)
    assert_clean_failure(result, out, "bad.jpg")


def test_not_an_image(tmp_path, photo_and_mask):
    _, mask_path = photo_and_mask
    text = tmp_path / "notes.png"
    text.write_text("hello")
    out = tmp_path / "out.png"
    result = restorer("inpaint", text, "--mask", mask_path, "-o", out)
    assert_clean_failure(result, out, "notes.png", "could not be read as an image")


def test_mask_of_another_size(tmp_path, photo_and_mask):
    photo, _ = photo_and_mask
    small = save_mask(tmp_path / "small.png", np.ones((10, 10), bool))
    out = tmp_path / "out.png"
    result = restorer("inpaint", photo, "--mask", small, "-o", out)
    assert_clean_failure(result, out, "same size")


def test_unknown_engine_and_output_type(tmp_path, photo_and_mask):
    photo, mask_path = photo_and_mask
    out = tmp_path / "out.png"
    result = restorer("inpaint", photo, "--mask", mask_path, "-o", out, "--engine", "magic")
    assert_clean_failure(result, out, "magic", "Available")
    weird = tmp_path / "out.xyz"
    result = restorer("inpaint", photo, "--mask", mask_path, "-o", weird)
    assert_clean_failure(result, weird, ".xyz")


def test_usage_error_is_one_line(tmp_path):
    result = restorer("inpaint", "only-an-image.png")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "--output" in result.stderr  # --mask is optional since --detect can find one
