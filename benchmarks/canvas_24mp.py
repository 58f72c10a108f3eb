"""How the window handles a 24-megapixel photo: open, paint, repaint, repair, memory.

Drives the real MainWindow on the offscreen platform (no screen needed):

    QT_QPA_PLATFORM=offscreen python benchmarks/canvas_24mp.py [--width 6000 --height 4000]

Prints one JSON line. Stroke times are per mouse-move event: the numpy brush, the
pyramid update and the repaint of the touched rectangle, all on the GUI thread.
`max_stall_ms` is the longest gap between 5 ms timer ticks while a repair runs.
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
import psutil  # noqa: E402
from PIL import Image  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QPoint, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def make_photo(path: Path, width: int, height: int) -> None:
    rng = np.random.default_rng(0)
    small = rng.integers(0, 256, (height // 16, width // 16, 3), dtype=np.uint8)
    image = Image.fromarray(small).resize((width, height), Image.Resampling.BICUBIC)
    image.save(path, quality=92)


def wait_until(app: QApplication, condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.002)


def stroke_times(app, canvas, centre: QPoint, steps: int = 120) -> list[float]:
    """Milliseconds per mouse-move segment, repaint included."""
    times = []
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
    app.processEvents()
    for step in range(steps):
        point = centre + QPoint(round(3 * step - 180), round(60 * np.sin(step / 9)))
        started = time.perf_counter()
        QTest.mouseMove(canvas, point)
        app.processEvents()
        times.append((time.perf_counter() - started) * 1000)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    app.processEvents()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=6000)
    parser.add_argument("--height", type=int, default=4000)
    args = parser.parse_args()

    app = QApplication.instance() or QApplication([])
    from ui.main_window import MainWindow
    from ui.theme import apply_theme

    apply_theme(app)
    process = psutil.Process()
    with tempfile.TemporaryDirectory() as folder:
        os.environ.setdefault("RESTORER_CONFIG_DIR", folder)
        path = Path(folder) / "large.jpg"
        make_photo(path, args.width, args.height)
        window = MainWindow()
        window.resize(1600, 1000)
        window.show()
        wait_until(app, lambda: window.device_info is not None)
        rss_before = process.memory_info().rss
        started = time.perf_counter()
        window.open_path(path)
        wait_until(app, lambda: window.document is not None)
        open_s = time.perf_counter() - started
        canvas = window.canvas
        centre = canvas.rect().center()

        started = time.perf_counter()
        canvas.repaint()
        full_repaint_ms = (time.perf_counter() - started) * 1000

        window.brush_size.set_value(60)
        fit_times = stroke_times(app, canvas, centre)
        canvas.actual_pixels()
        app.processEvents()
        full_times = stroke_times(app, canvas, centre)
        window.brush_size.set_value(400)
        canvas.fit()
        app.processEvents()
        big_times = stroke_times(app, canvas, centre + QPoint(0, 100))

        # Event-loop stalls while a repair runs on the worker thread.
        gaps: list[float] = []
        clock = QElapsedTimer()
        clock.start()
        last = [clock.elapsed()]

        def tick() -> None:
            now = clock.elapsed()
            gaps.append(now - last[0])
            last[0] = now

        timer = QTimer()
        timer.timeout.connect(tick)
        timer.start(5)
        repair_started = time.perf_counter()
        window.repair()
        wait_until(app, lambda: window.repair_job is None, timeout=600)
        repair_s = time.perf_counter() - repair_started
        timer.stop()

        document = window.document
        undo_bytes = 0
        for index in range(document.undo_stack.count()):
            command = document.undo_stack.command(index)
            for edit in (getattr(command, name, None) for name in ("edit", "pixels", "mask")):
                undo_bytes += edit.nbytes if edit is not None else 0
        rss_after = process.memory_info().rss
        image_mb = args.width * args.height * 4 / 2**20
        result = {
            "megapixels": round(args.width * args.height / 1e6, 1),
            "open_s": round(open_s, 2),
            "full_repaint_fit_ms": round(full_repaint_ms, 1),
            "stroke_ms_p95_fit": round(float(np.percentile(fit_times, 95)), 2),
            "stroke_ms_p95_100pct": round(float(np.percentile(full_times, 95)), 2),
            "stroke_ms_p95_400px_brush": round(float(np.percentile(big_times, 95)), 2),
            "stroke_ms_max": round(max(fit_times + full_times + big_times), 2),
            "repair_s": round(repair_s, 2),
            "max_stall_ms": round(max(gaps), 1) if gaps else None,
            "undo_steps": document.undo_stack.count(),
            "undo_mb": round(undo_bytes / 2**20, 2),
            "image_mb": round(image_mb, 1),
            "rss_growth_mb": round((rss_after - rss_before) / 2**20, 1),
        }
        document.mark_saved()
        window.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
