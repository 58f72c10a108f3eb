"""File → Open Folder…: the filmstrip, thumbnails off the GUI thread, next / previous,
Save and Next into the output folder, unreadable photos marked."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from restorer.imageio import load_image
from tests.support.helpers import gradient_photo, write_png


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
