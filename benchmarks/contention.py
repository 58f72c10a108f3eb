"""Time per picture, quiet and with busy processes beside it, for the default engine and
PyPatchMatch, side by side in one run.

    python benchmarks/contention.py [--pictures 4] [--size 512] [--rounds 2] [--busy 2]
        [--configs restorer,libraries,pypatchmatch]

Each configuration runs in its own long-lived worker process (so thread settings made
before torch is imported apply), warmed up once, then timed on the same pictures in
alternating rounds: quiet, then with `--busy` processes spinning on the CPU, then quiet
again... Workers never run at the same time as one another. Configurations:

- `restorer`: the default engine as Restorer now runs it (its thread policy:
  `restorer.devices`).
- `libraries`: the same engine with the libraries' own defaults (torch's intra-op
  threads = cores, OpenMP's default wait policy): how it ran before issue 14.
- `pypatchmatch`: IOPaint's PatchMatch (`pip install -e .[bench]`), for comparison.

The table gives the median and worst time per picture and the slowdown (busy median /
quiet median). Quiet means "no busy processes of ours": on a shared machine other
programs still run, so say what else was running when you quote the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ("restorer", "libraries", "pypatchmatch")


def pictures(count: int, size: int) -> list[tuple[object, object]]:
    """Textured pictures with a hole each (a block and a stroke), from a fixed seed."""
    import numpy as np

    out = []
    for index in range(count):
        rng = np.random.default_rng(100 + index)
        y, x = np.mgrid[0:size, 0:size].astype(np.float32)
        base = 128 + 60 * np.sin(x / (9 + index)) * np.cos(y / 13)
        image = np.clip(base[..., None] + rng.normal(0, 18, (size, size, 3)), 0, 255)
        image = image.astype(np.uint8)
        mask = np.zeros((size, size), bool)
        top, left = size // 3 + 7 * index, size // 4
        mask[top : top + size // 8, left : left + size // 6] = True
        mask[size // 2 + 20 : size // 2 + 26, size // 8 : size - size // 8] = True
        out.append((image, mask))
    return out


# -- the worker ----------------------------------------------------------------------


def worker(config: str, count: int, size: int) -> None:
    """Read 'run' lines on stdin, answer each with the times per picture as JSON."""
    if config == "libraries":
        os.environ["RESTORER_THREAD_POLICY"] = "libraries"
    sys.path.insert(0, str(ROOT))
    work = pictures(count, size)
    if config == "pypatchmatch":
        import numpy as np
        from patchmatch import patch_match

        def run(image, mask):
            patch_match.set_random_seed(0)
            return patch_match.inpaint(image, mask.astype(np.uint8), patch_size=3)
    else:
        from restorer.api import inpaint

        def run(image, mask):
            return inpaint(image, mask, engine="patchmatch", device="cpu", seed=0)

    run(*work[0])  # warm up: imports, first allocations
    threads = None
    if config != "pypatchmatch":
        import torch

        threads = torch.get_num_threads()
    print(json.dumps({"ready": True, "threads": threads}), flush=True)
    for line in sys.stdin:
        if line.strip() != "run":
            break
        times = []
        for image, mask in work:
            start = time.perf_counter()
            run(image, mask)
            times.append(time.perf_counter() - start)
        print(json.dumps(times), flush=True)


# -- the parent ----------------------------------------------------------------------


def _busy(count: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.kill()
    for process in processes:
        process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pictures", type=int, default=4)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--busy", type=int, default=2)
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.pictures, args.size)
        return 0

    configs = args.configs.split(",")
    workers = {}
    for config in configs:
        process = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--worker",
                config,
                "--pictures",
                str(args.pictures),
                "--size",
                str(args.size),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
        )
        workers[config] = (process, json.loads(process.stdout.readline()))
    times = {config: {"quiet": [], "busy": []} for config in configs}
    for _round in range(args.rounds):
        for phase in ("quiet", "busy"):
            spinners = _busy(args.busy) if phase == "busy" else []
            time.sleep(0.5 if spinners else 0.0)
            try:
                for config in configs:
                    process, _ = workers[config]
                    process.stdin.write("run\n")
                    process.stdin.flush()
                    times[config][phase] += json.loads(process.stdout.readline())
            finally:
                _stop(spinners)
    for process, _ in workers.values():
        process.stdin.close()
        process.wait()

    cores = os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{args.pictures} pictures of {args.size} px, {args.rounds} rounds, "
        f"{args.busy} busy processes, {cores} cores (load average at the end {load:.1f})"
    )
    header = f"{'configuration':<14} {'threads':>7} {'quiet med':>10} {'busy med':>9} "
    header += f"{'busy worst':>10} {'slowdown':>8}"
    print(header)
    summary = {}
    for config in configs:
        quiet, busy = times[config]["quiet"], times[config]["busy"]
        slowdown = statistics.median(busy) / statistics.median(quiet)
        threads = workers[config][1]["threads"]
        print(
            f"{config:<14} {threads if threads is not None else '-':>7} "
            f"{statistics.median(quiet):>9.2f}s {statistics.median(busy):>8.2f}s "
            f"{max(busy):>9.2f}s {slowdown:>7.1f}x"
        )
        summary[config] = {"threads": threads, "quiet": quiet, "busy": busy, "slowdown": slowdown}
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
