"""How long the GUI thread waits for Python's lock while a repair runs on another thread.

    nice -n 10 python benchmarks/gil_handover.py [--seconds 8]

A worker thread runs the patchmatch engine over and over on a 1200 x 900 picture (as the
window's worker does during a repair); the main thread meanwhile takes the lock back
again and again (a 0.5 ms sleep, as every Python slot the GUI thread runs must), and the
time beyond the sleep is the wait. Alternates Python's switch interval between the
default 5 ms and `ui.core.jobs.GUI_SWITCH_INTERVAL_S` (1 ms), twice, in one run, and
prints per interval the wait per hand-over (mean, p99, max) and of 10 hand-overs in a
row (about one event-loop turn's worth of Python calls).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from restorer.engines.patchmatch import PatchMatchEngine  # noqa: E402
from restorer.progress import Cancelled, Progress  # noqa: E402

SLEEP_S = 0.0005


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="per measurement")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (900, 1200, 3), dtype=np.uint8)
    mask = np.zeros((900, 1200), bool)
    mask[300:500, 400:700] = True
    stop = threading.Event()

    def repair_again_and_again() -> None:
        engine = PatchMatchEngine()
        while not stop.is_set():
            try:
                engine.inpaint(image, mask, Progress(cancel_event=stop), device="cpu")
            except Cancelled:
                return

    worker = threading.Thread(target=repair_again_and_again, daemon=True)
    worker.start()
    time.sleep(3)  # past the engine's start-up
    for interval in (0.005, 0.001, 0.005, 0.001):
        sys.setswitchinterval(interval)
        waits = []
        end = time.perf_counter() + args.seconds
        while time.perf_counter() < end:
            started = time.perf_counter()
            time.sleep(SLEEP_S)
            waits.append((time.perf_counter() - started - SLEEP_S) * 1000)
        waits = np.array(waits)
        turns = waits[: len(waits) // 10 * 10].reshape(-1, 10).sum(axis=1)
        print(
            f"switch interval {interval * 1000:.0f} ms: wait per hand-over mean "
            f"{waits.mean():.2f} p99 {np.percentile(waits, 99):.2f} max {waits.max():.1f} ms;"
            f" 10 in a row p99 {np.percentile(turns, 99):.1f} max {turns.max():.1f} ms"
        )
    stop.set()
    worker.join(timeout=60)


if __name__ == "__main__":
    main()
