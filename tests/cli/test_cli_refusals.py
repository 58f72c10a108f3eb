"""The `restorer` command refuses bad and hostile files with one line and status 2."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.engine.fuzzing import bombs, mutated

ROOT = Path(__file__).resolve().parents[2]


def _restorer(*args: object) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "restorer", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def _short_ihdr_png() -> bytes:
    ihdr = struct.pack(">II", 32, 32)
    crc = zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 8) + b"IHDR" + ihdr + struct.pack(">I", crc)


def _damaged_lzw_tiff() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (9, 90, 200)).save(buffer, "TIFF", compression="tiff_lzw")
    data = bytearray(buffer.getvalue())
    data[10:20] = b"\xff" * 10
    return bytes(data)


def _mask(folder: Path, size: tuple[int, int]) -> Path:
    mask = np.zeros((size[1], size[0]), np.uint8)
    mask[2:6, 2:6] = 255
    path = folder / "mask.png"
    Image.fromarray(mask).save(path)
    return path


def _first_refused_mutation(folder: Path) -> Path:
    from restorer.errors import RestorerError
    from restorer.imageio import load_image

    for index, (fmt, data) in enumerate(mutated(200, seed=3)):
        path = folder / f"mutated{index}.{fmt}"
        path.write_bytes(data)
        try:
            load_image(path)
        except RestorerError:
            return path
    raise AssertionError("no mutated file was refused")


@pytest.mark.parametrize("kind", ["short-ihdr", "libtiff-noise", "bomb", "mutated", "bad-mask"])
def test_a_refused_file_is_one_line_on_stderr_and_status_2(tmp_path, kind):
    good = tmp_path / "good.png"
    Image.new("RGB", (32, 32), (120, 130, 140)).save(good)
    image, mask = good, _mask(tmp_path, (32, 32))
    if kind == "short-ihdr":
        image = tmp_path / "short.png"
        image.write_bytes(_short_ihdr_png())
    elif kind == "libtiff-noise":
        image = tmp_path / "damaged.tif"
        image.write_bytes(_damaged_lzw_tiff())
    elif kind == "bomb":
        image = tmp_path / "bomb.png"
        image.write_bytes(bombs()["png-4gp-rgb.png"])
    elif kind == "mutated":
        image = _first_refused_mutation(tmp_path)
    else:
        mask = tmp_path / "mask.png"
        mask.write_bytes(_short_ihdr_png())
    out = tmp_path / "out.png"
    result = _restorer("inpaint", image, "--mask", mask, "-o", out, "--engine", "telea")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("restorer: error: ")
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_jpeg_with_corrupt_exif_is_repaired_without_noise(tmp_path):
    image = tmp_path / "exif.jpg"
    exif = b"Exif\0\0II*\0\x08\0\0\0\xff\xff"
    Image.new("RGB", (32, 32), (200, 30, 30)).save(image, "JPEG", exif=exif)
    out = tmp_path / "out.png"
    result = _restorer(
        "inpaint", image, "--mask", _mask(tmp_path, (32, 32)), "-o", out, "--engine", "telea"
    )
    assert result.returncode == 0, result.stderr
    assert "Corrupt" not in result.stderr and "Warning" not in result.stderr
    assert Image.open(out).size == (32, 32)
