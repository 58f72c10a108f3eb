"""Qt-free: soft brush coverage, mask grow/shrink, coverage blending, banded pixel edits,
original tiles, and the crash-recovery store."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from restorer.brush import Stroke
from restorer.edits import PixelEdit
from restorer.geometry import Box
from restorer.maskops import blend_by_coverage, grow, shrink
from restorer.original import OriginalTiles
from restorer.recovery import RecoveryStore, encode_blob, state_folder


def test_soft_brush_ramps_from_full_to_nothing_and_never_builds_up():
    mask = np.zeros((60, 60), np.uint8)
    stroke = Stroke(mask, size=40, hardness=0.5)
    stroke.line_to((30.0, 30.0))
    assert mask[30, 30] == 255 and mask[30, 30 + 9] == 255  # inside hardness * radius
    assert 0 < mask[30, 30 + 15] < 255 and mask[30, 30 + 21] == 0
    once = mask.copy()
    stroke.line_to((30.0, 30.0))  # the same dab again
    assert np.array_equal(mask, once)
    edit = stroke.finish()
    edit.undo(mask)
    assert not mask.any()


def test_soft_eraser_takes_coverage_away():
    mask = np.full((40, 40), 255, np.uint8)
    stroke = Stroke(mask, size=20, value=0, hardness=0.0)
    stroke.line_to((20.0, 20.0))
    assert mask[20, 20] < 30 and mask[20, 29] > 200 and mask[0, 0] == 255


def test_grow_and_shrink_move_the_edge_by_whole_pixels():
    mask = np.zeros((50, 50), np.uint8)
    mask[20:30, 20:30] = 255
    box, grown = grow(mask, 3)
    assert box == Box(17, 17, 33, 33)
    assert grown[0, 3 + 5] == 255 and grown[3 + 5, 0] == 255  # edge midpoints moved 3 px
    box, shrunk = shrink(mask, 2, Box(20, 20, 30, 30))
    assert np.count_nonzero(shrunk) == 6 * 6
    assert grow(np.zeros((5, 5), np.uint8), 2) is None


def test_shrink_does_not_eat_a_mask_at_the_photo_edge():
    mask = np.zeros((20, 20), np.uint8)
    mask[:, :6] = 255
    _, shrunk = shrink(mask, 2)
    assert shrunk[:, :4].all() and not shrunk[:, 4:].any()


def test_blend_by_coverage_mixes_in_proportion():
    before = np.full((1, 4, 3), 100, np.uint8)
    repaired = np.full((1, 4, 3), 200, np.uint8)
    coverage = np.array([[0, 255, 128, 64]], np.uint8)
    out = blend_by_coverage(before, repaired, coverage)
    assert list(out[0, :, 0]) == [100, 200, 150, 125]


def test_pixel_edit_written_in_bands_equals_one_write():
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (70, 50, 3), dtype=np.uint8)
    after = image.copy()
    after[rng.random((70, 50)) > 0.6] = 7
    edit = PixelEdit.from_arrays(Box(0, 0, 70, 50), image, after)
    target = image.copy()
    offset = 0
    for start in range(edit.box.top, edit.box.bottom, 9):
        end = min(edit.box.bottom, start + 9)
        band, offset = edit.redo_rows(target, start, end, offset)
        assert band == Box(start, edit.box.left, end, edit.box.right)
    assert np.array_equal(target, after)


def test_original_tiles_keep_only_what_is_written_over():
    pixels = np.arange(600 * 700 * 4, dtype=np.uint32).astype(np.uint8).reshape(600, 700, 4)
    first = pixels.copy()
    tiles = OriginalTiles(600, 700)
    tiles.keep(pixels, Box(10, 10, 20, 20))
    pixels[10:20, 10:20] = 0
    tiles.keep(pixels, Box(15, 15, 300, 30))  # one new tile; the kept one stays original
    pixels[15:300, 15:30] = 1
    assert sorted(tiles.tiles) == [(0, 0), (1, 0), (2, 0)]
    assert np.array_equal(tiles.compose(pixels), first)
    assert tiles.level((1, 0), 2).shape == (32, 32, 4)  # a 128-pixel tile halved twice
    assert tiles.kept_in(Box(0, 300, 10, 310)) == []


def test_recovery_saves_atomically_and_loads_exactly(tmp_path):
    rng = np.random.default_rng(4)
    pixels = rng.integers(0, 256, (30, 40, 4), dtype=np.uint8)
    mask = rng.integers(0, 256, (30, 40), dtype=np.uint8)
    crashed = RecoveryStore(tmp_path, pid=999_999_991)  # a process that is not running
    crashed.save(pixels, mask, {"name": "photo.jpg", "exif": encode_blob(b"Exif\0\0abc")})
    assert sorted(p.name for p in crashed.folder.iterdir()) == ["gen-000001", "lock.json"]

    current = RecoveryStore(tmp_path)
    current.claim()
    sessions = current.stale_sessions()
    assert sessions == [crashed.folder]
    assert current.describe(sessions[0])["name"] == "photo.jpg"
    state = current.load(sessions[0])
    assert np.array_equal(state.pixels, pixels) and np.array_equal(state.mask, mask)
    assert state.blob("exif") == b"Exif\0\0abc"
    current.discard(sessions[0])
    assert current.stale_sessions() == []
    current.release()
    assert not current.folder.exists()


def test_a_running_session_or_an_incomplete_state_is_not_offered(tmp_path):
    alive = RecoveryStore(tmp_path, pid=os.getppid())  # the parent process is running
    alive.save(np.zeros((4, 4, 4), np.uint8), np.zeros((4, 4), np.uint8), {})
    broken = RecoveryStore(tmp_path, pid=999_999_992)
    broken.claim()
    (broken.folder / "state.json").write_text(json.dumps({}))  # no image: incomplete
    assert RecoveryStore(tmp_path).stale_sessions() == []
    assert alive.folder.exists() and not broken.folder.exists()


def test_a_damaged_recovery_is_a_clear_error(tmp_path):
    from restorer.errors import ImageReadError

    store = RecoveryStore(tmp_path, pid=999_999_993)
    store.save(np.zeros((4, 4, 4), np.uint8), np.zeros((4, 4), np.uint8), {})
    (state_folder(store.folder) / "image.npy").write_bytes(b"not an array")
    with pytest.raises(ImageReadError, match="could not be read"):
        RecoveryStore.load(store.folder)


def test_a_cropped_repair_job_reports_in_photo_coordinates():
    from restorer.progress import Progress
    from restorer.workflows.jobs import RepairJob
    from tests.support.helpers import gradient_photo

    rgb = gradient_photo(120, 160)
    pixels = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    mask = np.zeros((120, 160), np.uint8)
    mask[60:66, 100:110] = 255
    crop = Box(40, 80, 90, 140)
    outcome = RepairJob(pixels, mask, "telea", "cpu", crop=crop).run(Progress())
    assert outcome.patch.box == (60, 100, 66, 110)
    assert outcome.edit.box.top >= 60 and outcome.edit.box.left >= 100
    assert outcome.mask_edit.box == Box(60, 100, 66, 110)
    assert set(outcome.tiles) == {(0, 0)}  # whole-photo tile positions
    repaired = pixels[..., :3].copy()
    outcome.edit.redo(repaired)
    changed = (repaired != pixels[..., :3]).any(axis=2)
    assert changed.any() and not changed[mask == 0].any()


def test_an_unchanged_photo_is_recovered_from_its_file_with_the_mask(tmp_path):
    from restorer.errors import ImageReadError
    from tests.support.helpers import gradient_photo, write_png

    rgb = gradient_photo(20, 30)
    photo = write_png(tmp_path / "photo.png", rgb)
    mask = np.zeros((20, 30), np.uint8)
    mask[5:9, 5:20] = 200
    store = RecoveryStore(tmp_path / "autosave", pid=999_999_994)
    store.save(None, mask, {"path": str(photo)})
    assert not (state_folder(store.folder) / "image.npy").exists()  # the file is the photo
    [folder] = RecoveryStore(tmp_path / "autosave").stale_sessions()
    state = RecoveryStore.load(folder)
    assert np.array_equal(state.pixels[..., :3], rgb) and np.array_equal(state.mask, mask)

    write_png(photo, rgb // 2)  # the file changed since: say so, restore nothing wrong
    os.utime(photo, ns=(1, 1))
    with pytest.raises(ImageReadError, match="was changed since"):
        RecoveryStore.load(folder)


def test_a_save_asked_to_stop_keeps_the_previous_state(tmp_path, monkeypatch):
    import restorer.recovery as recovery

    monkeypatch.setattr(recovery, "BAND_ROWS", 4)
    store = RecoveryStore(tmp_path, pid=999_999_995)
    first = np.full((40, 10, 4), 7, np.uint8)
    store.save(first, np.zeros((40, 10), np.uint8), {"name": "a"})
    asked = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) > 3  # stop after three bands

    done = []
    pixels = np.zeros((40, 10, 4), np.uint8)
    with pytest.raises(recovery.SaveStopped):
        store.save(pixels, np.zeros((40, 10), np.uint8), {}, stop, lambda: done.append(True))
    assert done == [True]  # the pixels were let go of even though the save stopped
    state = RecoveryStore.load(store.folder)
    assert np.array_equal(state.pixels, first) and state.meta["name"] == "a"
    assert [p.name for p in store.folder.iterdir()] == ["lock.json", "gen-000001"]
