"""`restorer detect` and `restorer inpaint --detect`, run as a person runs them."""

from __future__ import annotations

import subprocess

import cv2
import numpy as np
import pytest

from restorer.imageio import load_image, load_mask, save_image, save_mask
from tests.support.cli import assert_clean_failure, restorer


@pytest.fixture
def scratched(tmp_path):
    """A grainy gradient with a bright film scratch (column 100) and a dark speck."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:200, 0:240].astype(np.float32)
    image = np.dstack([90 + xx / 4, 100 + yy / 5, 120 - xx / 8]) + rng.normal(0, 2, (200, 240, 1))
    clean = np.clip(image, 0, 255).astype(np.uint8)
    damaged = clean.copy()
    damaged[:, 99:101] = 245
    cv2.circle(damaged, (180, 60), 3, (15, 15, 15), -1)
    truth = np.zeros((200, 240), bool)
    truth[:, 99:101] = True
    truth[57:64, 177:184] = True
    return save_image(tmp_path / "scan.png", damaged), clean, truth


def test_detect_writes_a_mask_over_the_damage(tmp_path, scratched):
    photo, _, truth = scratched
    out = tmp_path / "mask.png"
    result = restorer("detect", photo, "-o", out, "--kinds", "dust,scratches")
    assert result.returncode == 0, result.stderr
    mask = load_mask(out)
    assert mask[truth].mean() > 0.9
    assert mask.mean() < 0.1


def test_inpaint_detect_repairs_found_and_given_masks(tmp_path, scratched):
    photo, clean, truth = scratched
    given = np.zeros(truth.shape, bool)
    given[10:20, 10:20] = True
    mask_path = save_mask(tmp_path / "given.png", given)
    out = tmp_path / "out.png"
    result = restorer(
        "inpaint", photo, "--detect", "--mask", mask_path, "-o", out, "--engine", "telea"
    )
    assert result.returncode == 0, result.stderr
    repaired = load_image(out).rgb.astype(np.float32)
    damaged = load_image(photo).rgb.astype(np.float32)
    before = np.abs(damaged - clean)[truth].mean()
    after = np.abs(repaired - clean)[truth].mean()
    assert after < before / 4
    assert not np.array_equal(repaired[given], damaged[given])  # the given mask was used too


def test_batch_detect_repairs_the_damage_it_finds(tmp_path, scratched):
    photo, clean, truth = scratched
    out = tmp_path / "out"
    result = restorer("batch", photo, "-o", out, "--detect", "--engine", "telea")
    assert result.returncode == 0, result.stderr
    repaired = load_image(out / photo.name).rgb.astype(np.int16)
    damaged = load_image(photo).rgb.astype(np.int16)
    before = np.abs(damaged - clean)[truth].mean()
    after = np.abs(repaired - clean)[truth].mean()
    assert after < before / 4
    assert np.array_equal(repaired[:, :60], damaged[:, :60])  # clean area untouched


def run_in_process(capsys, *args) -> subprocess.CompletedProcess:
    """The same `main` the command runs, in this process (quicker for the refusals)."""
    from restorer.cli import main

    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, captured.out, captured.err)


def test_unknown_kind(capsys, tmp_path, scratched):
    out = tmp_path / "mask.png"
    assert_clean_failure(
        run_in_process(capsys, "detect", scratched[0], "-o", out, "--kinds", "dust,fluff"),
        out,
        "fluff",
    )


def test_sensitivity_out_of_range(capsys, tmp_path, scratched):
    out = tmp_path / "mask.png"
    result = run_in_process(capsys, "detect", scratched[0], "-o", out, "--sensitivity", "1.5")
    assert_clean_failure(result, out, "Sensitivity")


def test_missing_photo(capsys, tmp_path):
    out = tmp_path / "mask.png"
    assert_clean_failure(
        run_in_process(capsys, "detect", tmp_path / "nope.jpg", "-o", out), out, "nope.jpg"
    )


def test_corrupt_photo(capsys, tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    out = tmp_path / "mask.png"
    assert_clean_failure(run_in_process(capsys, "detect", bad, "-o", out), out, "bad.png")


def test_mask_must_be_png(capsys, tmp_path, scratched):
    out = tmp_path / "mask.jpg"
    assert_clean_failure(run_in_process(capsys, "detect", scratched[0], "-o", out), out, ".png")


def test_inpaint_needs_a_mask_or_detect(capsys, tmp_path, scratched):
    out = tmp_path / "out.png"
    assert_clean_failure(
        run_in_process(capsys, "inpaint", scratched[0], "-o", out), out, "--detect"
    )
