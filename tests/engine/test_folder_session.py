"""restorer.workflows.folder: photos kept while moving through a folder (memory bounded by
spilling to disk), output naming, Repair All on restorer.batch, and the window's save at
16 bits (`SavePhotoJob` with its 16-bit original)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from restorer.batch import DONE, FAILED, BatchOptions
from restorer.formats.deep import to_view8
from restorer.imageio import load_image, save_image
from restorer.progress import Cancelled, Progress
from restorer.workflows.folder import (
    FolderRepairJob,
    FolderSession,
    KeptPhoto,
    OpenFolderPhotoJob,
    OutputChoice,
    time_left,
)
from restorer.workflows.jobs import OpenPhotoJob, SavePhotoJob
from tests.support.helpers import gradient_photo, write_png


def test_output_choice_names_folder_suffix_and_format(tmp_path):
    source = tmp_path / "roll" / "IMG_1.JPG"
    assert OutputChoice().target(source) == tmp_path / "roll" / "restored" / "IMG_1.JPG"
    choice = OutputChoice(folder=tmp_path / "out", suffix="_fixed", fmt="tif")
    assert choice.target(source) == tmp_path / "out" / "IMG_1_fixed.tif"
    raw = tmp_path / "roll" / "DSC_2.NEF"
    assert OutputChoice(folder=tmp_path / "out").target(raw).name == "DSC_2.tif"  # never .NEF
    same_place = OutputChoice(folder=source.parent)
    assert same_place.writes_over(source) and not same_place.allowed(source)
    assert OutputChoice(folder=source.parent, overwrite=True).allowed(source)
    assert OutputChoice(folder=source.parent, suffix="_r").allowed(source)
    with pytest.raises(ValueError):
        OutputChoice(fmt="gif")


def _kept(source: Path, seed: int, edited: bool = True) -> KeptPhoto:
    rng = np.random.default_rng(seed)
    mask = np.zeros((40, 50), np.uint8)
    mask[5:15, 10 + seed : 20 + seed] = 255
    pixels = rng.integers(0, 255, (40, 50, 4), dtype=np.uint8) if edited else None
    return KeptPhoto(source=source, mask=mask, pixels=pixels, edited=edited)


def test_session_keeps_a_few_in_memory_and_the_rest_on_disk(tmp_path):
    session = FolderSession(in_memory=2)
    originals = {}
    for index in range(6):
        kept = _kept(tmp_path / f"p{index}.png", index)
        originals[kept.source] = (kept.pixels.copy(), kept.mask.copy())
        for extra in session.keep(kept):
            session.spill(extra)
        assert sum(photo.in_memory for photo in session.photos()) <= 2
    one = originals[tmp_path / "p0.png"]
    assert session.memory_bytes() == 2 * (one[0].nbytes + one[1].nbytes)  # bounded
    folder = session.folder()
    assert len(list(folder.glob("*.npy"))) == 8  # 4 spilled photos: pixels and mask
    for source, (pixels, mask) in originals.items():
        kept_pixels, kept_mask = session.arrays(session.get(source))
        assert np.array_equal(kept_pixels, pixels) and np.array_equal(kept_mask, mask)
    session.discard(tmp_path / "p0.png")
    assert len(list(folder.glob("*.npy"))) == 6 and tmp_path / "p0.png" not in session
    session.close()
    assert not folder.exists() and len(session) == 0


def test_open_folder_photo_job_restores_mask_and_edits(tmp_path):
    source = write_png(tmp_path / "a.png", gradient_photo(40, 50))
    session = FolderSession(in_memory=1)
    kept = _kept(source, 3)
    session.keep(kept)
    session.spill(kept)
    loaded = OpenFolderPhotoJob(source, kept, session).run(Progress())
    pixels, mask = session.arrays(kept)
    assert np.array_equal(loaded.pixels, pixels) and np.array_equal(loaded.mask, mask)
    assert loaded.recovered  # unsaved edits: the document counts as modified
    assert loaded.mask_bounds is not None
    # a mask alone: the file's own pixels, with the mask
    only_mask = _kept(source, 1, edited=False)
    loaded = OpenFolderPhotoJob(source, only_mask, session).run(Progress())
    assert np.array_equal(loaded.pixels[..., :3], gradient_photo(40, 50))
    assert np.array_equal(loaded.mask, only_mask.mask) and not loaded.recovered
    session.close()


def test_repair_all_job_repairs_kept_edits_and_reports_each_photo(tmp_path):
    folder = tmp_path / "roll"
    folder.mkdir()
    sources = [write_png(folder / f"p{i}.png", gradient_photo(40, 50, seed=i)) for i in range(2)]
    (folder / "bad.png").write_bytes(b"not a png")
    session = FolderSession()
    kept = _kept(sources[0], 0)
    session.keep(kept)
    session.keep(_kept(folder / "bad.png", 1, edited=False))
    edited, hole = kept.pixels[..., :3].copy(), kept.mask > 0
    out = tmp_path / "out"
    out.mkdir()
    choice = OutputChoice(folder=out, suffix="_r")
    photos = [(path, choice.target(path)) for path in (sources[0], folder / "bad.png")]
    job = FolderRepairJob(photos, session, BatchOptions(engine="telea"))
    messages = []
    results = job.run(Progress(lambda fraction, message, _: messages.append(message)))
    assert [result.status for result in results] == [DONE, FAILED]
    assert "bad.png" in results[1].error
    written = load_image(out / "p0_r.png").rgb
    assert np.array_equal(written[~hole], edited[~hole])  # the edits, not the file's pixels
    assert not np.array_equal(written[hole], edited[hole])
    assert any(message.startswith("2 of 2 photos") for message in messages)
    session.close()


def test_repair_all_job_stops_when_cancelled(tmp_path):
    sources = [write_png(tmp_path / f"p{i}.png", gradient_photo(40, 50, seed=i)) for i in range(3)]
    session = FolderSession()
    for source in sources:
        session.keep(_kept(source, 0, edited=False))
    out = tmp_path / "out"
    out.mkdir()
    photos = [(path, out / path.name) for path in sources]
    job = FolderRepairJob(photos, session, BatchOptions(engine="telea"))

    def cancel_after_first(fraction, message, preview) -> None:
        if job.results:
            progress.cancel()

    progress = Progress(cancel_after_first)
    with pytest.raises(Cancelled):
        job.run(progress)
    assert [result.status for result in job.results] == [DONE]
    assert sorted(path.name for path in out.iterdir()) == ["p0.png"]
    session.close()


def test_time_left_reads_like_a_person_would_say_it():
    assert time_left(0.2) == "done"
    assert time_left(20) == "about 20 s left"
    assert time_left(600) == "about 10 min left"
    assert time_left(3 * 3600) == "about 3.0 h left"


def test_window_save_keeps_a_16_bit_original_at_16_bits(tmp_path):
    import tifffile

    rng = np.random.default_rng(0)
    scan = rng.integers(0, 65535, (30, 40, 3), dtype=np.uint16)
    source = tmp_path / "scan.tif"
    tifffile.imwrite(source, scan, photometric="rgb")
    loaded = OpenPhotoJob(source).run(Progress())
    assert loaded.deep_source == source
    pixels = loaded.pixels.copy()
    pixels[5:10, 5:10, :3] = 77
    for name in ("out.tif", "out.png"):
        job = SavePhotoJob(tmp_path / name, pixels, False, deep_source=loaded.deep_source)
        job.run(Progress())
        photo = load_image(tmp_path / name)
        assert photo.rgb16 is not None, name
        outside = np.ones((30, 40), bool)
        outside[5:10, 5:10] = False
        assert np.array_equal(photo.rgb16[outside], scan[outside]), name
        assert (to_view8(photo.rgb16[5:10, 5:10]) == 77).all(), name
    SavePhotoJob(tmp_path / "out.jpg", pixels, False, deep_source=source).run(Progress())
    assert load_image(tmp_path / "out.jpg").rgb16 is None  # JPEG: 8 bits
    # an 8-bit photo saves as before
    eight = save_image(tmp_path / "eight.png", gradient_photo(30, 40))
    assert OpenPhotoJob(eight).run(Progress()).deep_source is None
