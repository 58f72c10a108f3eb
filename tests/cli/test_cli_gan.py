"""`restorer gan train / sample / eval / list`, run as a subprocess."""

from __future__ import annotations

import numpy as np

from restorer.cli import main
from restorer.imageio import load_image
from tests.support.cli import restorer
from tests.support.gan import single_torch_thread, tiny_folder  # noqa: F401


def test_train_sample_eval_list_and_clear_errors(tmp_path, capsys):
    folder = tiny_folder(tmp_path / "pictures")
    train = restorer(
        "gan",
        "train",
        folder,
        "--size",
        "16",
        "--steps",
        "4",
        "--out",
        "bands",
        "--channels",
        "8",
        "--batch",
        "4",
        one_thread=True,
        timeout=180,
    )
    assert train.returncode == 0, train.stderr
    assert "Trained 'bands' to step 4" in train.stdout

    grid_path = tmp_path / "grid.png"
    each = tmp_path / "each"
    sample = restorer(
        "gan",
        "sample",
        "bands",
        "-n",
        "4",
        "--seed",
        "5",
        "-o",
        grid_path,
        "--each",
        each,
        one_thread=True,
        timeout=180,
    )
    assert sample.returncode == 0, sample.stderr
    grid = load_image(grid_path).rgb
    assert grid.shape == (16 * 2 + 2, 16 * 2 + 2, 3)
    files = sorted(each.glob("*.png"))
    assert [f.name for f in files] == [f"bands-{i:03d}.png" for i in range(1, 5)]
    assert np.array_equal(load_image(files[0]).rgb, grid[:16, :16])

    # The rest in-process through the same entry point (a subprocess each costs seconds).
    assert main(["gan", "list"]) == 0
    listing = capsys.readouterr().out
    assert listing.startswith("bands ") and "16px" in listing and "step 4" in listing

    assert main(["gan", "eval", "bands", str(folder), "-n", "16"]) == 0
    evaluation = capsys.readouterr().out
    assert "SWD×10³" in evaluation and "Memorisation:" in evaluation

    for args, needle in [
        (("gan", "sample", "missing", "-o", grid_path), "No trained generator called 'missing'"),
        (("gan", "train", tmp_path / "nowhere", "--out", "x"), "is not a folder"),
        (
            ("gan", "train", folder, "--out", "bands", "--size", "16", "--steps", "1"),
            "already exists",
        ),
        (("gan", "train", folder, "--out", "y", "--size", "48"), "Image size must be one of"),
        (("gan", "sample", "bands", "-o", tmp_path / "grid.xyz"), "xyz"),
    ]:
        assert main([str(a) for a in args]) == 2, args
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0], (args, lines)
