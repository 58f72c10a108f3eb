"""`restorer batch` run as a person runs it: flags, formats, failures, resume, exit status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image

from restorer.imageio import load_image, save_image, save_mask

ROOT = Path(__file__).resolve().parents[2]


def restorer(*args) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "restorer", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def gradient(height: int = 48, width: int = 64) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width]
    return np.dstack([x * 4, y * 5, (x + y) * 2]).astype(np.uint8)


def box(height: int = 48, width: int = 64) -> np.ndarray:
    mask = np.zeros((height, width), bool)
    mask[15:30, 20:40] = True
    return mask


def test_batch_over_a_folder_of_mixed_formats(tmp_path):
    inputs, masks = tmp_path / "in", tmp_path / "masks"
    (inputs / "roll2").mkdir(parents=True)
    masks.mkdir()
    save_image(inputs / "family.jpg", gradient())
    save_image(inputs / "roll2" / "phone.heic", gradient())
    y, x = np.mgrid[0:48, 0:64]
    scan = np.dstack([9000 + 60 * x, 30000 + 50 * y, 50000 - 40 * x]).astype(np.uint16)
    tifffile.imwrite(inputs / "scan16.tif", scan, photometric="rgb", metadata=None)
    (inputs / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    for name in ("family", "phone", "scan16", "corrupt"):
        save_mask(masks / f"{name}.png", box())

    out, report = tmp_path / "out", tmp_path / "report.json"
    args = [inputs, "-r", "-o", out, "--masks", masks, "--engine", "telea"]
    done = restorer("batch", *args, "--suffix", "_fixed", "--report", report)
    assert done.returncode == 1, done.stderr  # one file failed
    assert "corrupt.png" in done.stderr and "3 repaired" in done.stdout
    assert "1 failed" in done.stdout
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == ["family_fixed.jpg", "roll2/phone_fixed.heic", "scan16_fixed.tif"]
    with tifffile.TiffFile(out / "scan16_fixed.tif") as tif:
        pixels = tif.asarray()
        assert tif.pages[0].bitspersample == 16
    assert np.array_equal(pixels[~box()], scan[~box()])
    with Image.open(out / "roll2" / "phone_fixed.heic") as heic:
        assert heic.format == "HEIF"
    data = json.loads(report.read_text())
    assert data["counts"] == {"done": 3, "skipped": 0, "failed": 1}
    assert {Path(f["source"]).name: f["status"] for f in data["files"]}["corrupt.png"] == "failed"

    again = restorer("batch", *args, "--suffix", "_fixed", "--skip-existing", "--report", report)
    assert again.returncode == 1
    assert json.loads(report.read_text())["counts"] == {"done": 0, "skipped": 3, "failed": 1}


def test_batch_shared_mask_format_and_jobs(tmp_path):
    (tmp_path / "in").mkdir()
    for index in range(3):
        save_image(tmp_path / "in" / f"p{index}.jpg", np.roll(gradient(), index * 5, axis=1))
    save_mask(tmp_path / "mask.png", box())
    out = tmp_path / "out"
    done = restorer(
        "batch", tmp_path / "in" / "*.jpg", "-o", out, "--mask", tmp_path / "mask.png",
        "--format", "png", "--jobs", "2", "--engine", "telea",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for index in range(3):
        original = load_image(tmp_path / "in" / f"p{index}.jpg").rgb
        repaired = load_image(out / f"p{index}.png").rgb
        assert np.array_equal(repaired[~box()], original[~box()])


def test_batch_usage_errors_are_one_line_with_status_2(tmp_path, capsys, monkeypatch):
    from restorer.cli import main

    save_image(tmp_path / "a.png", gradient())
    with pytest.raises(SystemExit) as no_mask:
        main(["batch", str(tmp_path / "a.png"), "-o", str(tmp_path / "out")])
    assert no_mask.value.code == 2 and "--mask" in capsys.readouterr().err
    save_mask(tmp_path / "m.png", box())
    missing = [
        "batch",
        str(tmp_path / "nope"),
        "-o",
        str(tmp_path / "out"),
        "--mask",
        str(tmp_path / "m.png"),
    ]
    assert main(missing) == 2
    assert "nope" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "restorer.damage", None)  # as if not installed
    assert main(["batch", str(tmp_path / "a.png"), "-o", str(tmp_path / "out"), "--detect"]) == 2
    err = capsys.readouterr().err
    assert "restorer.damage" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
