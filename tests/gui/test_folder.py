"""File → Open Folder…: the filmstrip, thumbnails off the GUI thread, next / previous,
Save and Next into the output folder, unreadable photos marked."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QMessageBox

from restorer.engines import Engine
from restorer.imageio import load_image
from restorer.workflows.folder import OutputChoice
from tests.gui.helpers import event_kind
from tests.support.helpers import gradient_photo, write_png

Button = QMessageBox.StandardButton


def photo_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "roll"
    folder.mkdir()
    for index in range(3):
        write_png(folder / f"photo{index}.png", np.roll(gradient_photo(64, 96), index * 9, axis=1))
    (folder / "torn.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a jpeg")
    return folder


def test_filmstrip_fills_in_and_walks_the_folder(qtbot, window, tmp_path):
    strip = window.features["folder"]
    folder = photo_folder(tmp_path)
    assert strip.open_folder(folder) == 4
    assert strip.dock.isVisible() and strip.strip.count() == 4  # listed before any thumbnail
    names = [strip.path_at(row).name for row in range(4)]
    assert names == ["photo0.png", "photo1.png", "photo2.png", "torn.jpg"]

    def thumbnails_in() -> bool:
        icons = [not strip.strip.item(row).icon().isNull() for row in range(3)]
        return all(icons) and strip.strip.item(3).text().startswith("✗")

    qtbot.waitUntil(thumbnails_in, timeout=15000)
    assert "torn.jpg" in strip.strip.item(3).toolTip()

    strip.next_action.trigger()  # Page Down: the first photo
    qtbot.waitUntil(
        lambda: window.document is not None and window.document.path.name == "photo0.png"
    )
    strip.next_action.trigger()
    qtbot.waitUntil(lambda: window.document.path.name == "photo1.png")
    strip.previous_action.trigger()  # Page Up
    qtbot.waitUntil(lambda: window.document.path.name == "photo0.png")

    strip.save_next_action.trigger()  # Ctrl+Enter: save into restored/, open the next
    qtbot.waitUntil(lambda: window.document.path.name == "photo1.png", timeout=15000)
    saved = folder / "restored" / "photo0.png"
    assert saved.is_file()
    assert np.array_equal(load_image(saved).rgb, load_image(folder / "photo0.png").rgb)
    assert strip.strip.item(0).text() == "✓ photo0.png"


def test_thumbnails_are_cached_on_disk(tmp_path):
    from restorer.batch.thumbnails import thumbnail

    folder = photo_folder(tmp_path)
    cache = tmp_path / "cache"
    cache.mkdir()
    first = thumbnail(folder / "photo1.png", side=48, cache=cache)
    assert first.shape == (32, 48, 3)
    assert len(list(cache.glob("*.png"))) == 1
    again = thumbnail(folder / "photo1.png", side=48, cache=cache)
    assert np.array_equal(first, again)


# -- walking with masks and edits kept, marks, Save and Next, Repair All, cancel -----------


def _show_row(qtbot, window, strip, row: int, action=None, timeout: int = 15000) -> None:
    """Open the strip's photo at `row` (with `action`, e.g. Page Down) and wait for it."""
    if action is None:
        strip.open_row(row)
    else:
        action.trigger()
    name = strip.path_at(row).name
    qtbot.waitUntil(
        lambda: (
            window.document is not None
            and window.document.path.name == name
            and strip._doc_row == row
        ),
        timeout=timeout,
    )


def _brush(window, top: int, left: int, size: int) -> np.ndarray:
    """Put a square mask on the open photo (as brushing would); returns the mask."""
    document = window.document
    mask = np.zeros((document.height, document.width), np.uint8)
    mask[top : top + size, left : left + size] = 255
    assert document.replace_mask(mask, "Brush")
    return mask


def _paint_pixels(window, top: int, left: int, value: tuple[int, int, int]) -> np.ndarray:
    """Change a 10x10 block of the open photo's pixels (one undo step); returns them."""
    from restorer.jobs import PatchResult

    block = np.empty((10, 10, 3), np.uint8)
    block[:] = value
    patch = PatchResult((top, left, top + 10, left + 10), block)
    assert window.document.apply_patch(patch, None, text="Paint")
    return window.document.pixels[..., :3].copy()


def test_masks_and_edits_are_kept_across_page_down_and_up(qtbot, sync_window, tmp_path, dialogs):
    window = sync_window
    strip = window.features["folder"]
    strip.set_options(strip.output, "keep")
    strip.session.in_memory = 1  # the second photo left goes to disk
    folder = photo_folder(tmp_path)
    strip.open_folder(folder)

    _show_row(qtbot, window, strip, 0, strip.next_action)
    mask0 = _brush(window, 10, 12, 20)
    edited0 = _paint_pixels(window, 40, 50, (250, 10, 10))
    assert window.document.is_modified

    _show_row(qtbot, window, strip, 1, strip.next_action)  # Page Down: no question asked
    assert window.document.mask_is_empty() and not window.document.is_modified
    assert strip.strip.item(0).text() == "✎ photo0.png"
    mask1 = _brush(window, 30, 40, 16)

    _show_row(qtbot, window, strip, 2, strip.next_action)
    assert strip.strip.item(1).text() == "✎ photo1.png"
    qtbot.waitUntil(lambda: strip.session.get(folder / "photo0.png").mask is None)
    spilled = strip.session.get(folder / "photo0.png")
    assert spilled.mask_file.is_file() and spilled.pixels_file.is_file()
    assert strip.session.memory_bytes() == mask1.nbytes  # only the last one held

    _show_row(qtbot, window, strip, 1, strip.previous_action)  # Page Up
    assert np.array_equal(window.document.mask, mask1)
    _show_row(qtbot, window, strip, 0, strip.previous_action)
    assert np.array_equal(window.document.mask, mask0)  # back from the temporary folder
    assert np.array_equal(window.document.pixels[..., :3], edited0)
    assert window.document.is_modified  # still unsaved: Save writes it
    assert not spilled.mask_file.exists()  # the document holds it again

    strip.open_row(3)  # torn.jpg cannot be opened
    qtbot.waitUntil(lambda: strip.strip.item(3).text() == "✗ torn.jpg")
    assert "torn.jpg" in strip.strip.item(3).toolTip()
    assert window.document.path.name == "photo0.png"  # the photo stays open

    assert strip.unsaved_rows() == [1]  # photo1's mask; photo0 is open (the window asks)
    dialogs.answers["warning"] = Button.Cancel
    window.close()
    assert window.isVisible() and "photo1.png" in dialogs.of_kind("warning")[-1][2]
    session_folder = strip.session.folder()
    dialogs.answers["warning"] = Button.Discard
    window.close()
    assert not window.isVisible() and not session_folder.exists()


def test_ask_preference_asks_before_leaving_a_photo_with_a_mask(
    qtbot, sync_window, tmp_path, dialogs
):
    window = sync_window
    strip = window.features["folder"]
    out = tmp_path / "out"
    strip.set_options(OutputChoice(folder=out), "ask")
    folder = photo_folder(tmp_path)
    strip.open_folder(folder)
    _show_row(qtbot, window, strip, 0, strip.next_action)
    _paint_pixels(window, 5, 5, (0, 0, 255))
    dialogs.answers["warning"] = Button.Cancel
    strip.next_action.trigger()
    qtbot.wait(50)
    assert window.document.path.name == "photo0.png"  # Cancel: stays
    assert dialogs.of_kind("warning")
    dialogs.answers["warning"] = Button.Save  # Save: into the output folder, then on
    _show_row(qtbot, window, strip, 1, strip.next_action)
    assert (out / "photo0.png").is_file()
    assert strip.strip.item(0).text() == "✓ photo0.png"
    assert len(strip.session) == 0  # nothing kept with Ask


def _deep_scan(path: Path, seed: int = 0) -> np.ndarray:
    import tifffile

    rng = np.random.default_rng(seed)
    ramp = np.linspace(1000, 60000, 96, dtype=np.float64)[None, :, None]
    scan = (ramp + rng.integers(0, 200, (64, 96, 3))).astype(np.uint16)
    tifffile.imwrite(path, scan, photometric="rgb")
    return scan


def test_save_and_next_writes_name_format_and_16_bits(qtbot, sync_window, tmp_path, dialogs):
    import tifffile

    from restorer.formats.deep import to_view8

    window = sync_window
    strip = window.features["folder"]
    folder = tmp_path / "scans"
    folder.mkdir()
    scan = _deep_scan(folder / "scan0.tif")
    _deep_scan(folder / "scan1.tif", seed=1)
    out = tmp_path / "out"
    strip.set_options(OutputChoice(folder=out, suffix="_fixed", fmt="tif"), "keep")
    strip.open_folder(folder)
    _show_row(qtbot, window, strip, 0, strip.next_action)
    assert window.document.deep_source == folder / "scan0.tif"
    _paint_pixels(window, 20, 30, (200, 100, 50))

    strip.save_next_action.trigger()  # Ctrl+Enter
    _show_row(qtbot, window, strip, 1, None, timeout=15000)
    written = out / "scan0_fixed.tif"
    saved = tifffile.imread(written)
    assert saved.dtype == np.uint16 and saved.shape == scan.shape
    inside = np.zeros(scan.shape[:2], bool)
    inside[20:30, 30:40] = True
    assert np.array_equal(saved[~inside], scan[~inside])  # every other value, bit for bit
    assert np.array_equal(to_view8(saved[inside]), np.tile([200, 100, 50], (100, 1)))
    assert strip.strip.item(0).text() == "✓ scan0.tif"
    assert (folder / "scan0.tif").read_bytes() == tifffile_bytes(scan)  # original untouched

    # the options remembered; JPEG asked: 8 bits, the suffix kept
    strip.set_options(OutputChoice(folder=out, suffix="_web", fmt="jpg"), "keep")
    strip.save_next_action.trigger()
    qtbot.waitUntil(lambda: (out / "scan1_web.jpg").is_file(), timeout=15000)
    from ui.features.folder.options import load_choice

    assert load_choice() == (OutputChoice(folder=out, suffix="_web", fmt="jpg"), "keep")

    # never over an original unless allowed
    strip.set_options(OutputChoice(folder=folder, fmt="same"), "keep")
    before = (folder / "scan1.tif").read_bytes()
    assert strip.save_and_next() is None
    assert dialogs.of_kind("critical")[-1][1] == "Would write over the original"
    assert (folder / "scan1.tif").read_bytes() == before


def tifffile_bytes(scan: np.ndarray) -> bytes:
    import io

    import tifffile

    stream = io.BytesIO()
    tifffile.imwrite(stream, scan, photometric="rgb")
    return stream.getvalue()


def _select(window, engine_id: str) -> None:
    window.engine_choice.reload()
    window.engine_combo.setCurrentIndex(window.engine_combo.findData(engine_id))
    assert window.engine_choice.engine_id == engine_id


def test_repair_all_repairs_the_photos_with_masks(qtbot, sync_window, tmp_path):
    window = sync_window
    strip = window.features["folder"]
    _select(window, "telea")
    out = tmp_path / "out"
    strip.set_options(OutputChoice(folder=out, suffix="_r", fmt="png"), "keep")
    folder = photo_folder(tmp_path)
    (folder / "torn.jpg").unlink()
    strip.open_folder(folder)
    _show_row(qtbot, window, strip, 0, strip.next_action)
    mask0 = _brush(window, 10, 10, 12) > 0
    _show_row(qtbot, window, strip, 1, strip.next_action)
    _show_row(qtbot, window, strip, 2, strip.next_action)
    mask2 = _brush(window, 30, 50, 14) > 0  # the open photo's mask counts too
    assert strip.rows_to_repair(detect=False) == [0, 2]

    strip.repair_all_action.trigger()
    qtbot.waitUntil(lambda: strip.repair_job is None, timeout=30000)
    for row, mask in ((0, mask0), (2, mask2)):
        original = load_image(folder / f"photo{row}.png").rgb
        result = load_image(out / f"photo{row}_r.png").rgb
        assert np.array_equal(result[~mask], original[~mask])
        assert not np.array_equal(result[mask], original[mask])
        assert strip.strip.item(row).text() == f"✓ photo{row}.png"
    assert not (out / "photo1_r.png").exists()
    assert strip.strip.item(1).text() == "photo1.png"
    # the open photo now shows its result, and is still the folder's third photo
    qtbot.waitUntil(lambda: window.document.path == out / "photo2_r.png")
    assert strip._doc_row == 2 and window.document.mask_is_empty()
    assert np.array_equal(window.document.pixels[..., :3], load_image(out / "photo2_r.png").rgb)
    assert strip.rows_to_repair(detect=False) == []  # done: not repaired again


def test_find_damage_and_repair_all_photos(qtbot, sync_window, tmp_path, photo_path):
    window = sync_window
    strip = window.features["folder"]
    _select(window, "telea")
    out = tmp_path / "out"
    strip.set_options(OutputChoice(folder=out), "keep")
    folder = tmp_path / "scratched"
    folder.mkdir()
    for index in range(2):
        (folder / f"old{index}.png").write_bytes(photo_path.read_bytes())
    (folder / "torn.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a jpeg")
    strip.open_folder(folder)
    strip.repair_damage_action.trigger()
    qtbot.waitUntil(lambda: strip.repair_job is None, timeout=60000)
    original = load_image(photo_path).rgb
    for index in range(2):
        result = load_image(out / f"old{index}.png").rgb
        scratch = (original == 255).all(axis=2)
        assert result[scratch].mean() < 250  # the bright scratch was repaired
        assert strip.strip.item(index).text() == f"✓ old{index}.png"
    assert strip.strip.item(2).text() == "✗ torn.jpg"
    assert "torn.jpg" in strip.strip.item(2).toolTip()
    assert not (out / "torn.jpg").exists()


class _FirstFastEngine(Engine):
    """Repairs the first photo at once; on the next ones it waits until cancelled."""

    id = "test-first-fast"
    label = "First fast (test)"
    description = "A test engine: fast once, then slow."

    def __init__(self) -> None:
        self.calls = 0

    def inpaint(self, image, mask, progress, *, device="cpu", seed=0):
        self.calls += 1
        while self.calls > 1:
            progress.update(0.5, "waiting")
            time.sleep(0.005)
        out = image.copy()
        out[mask] = 0
        return out


def test_repair_all_can_be_cancelled(qtbot, window, tmp_path):
    from restorer.catalog import builtin_engines, use_registry
    from restorer.engines import EngineRegistry

    strip = window.features["folder"]
    fresh = EngineRegistry()
    for engine in builtin_engines():
        fresh.register(engine)
    fresh.register(_FirstFastEngine())
    with use_registry(fresh):
        _select(window, "test-first-fast")
        out = tmp_path / "out"
        strip.set_options(OutputChoice(folder=out), "keep")
        folder = photo_folder(tmp_path)
        (folder / "torn.jpg").unlink()
        strip.open_folder(folder)
        for row in range(3):
            _show_row(qtbot, window, strip, row, strip.next_action)
            _brush(window, 8, 8, 10)
        job_id = strip.repair_all()
        assert job_id is not None and not strip.repair_all_action.isEnabled()
        qtbot.waitUntil(lambda: strip.strip.item(0).text().startswith("✓"), timeout=20000)
        with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("cancelled")):
            window.jobs.cancel(job_id)
        qtbot.waitUntil(lambda: strip.repair_job is None)
    assert [path.name for path in out.iterdir()] == ["photo0.png"]  # no half-written file
    assert load_image(out / "photo0.png").rgb[10, 10].tolist() == [0, 0, 0]
    assert [strip.strip.item(row).text()[0] for row in (1, 2)] == ["✎", "✎"]
    assert strip.rows_to_repair(detect=False) == [1, 2]  # their masks are still kept
    assert window.document._mask_shares == 0  # the open photo's mask given back by the job
    assert not window.document.mask_is_empty()
    assert strip.repair_all_action.isEnabled()


def test_marks_follow_the_open_photo(qtbot, sync_window, tmp_path):
    window = sync_window
    strip = window.features["folder"]
    strip.open_folder(photo_folder(tmp_path))
    _show_row(qtbot, window, strip, 0, strip.next_action)
    assert strip.strip.item(0).text() == "photo0.png"
    _brush(window, 5, 5, 8)
    assert strip.strip.item(0).text() == "✎ photo0.png"  # a mask is work not saved yet
    _paint_pixels(window, 20, 20, (10, 200, 10))
    window.files.save()  # Ctrl+S over the original (the overwrite question answered Save)
    qtbot.waitUntil(lambda: not window.document.is_modified, timeout=15000)
    assert strip.strip.item(0).text() == "✓ photo0.png"
    assert "saved" in strip.strip.item(0).toolTip()
