"""`restorer train filter|inpaint|eval`: train on a folder, the model lands in the models
folder and its evaluation is printed; resume continues; mistakes are one clear line."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from restorer.cli import main
from restorer.models import store

TINY = ["--size", "tiny", "--crop", "32", "--batch", "2", "--min-images", "4", "--threads", "1"]


@pytest.fixture(autouse=True)
def restore_threads():
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "photos"
    path.mkdir()
    for index in range(5):
        rng = np.random.default_rng(index)
        y, x = np.mgrid[0:48, 0:56].astype(np.float32)
        image = np.stack([x * 4, y * 3 + rng.uniform(0, 80), np.full_like(x, 100)], -1)
        cv2.circle(image, (20, 24), int(rng.integers(4, 12)), (240, 30, 60), -1)
        Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(path / f"p{index}.png")
    return path


def test_train_filter_adds_the_model_prints_its_evaluation_and_resumes(folder, capsys):
    args = ["train", "filter", str(folder), "--out", "Scans", "--steps", "3", *TINY]
    assert main([*args, "--degrade", "noise:20,dust", "--eval-crop", "32"]) == 0
    out = capsys.readouterr().out
    assert "Trained 'Scans' to step 3 on cpu" in out
    assert "Added to the models folder as 'scans' (RealESRGAN Compact restoration" in out
    assert "nlmeans (h=" in out and "Before/after strip:" in out
    assert store.get("scans").is_filter

    assert main([*args, "--resume", "--eval-crop", "32"]) == 0
    assert "to step 6" in capsys.readouterr().out
    assert len(store.list_models()) == 1  # the new version replaced the old one

    assert main(["train", "eval", "scans", str(folder), "--crop", "32"]) == 0
    out = capsys.readouterr().out
    assert "scans on 1 held-out photos of the training folder" in out
    assert "scans " in out and "input " in out

    assert main(args) == 2  # already trained: resume or choose another name
    assert "already trained" in capsys.readouterr().err


def test_train_inpaint_becomes_an_engine(folder, capsys, tmp_path):
    args = ["train", "inpaint", str(folder), "--out", "fill", "--steps", "2", *TINY]
    assert main([*args, "--masks", "blob", "--eval-crop", "32"]) == 0
    out = capsys.readouterr().out
    assert "Added to the models folder as 'fill' (LaMa inpaint" in out
    for engine in ("patchmatch", "telea", "navier-stokes"):
        assert engine in out
    strip = tmp_path / "strip.png"
    assert main(["train", "eval", "fill", str(folder), "--limit", "2", "--strip", str(strip)]) == 0
    out = capsys.readouterr().out
    assert "fill on 1 held-out photos of the training folder" in out
    height, width = cv2.imread(str(strip)).shape[:2]
    assert width == 6 * height  # hole | fill | telea | navier-stokes | patchmatch | clean

    other = tmp_path / "others"
    other.mkdir()
    for name in ("a", "b"):
        (other / f"{name}.png").write_bytes((folder / "p0.png").read_bytes())
    assert main(["train", "eval", "fill", str(other)]) == 0
    assert "fill on 2 all photos of the folder" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--degrade", "noise,fog"], "Unknown degradation 'fog'"),
        (["--min-images", "50"], "training needs at least 50"),
        (["--out", "bad name"], "cannot name a model"),
    ],
)
def test_mistakes_are_one_clear_line(folder, capsys, extra, message):
    args = ["train", "filter", str(folder), "--out", "x", "--steps", "1", *TINY, *extra]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
