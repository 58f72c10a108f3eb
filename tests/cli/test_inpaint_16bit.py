"""`restorer inpaint` on a 16-bit scan writes a 16-bit file, untouched pixels bit for bit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import tifffile

from restorer.imageio import load_image, save_mask

ROOT = Path(__file__).resolve().parents[2]


def test_inpaint_keeps_a_16bit_tiff_at_16_bits(tmp_path):
    y, x = np.mgrid[0:48, 0:64]
    scan = np.dstack([9000 + 50 * x, 30000 + 40 * y, 50000 - 30 * x]).astype(np.uint16)
    tifffile.imwrite(tmp_path / "scan.tif", scan, photometric="rgb", metadata=None)
    mask = np.zeros((48, 64), bool)
    mask[15:30, 20:40] = True
    save_mask(tmp_path / "mask.png", mask)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "restorer", "inpaint", str(tmp_path / "scan.tif"),
         "--mask", str(tmp_path / "mask.png"), "-o", str(tmp_path / "out.tif"),
         "--engine", "telea"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with tifffile.TiffFile(tmp_path / "out.tif") as written:
        pixels = written.asarray()
        assert written.pages[0].bitspersample == 16
    assert np.array_equal(pixels[~mask], scan[~mask])
    assert not np.array_equal(pixels[mask], scan[mask])
    assert load_image(tmp_path / "out.tif").bits_per_channel == 16
