"""One brush stroke on a 12-megapixel photo: patchmatch (crops) vs Telea on the whole photo.

    python benchmarks/large_photo.py [--engine patchmatch] [--repeat 3] [--width 4000 --height 3000]
                                     [--variant KEY=VALUE,...]

Enlarges scikit-image's astronaut to 4000 x 3000 (12 MP), paints one 25-px stroke about
700 px long, and times `restorer.api.inpaint(engine=...)` (which works on a crop around
the stroke) against OpenCV's Telea run on the whole photo with the same stroke, the
usual way to use it. Prints one JSON line per run and the median ratio; the target is
at most 3x. Needs the `bench` extra (scikit-image). `--variant`: each run also times
`patchmatch` with these `FillSettings` changed (e.g. the settings before a change), side
by side, as `variant_s`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def make_case(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    import cv2
    from skimage import data

    photo = cv2.resize(data.astronaut(), (width, height), interpolation=cv2.INTER_CUBIC)
    # A little grain, as a real 12-MP photo has; fixed seed.
    grain = np.random.default_rng(0).normal(0, 3, photo.shape)
    photo = np.clip(photo + grain, 0, 255).astype(np.uint8)
    mask = np.zeros((height, width), np.uint8)
    points = np.array(
        [
            [0.30 * width, 0.40 * height],
            [0.38 * width, 0.47 * height],
            [0.45 * width, 0.50 * height],
        ],
        np.int32,
    )
    cv2.polylines(mask, [points.reshape(-1, 1, 2)], False, 255, 25)
    return photo, mask > 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="patchmatch")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--width", type=int, default=4000)
    parser.add_argument("--height", type=int, default=3000)
    parser.add_argument("--variant", default="", help="KEY=VALUE,...: FillSettings to time too")
    args = parser.parse_args()

    import cv2

    from restorer.api import inpaint

    photo, mask = make_case(args.width, args.height)
    # Warm-up: imports and the first torch call are not part of a repair.
    inpaint(photo[:256, :256], mask[:256, :256] | _dot(256), engine=args.engine, device="cpu")
    ratios = []
    for run in range(args.repeat):
        started = time.perf_counter()
        cv2.inpaint(photo, mask.astype(np.uint8), 5, cv2.INPAINT_TELEA)
        telea = time.perf_counter() - started
        started = time.perf_counter()
        result = inpaint(photo, mask, engine=args.engine, device="cpu")
        ours = time.perf_counter() - started
        assert np.array_equal(result[~mask], photo[~mask])
        ratios.append(ours / telea)
        row = {
            "run": run,
            "megapixels": round(photo.shape[0] * photo.shape[1] / 1e6, 1),
            "stroke_pixels": int(mask.sum()),
            "telea_whole_photo_s": round(telea, 3),
            f"{args.engine}_s": round(ours, 3),
            "ratio": round(ours / telea, 2),
        }
        if args.variant:
            seconds = _time_variant(args.variant, photo, mask)
            row.update(variant_s=round(seconds, 3), variant_ratio=round(seconds / telea, 2))
        print(json.dumps(row), flush=True)
    ratio = statistics.median(ratios)
    print(f"median ratio {ratio:.2f} (target <= 3): {'met' if ratio <= 3 else 'NOT met'}")
    print(json.dumps({"cancel_latency_s": round(cancel_latency(photo, mask, args.engine), 3)}))
    return 0


def cancel_latency(photo: np.ndarray, mask: np.ndarray, engine: str, after: float = 0.5) -> float:
    """Seconds from `cancel()` (sent `after` s into the repair) to the repair stopping."""
    import threading

    from restorer.api import inpaint
    from restorer.progress import Cancelled, Progress

    progress = Progress()
    stopped = {}

    def work() -> None:
        try:
            inpaint(photo, mask, engine=engine, device="cpu", progress=progress)
        except Cancelled:
            stopped["at"] = time.perf_counter()

    thread = threading.Thread(target=work)
    thread.start()
    time.sleep(after)
    cancelled_at = time.perf_counter()
    progress.cancel()
    thread.join()
    return stopped.get("at", time.perf_counter()) - cancelled_at


def _time_variant(spec: str, photo: np.ndarray, mask: np.ndarray) -> float:
    """Seconds for `patchmatch` with the `FillSettings` in `spec` (KEY=VALUE,...)."""
    import ast
    from functools import partial

    import restorer.engines.patchmatch as engine
    from restorer.api import inpaint
    from restorer.exemplar.fill import FillSettings, complete

    overrides = {}
    for pair in filter(None, spec.split(",")):
        key, _, value = pair.partition("=")
        overrides[key] = ast.literal_eval(value)
    engine.complete = partial(complete, settings=FillSettings(**overrides))
    try:
        started = time.perf_counter()
        inpaint(photo, mask, engine="patchmatch", device="cpu")
        return time.perf_counter() - started
    finally:
        engine.complete = complete


def _dot(size: int) -> np.ndarray:
    dot = np.zeros((size, size), bool)
    dot[size // 2 - 8 : size // 2 + 8, size // 2 - 8 : size // 2 + 8] = True
    return dot


if __name__ == "__main__":
    raise SystemExit(main())
