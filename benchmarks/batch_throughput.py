"""Batch throughput: photos per minute for `restorer batch` with --jobs 1, --jobs 2 and --ray.

Makes COUNT photos (JPEG, sizes spread over --min-mp..--max-mp megapixels, each with one
brushed stroke in its own mask), then runs the real command three times on the same
folder, each into a fresh output folder, and samples the resident memory of the whole
process tree (workers, Ray's raylet and actors included) every 50 ms:

    python benchmarks/batch_throughput.py                 # 200 photos of 2-12 MP (long)
    python benchmarks/batch_throughput.py --quick         # 16 photos of 1-2 MP

Prints one JSON line per run: photos_per_minute, seconds, peak_rss_mb, and the peak in
the first and second half of the run (equal when memory does not grow with the count),
then the ratios jobs2/jobs1 and ray/jobs2 (targets: >= 1.7 and >= 0.85 on 12-MP photos).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from restorer.imageio import save_image, save_mask  # noqa: E402


def make_photos(folder: Path, count: int, min_mp: float, max_mp: float, seed: int = 0) -> None:
    """COUNT 3:2 photos with texture, and a mask per photo with one brushed stroke."""
    rng = np.random.default_rng(seed)
    (folder / "in").mkdir(parents=True)
    (folder / "masks").mkdir()
    sizes = np.linspace(min_mp, max_mp, count)
    for index, megapixels in enumerate(rng.permutation(sizes)):
        height = int(np.sqrt(megapixels * 1e6 / 1.5))
        width = int(height * 1.5)
        y, x = np.ogrid[0:height, 0:width]
        base = (np.sin(x / 37.0 + index) + np.cos(y / 23.0)) * 60 + 128
        noise = rng.integers(-12, 12, (height, width, 3), dtype=np.int16)
        rgb = np.clip(base[:, :, None] + noise + [0, 10, -10], 0, 255).astype(np.uint8)
        save_image(folder / "in" / f"photo{index:04d}.jpg", rgb, quality=90)
        mask = np.zeros((height, width), bool)
        top, left = int(rng.integers(0, height - 40)), int(rng.integers(0, width - 300))
        mask[top : top + 24, left : left + 280] = True  # one brushed stroke
        save_mask(folder / "masks" / f"photo{index:04d}.png", mask)


def run(folder: Path, name: str, extra: list[str]) -> dict:
    out = folder / f"out-{name}"
    command = [
        sys.executable, "-m", "restorer", "batch", str(folder / "in"), "-o", str(out),
        "--masks", str(folder / "masks"), "--device", "cpu", *extra,
    ]  # fmt: skip
    start = time.perf_counter()
    process = psutil.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    samples: list[tuple[float, float]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            try:
                tree = [process, *process.children(recursive=True)]
                rss = sum(_rss(p) for p in tree)
            except psutil.Error:
                rss = 0
            samples.append((time.perf_counter() - start, rss / 2**20))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    stop.set()
    sampler.join()
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"{name} failed ({process.returncode}): {stderr.decode()[-2000:]}")
    done = len(list(out.glob("*.jpg")))
    half = seconds / 2
    return {
        "run": name,
        "photos": done,
        "seconds": round(seconds, 1),
        "photos_per_minute": round(60 * done / seconds, 1),
        "peak_rss_mb": round(max(rss for _, rss in samples), 0),
        "peak_first_half_mb": round(max((r for t, r in samples if t <= half), default=0), 0),
        "peak_second_half_mb": round(max((r for t, r in samples if t > half), default=0), 0),
        "summary": stdout.decode().strip().splitlines()[-1:],
    }


def _rss(process: psutil.Process) -> int:
    try:
        return process.memory_info().rss
    except psutil.Error:
        return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--min-mp", type=float, default=2.0)
    parser.add_argument("--max-mp", type=float, default=12.0)
    parser.add_argument("--engine", default=None, help="default: the best weight-free engine")
    parser.add_argument("--quick", action="store_true", help="16 photos of 1-2 MP")
    parser.add_argument("--no-ray", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.count, args.min_mp, args.max_mp = 16, 1.0, 2.0
    engine = ["--engine", args.engine] if args.engine else []
    with tempfile.TemporaryDirectory(prefix="restorer-batch-bench-") as temp:
        folder = Path(temp)
        make_photos(folder, args.count, args.min_mp, args.max_mp)
        runs = [("jobs1", ["--jobs", "1"]), ("jobs2", ["--jobs", "2"])]
        if not args.no_ray:
            runs.append(("ray", ["--ray", "--jobs", "2"]))
        results = {}
        for name, extra in runs:
            results[name] = run(folder, name, [*extra, *engine])
            print(json.dumps(results[name]), flush=True)
    ratios = {"jobs2_over_jobs1": round(
        results["jobs2"]["photos_per_minute"] / results["jobs1"]["photos_per_minute"], 2
    )}  # fmt: skip
    if "ray" in results:
        ratios["ray_over_jobs2"] = round(
            results["ray"]["photos_per_minute"] / results["jobs2"]["photos_per_minute"], 2
        )
    print(json.dumps({"count": args.count, "megapixels": [args.min_mp, args.max_mp], **ratios}))


if __name__ == "__main__":
    main()
