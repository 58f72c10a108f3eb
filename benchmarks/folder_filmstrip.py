"""How the filmstrip copes with a large folder: time to list it, event-loop stalls while
thumbnails load, and how long until every thumbnail is in.

    QT_QPA_PLATFORM=offscreen python benchmarks/folder_filmstrip.py [--count 2000 --size 1200x800]
        [--walk 24 --walk-size 3000x2000]

Makes COUNT JPEGs, drives the real window (File → Open Folder), and prints one JSON line:
  open_ms        open_folder() on the GUI thread, until the strip lists every photo
                 (target: the window shows the folder in < 1 s);
  max_stall_ms   the longest gap between 5 ms timer ticks while thumbnails load
                 (target < 50 ms), measured once the window's start-up GPU probe is done;
  stalls_over_50ms  how many gaps exceeded 50 ms, p99_gap_ms the 99th percentile gap;
  all_thumbnails_s  until the last thumbnail is shown (cold cache), and warm_s the same
                 with the thumbnails cached on disk.
With --walk N, a second line: Page Down through N photos leaving a mask and an edit on
each (kept as you move), then Page Up back (each checked to come back as left): median
time per key, the process's memory after the first and the last photo (bounded: the
folder session keeps three photos in memory, the rest in a temporary folder).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402


def make_folder(folder: Path, count: int, width: int, height: int) -> None:
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
    for index in range(count):
        Image.fromarray(np.roll(base, index, axis=1)).save(
            folder / f"img{index:05d}.jpg", quality=85
        )


def measure(window, app, strip, folder: Path, timeout_s: float) -> dict:
    from PySide6.QtCore import QTimer

    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(5)
    start = time.perf_counter()
    count = strip.open_folder(folder)
    open_ms = (time.perf_counter() - start) * 1000
    last[0] = time.perf_counter()
    gaps.clear()

    deadline = start + timeout_s
    while strip.thumbnails_shown < count and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.002)
    left = count - strip.thumbnails_shown
    timer.stop()
    return {
        "photos": count,
        "open_ms": round(open_ms, 1),
        "max_stall_ms": round(max(gaps, default=0) * 1000, 1),
        "stalls_over_50ms": sum(gap > 0.05 for gap in gaps),
        "p99_gap_ms": round(float(np.percentile(gaps, 99)) * 1000, 1) if gaps else 0.0,
        "seconds": round(time.perf_counter() - start, 2),
        "thumbnails_left": left,
    }


def walk(window, app, strip, folder: Path, timeout_s: float) -> dict:
    """Page Down through every photo of `folder`, leaving a brushed mask and a painted
    block on each (kept as you move on), then Page Up back to the first, checking each
    comes back as left. Measures the time from the key to the photo shown, the process's
    memory, and what the folder session holds in memory and on disk."""
    import psutil
    from PySide6.QtCore import QTimer

    from restorer.jobs import PatchResult

    process = psutil.Process()
    count = strip.open_folder(folder)
    rng = np.random.default_rng(1)
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    def show(row: int, action) -> float:
        start = time.perf_counter()
        action.trigger()
        name = strip.path_at(row).name
        while time.perf_counter() - start < timeout_s:
            document = window.document
            if document is not None and document.path.name == name and strip._doc_row == row:
                return time.perf_counter() - start
            app.processEvents()
            time.sleep(0.001)
        raise SystemExit(f"{name} did not open in {timeout_s} s")

    masks: list[np.ndarray] = []
    rss: list[float] = []
    forward: list[float] = []
    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(5)
    for row in range(count):
        forward.append(show(row, strip.next_action))
        document = window.document
        mask = np.zeros((document.height, document.width), np.uint8)
        top, left = int(rng.integers(0, document.height - 40)), int(rng.integers(0, 200))
        mask[top : top + 24, left : left + 300] = 255
        document.replace_mask(mask, "Brush")
        block = np.full((16, 16, 3), (200, 30, 30), np.uint8)
        document.apply_patch(PatchResult((8, 8, 24, 24), block), None, text="Paint")
        masks.append(mask)
        rss.append(process.memory_info().rss / 2**20)
    back: list[float] = []
    for row in range(count - 2, -1, -1):
        back.append(show(row, strip.previous_action))
        if not np.array_equal(window.document.mask, masks[row]):
            raise SystemExit(f"photo {row} came back with another mask")
    timer.stop()
    spilled = list(strip.session.folder().glob("*.npy"))
    return {
        "walk_photos": count,
        "page_down_median_ms": round(float(np.median(forward[1:])) * 1000, 1),
        "page_up_median_ms": round(float(np.median(back)) * 1000, 1),
        "walk_max_stall_ms": round(max(gaps, default=0) * 1000, 1),
        "rss_after_first_mb": round(rss[0]),
        "rss_after_quarter_mb": round(rss[len(rss) // 4]),
        "rss_after_half_mb": round(rss[len(rss) // 2]),
        "rss_after_last_mb": round(rss[-1]),
        "rss_max_mb": round(max(rss)),
        "session_in_memory_mb": round(strip.session.memory_bytes() / 2**20, 1),
        "session_on_disk_mb": round(sum(path.stat().st_size for path in spilled) / 2**20),
        "masks_back_as_left": True,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--size", default="1200x800")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--walk", type=int, default=0, help="then walk N photos with masks")
    parser.add_argument("--walk-size", default="3000x2000", help="the walked photos' size")
    args = parser.parse_args()
    width, height = map(int, args.size.split("x"))
    with tempfile.TemporaryDirectory() as temp:
        os.environ["RESTORER_DATA_DIR"] = str(Path(temp) / "data")
        os.environ["RESTORER_CONFIG_DIR"] = str(Path(temp) / "config")
        folder = Path(temp) / "folder"
        folder.mkdir()
        make_folder(folder, args.count, width, height)
        from PySide6.QtWidgets import QApplication

        from ui.app import build_window

        app = QApplication.instance() or QApplication([])
        window = build_window()
        window.resize(1200, 800)
        window.show()
        while window.device_info is None:  # the start-up GPU probe (imports torch) is done
            app.processEvents()
            time.sleep(0.005)
        strip = window.features["folder"]
        cold = measure(window, app, strip, folder, args.timeout)
        warm = measure(window, app, strip, folder, args.timeout)
        strip.stop()
        print(json.dumps({
            **cold, "all_thumbnails_s": cold["seconds"], "warm_s": warm["seconds"],
            "warm_open_ms": warm["open_ms"], "warm_max_stall_ms": warm["max_stall_ms"],
            "warm_stalls_over_50ms": warm["stalls_over_50ms"],
        }))  # fmt: skip
        if args.walk:
            walked = Path(temp) / "walk"
            walked.mkdir()
            make_folder(walked, args.walk, *map(int, args.walk_size.split("x")))
            print(json.dumps(walk(window, app, strip, walked, args.timeout)), flush=True)
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.warning = lambda *a, **k: QMessageBox.StandardButton.Discard  # close
        window.jobs.shut_down()
        window.close()


if __name__ == "__main__":
    main()
