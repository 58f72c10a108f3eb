"""restorer.batch: planning a batch, running it on local workers, resuming it."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from restorer.batch import (
    DONE,
    FAILED,
    SKIPPED,
    BatchError,
    BatchOptions,
    check_options,
    plan,
    run_local,
)
from restorer.batch.plan import output_extension
from restorer.imageio import load_image, save_image, save_mask


def photo(seed: int, height: int = 60, width: int = 80) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width]
    base = np.dstack([x * 3, y * 4, (x + y) * 2]) + seed * 7
    return (base % 256).astype(np.uint8)


def box_mask(height: int = 60, width: int = 80, top: int = 20) -> np.ndarray:
    mask = np.zeros((height, width), bool)
    mask[top : top + 12, 30:50] = True
    return mask


@pytest.fixture
def folder(tmp_path):
    """in/a.jpg, in/b.png, in/sub/c.png, in/broken.jpg, in/notes.txt; masks/ by name."""
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "masks" / "sub").mkdir(parents=True)
    for index, name in enumerate(["a.jpg", "b.png", "sub/c.png"]):
        save_image(tmp_path / "in" / name, photo(index))
    (tmp_path / "in" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (tmp_path / "in" / "notes.txt").write_text("not a photo")
    save_mask(tmp_path / "masks" / "a.png", box_mask(top=5))
    save_mask(tmp_path / "masks" / "b.png", box_mask(top=20))
    save_mask(tmp_path / "masks" / "sub" / "c.png", box_mask(top=40))
    save_mask(tmp_path / "mask.png", box_mask())
    return tmp_path


def test_plan_keeps_names_and_subfolders(folder):
    out = folder / "out"
    flat = plan([str(folder / "in")], out)
    assert sorted(str(i.output.relative_to(out)) for i in flat) == ["a.jpg", "b.png", "broken.jpg"]
    deep = plan([str(folder / "in")], out, recursive=True, suffix="_fixed", fmt="tif")
    names = sorted(str(i.output.relative_to(out)) for i in deep)
    assert names == ["a_fixed.tif", "b_fixed.tif", "broken_fixed.tif", "sub/c_fixed.tif"]
    assert output_extension(Path("IMG_1.NEF"), "same") == ".tif"  # RAW is never written
    assert output_extension(Path("IMG_2.heic"), "same") == ".heic"
    globbed = plan([str(folder / "in" / "*.png"), str(folder / "in" / "a.jpg")], out)
    assert [i.source.name for i in globbed] == ["a.jpg", "b.png"]


def test_plan_finds_each_photos_mask_by_name(folder):
    items = plan([str(folder / "in")], folder / "out", recursive=True, masks=folder / "masks")
    masks = {i.source.name: i.mask for i in items}
    assert masks["a.jpg"] == folder / "masks" / "a.png"
    assert masks["c.png"] == folder / "masks" / "sub" / "c.png"
    assert masks["broken.jpg"] is None


def test_plan_refuses_what_cannot_work(folder):
    with pytest.raises(BatchError, match="No such file"):
        plan([str(folder / "missing")], folder / "out")
    with pytest.raises(BatchError, match="both be written"):
        save_image(folder / "in" / "a.png", photo(9))
        plan([str(folder / "in")], folder / "out", fmt="png")
    with pytest.raises(BatchError, match="over itself"):
        plan([str(folder / "in" / "b.png")], folder / "in")


def test_run_repairs_each_photo_with_its_mask_and_reports_failures(folder):
    out = folder / "out"
    items = plan([str(folder / "in")], out, recursive=True, masks=folder / "masks")
    results = run_local(items, BatchOptions(engine="telea", masks=folder / "masks"))
    status = {r.source.rsplit("/", 1)[-1]: r for r in results}
    assert status["broken.jpg"].status == FAILED
    assert "broken.jpg" in status["broken.jpg"].error
    for name, top in (("b.png", 20), ("sub/c.png", 40)):
        original = load_image(folder / "in" / name).rgb
        repaired = load_image(out / name).rgb
        mask = box_mask(top=top)
        assert np.array_equal(repaired[~mask], original[~mask])
        assert not np.array_equal(repaired[mask], original[mask])
    assert status["a.jpg"].status == DONE and (out / "a.jpg").is_file()
    assert not (out / "broken.jpg").exists()


def test_workers_are_reused_across_photos(folder):
    for index in range(3, 7):
        save_image(folder / "in" / f"more{index}.png", photo(index))
    items = plan([str(folder / "in" / "*.png")], folder / "out")
    results = run_local(items, BatchOptions(engine="telea", mask=folder / "mask.png"), jobs=2)
    assert [r.status for r in results] == [DONE] * 5
    assert 1 <= len({r.worker for r in results}) <= 2  # two workers, each loaded once


def test_interrupted_run_resumes_without_half_written_files(folder):
    out = folder / "out"
    items = plan([str(folder / "in")], out, recursive=True, fmt="png")
    options = BatchOptions(engine="telea", mask=folder / "mask.png", skip_existing=True)
    finished = []

    def stop_after_first(result):
        finished.append(result)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_local(items, options, on_result=stop_after_first)
    written = sorted(p.name for p in out.rglob("*") if p.is_file())
    assert written == ["a.png"]  # the one finished file, nothing half-written beside it
    (out / "sub").mkdir()
    (out / "sub" / ".c.png.x1y2.tmp").write_bytes(b"half a png")  # a killed run's leftover
    first_bytes = (out / "a.png").read_bytes()

    results = run_local(items, options)
    by_name = {r.source.rsplit("/", 1)[-1]: r.status for r in results}
    assert by_name == {"a.jpg": SKIPPED, "b.png": DONE, "broken.jpg": FAILED, "c.png": DONE}
    assert (out / "a.png").read_bytes() == first_bytes
    assert not list(out.rglob("*.tmp"))
    assert load_image(out / "sub" / "c.png").rgb.shape == (60, 80, 3)


def test_wrong_sized_shared_mask_fails_only_that_photo(folder):
    save_image(folder / "in" / "big.png", photo(5, 90, 120))
    items = plan([str(folder / "in" / "*.png")], folder / "out")
    results = run_local(items, BatchOptions(engine="telea", mask=folder / "mask.png"))
    status = {r.source.rsplit("/", 1)[-1]: r for r in results}
    assert status["b.png"].status == DONE
    assert status["big.png"].status == FAILED and "120x90" in status["big.png"].error


def test_detect_without_the_damage_detector_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "restorer.damage", None)  # as if not installed
    with pytest.raises(BatchError, match="restorer.damage"):
        check_options(BatchOptions(detect=True))
    assert check_options(BatchOptions(engine="telea")) == "telea"
