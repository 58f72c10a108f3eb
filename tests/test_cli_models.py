"""`restorer models ...`, `restorer filter` and model engines, run as a user runs them."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _model_files import lama_weights, save_safetensors, sr_module, write_malicious_pickle
from PIL import Image

from restorer import catalog, models
from restorer.catalog import registry
from restorer.cli import main

ROOT = Path(__file__).resolve().parents[1]


def restorer(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # RESTORER_DATA_DIR comes from conftest
    return subprocess.run(
        [sys.executable, "-m", "restorer", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def _write_photo(path: Path, height: int = 48, width: int = 64) -> Path:
    rng = np.random.default_rng(5)
    Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8)).save(path)
    return path


def test_models_path_and_empty_list():
    shown = restorer("models", "path")
    assert shown.returncode == 0
    assert Path(shown.stdout.strip()) == models.models_dir()
    listed = restorer("models", "list")
    assert listed.returncode == 0 and "No models yet" in listed.stdout


def test_add_list_filter_remove(tmp_path, capsys):
    source = save_safetensors(sr_module(scale=2), tmp_path / "Tiny-SR-x2.safetensors")
    added = restorer("models", "add", source)
    assert added.returncode == 0, added.stderr
    assert "Added 'tiny-sr-x2'" in added.stdout and "super-resolution" in added.stdout

    photo = _write_photo(tmp_path / "photo.png")
    out = tmp_path / "big.png"
    filtered = restorer("filter", photo, "--model", "tiny-sr-x2", "-o", out, "--tile", "32")
    assert filtered.returncode == 0, filtered.stderr
    assert Image.open(out).size == (128, 96)

    # The rest in this process (same code path, without paying torch's import again).
    assert main(["models", "list", "--verbose", "--device", "cpu"]) == 0
    listed = capsys.readouterr().out
    row = next(line for line in listed.splitlines() if line.startswith("tiny-sr-x2 "))
    assert "RealESRGAN Compact" in row and "2x" in row and "CPU (fp32)" in row
    assert models.get("tiny-sr-x2").sha256 in listed

    mask = np.zeros((48, 64), dtype=np.uint8)
    mask[10:30, 20:40] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    same_size = tmp_path / "area.png"
    status = main(
        [
            "filter",
            str(photo),
            "--model",
            "tiny-sr-x2",
            "--mask",
            str(tmp_path / "mask.png"),
            "-o",
            str(same_size),
            "--device",
            "cpu",
        ]
    )
    assert status == 0
    before, after = np.asarray(Image.open(photo)), np.asarray(Image.open(same_size))
    assert after.shape == before.shape
    assert np.array_equal(after[mask == 0], before[mask == 0])

    removed = restorer("models", "remove", "tiny-sr-x2")
    assert removed.returncode == 0 and "Removed 'tiny-sr-x2'" in removed.stdout
    assert models.list() == []


@pytest.mark.parametrize("case", ["random", "malicious", "unknown-id", "duplicate"])
def test_errors_are_one_line_with_status_2(tmp_path, case):
    target = tmp_path / "created_by_payload"
    if case == "random":
        args = ["models", "add", tmp_path / "random.pth"]
        # Seeded, and not starting with 0x80 (a pickle's first byte): always "not a model".
        (tmp_path / "random.pth").write_bytes(b"junk" + random.Random(0).randbytes(2044))
        expected = "random.pth is not a model file"
    elif case == "malicious":
        args = ["models", "add", write_malicious_pickle(tmp_path / "evil.pth", target)]
        expected = "evil.pth was refused"
    elif case == "unknown-id":
        args = ["filter", _write_photo(tmp_path / "p.png"), "--model", "nope", "-o", "o.png"]
        expected = "No model called 'nope'"
    else:
        source = save_safetensors(sr_module(), tmp_path / "sr.safetensors")
        catalog.add_model(source)
        args = ["models", "add", source]
        expected = "already in the models folder as 'sr'"
    result = restorer(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("restorer: error: ")
    assert expected in lines[0]
    assert not target.exists()


def test_inpainting_model_is_an_engine_on_the_command_line(tmp_path):
    catalog.add_model(save_safetensors(lama_weights(), tmp_path / "big-lama.safetensors"))
    listed = restorer("engines")
    assert listed.returncode == 0
    line = next(line for line in listed.stdout.splitlines() if line.startswith("big-lama "))
    assert "LaMa inpainting model" in line and "model" in line

    photo = _write_photo(tmp_path / "photo.png", 40, 40)
    mask = np.zeros((40, 40), dtype=np.uint8)
    mask[12:24, 10:30] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    out = tmp_path / "filled.png"
    args = ["inpaint", str(photo), "--mask", str(tmp_path / "mask.png"), "--engine", "big-lama"]
    assert main([*args, "-o", str(out), "--device", "cpu"]) == 0
    before, after = np.asarray(Image.open(photo)), np.asarray(Image.open(out))
    assert np.array_equal(after[mask == 0], before[mask == 0])
    assert not np.array_equal(after[mask > 0], before[mask > 0])
    registry().refresh()
