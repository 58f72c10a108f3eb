"""How the filmstrip copes with a large folder: time to list it, event-loop stalls while
thumbnails load, and how long until every thumbnail is in.

    QT_QPA_PLATFORM=offscreen python benchmarks/folder_filmstrip.py [--count 2000 --size 1200x800]

Makes COUNT JPEGs, drives the real window (File → Open Folder), and prints one JSON line:
  open_ms        open_folder() on the GUI thread, until the strip lists every photo
                 (target: the window shows the folder in < 1 s);
  max_stall_ms   the longest gap between 5 ms timer ticks while thumbnails load
                 (target < 50 ms);
  all_thumbnails_s  until the last thumbnail is shown (cold cache), and warm_s the same
                 with the thumbnails cached on disk.
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
        "seconds": round(time.perf_counter() - start, 2),
        "thumbnails_left": left,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--size", default="1200x800")
    parser.add_argument("--timeout", type=float, default=300.0)
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
        strip = window.features["folder"]
        cold = measure(window, app, strip, folder, args.timeout)
        warm = measure(window, app, strip, folder, args.timeout)
        strip.stop()
        print(json.dumps({
            **cold, "all_thumbnails_s": cold["seconds"], "warm_s": warm["seconds"],
            "warm_open_ms": warm["open_ms"], "warm_max_stall_ms": warm["max_stall_ms"],
        }))  # fmt: skip
        window.jobs.shut_down()
        window.close()


if __name__ == "__main__":
    main()
