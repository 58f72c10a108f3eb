"""`restorer batch INPUT... -o OUT_DIR`: repair whole folders, here or on a Ray cluster."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

from restorer.devices import DEVICE_CHOICES


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "batch",
        help="repair many photos: files, folders or globs",
        description=(
            "Repair every photo named by INPUT (files, folders, glob patterns) and write the "
            "results into OUT_DIR with the same names and sub-folders. A file that fails is "
            "reported and the rest go on; the exit status is 1 if any file failed."
        ),
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="photo, folder or glob")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="OUT_DIR")
    masks = parser.add_mutually_exclusive_group(required=True)
    masks.add_argument("--mask", type=Path, metavar="FILE", help="one mask for every photo")
    masks.add_argument(
        "--masks", type=Path, metavar="DIR", help="a folder with NAME.png for each NAME.jpg"
    )
    masks.add_argument("--detect", action="store_true", help="find the damage (restorer.damage)")
    parser.add_argument("--engine", "-e", default=None, help="engine id (see 'restorer engines')")
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    parser.add_argument("--seed", type=int, default=0, help="random seed for engines that use one")
    parser.add_argument("--quality", type=int, default=95, help="JPEG/WebP/HEIC quality (1-100)")
    parser.add_argument("--suffix", default="", help="added to each output name, e.g. _fixed")
    parser.add_argument("--format", choices=("same", "jpg", "png", "tif"), default="same")
    parser.add_argument(
        "--skip-existing", action="store_true", help="leave outputs that exist (resume a run)"
    )
    parser.add_argument("--jobs", "-j", type=int, default=1, help="worker processes (or actors)")
    parser.add_argument("--report", type=Path, metavar="FILE", help="write a JSON report")
    parser.add_argument("-r", "--recursive", action="store_true", help="look in sub-folders")
    parser.add_argument(
        "--ray",
        nargs="?",
        const="",
        default=None,
        metavar="ADDRESS",
        help="run on Ray: a cluster's address ('auto', 'ray://host:10001'), or none to start "
        "a local Ray",
    )
    parser.set_defaults(func=run)


class BatchProgress:
    """`[#####.....] 45/200  12.3 photos/min  4m10s left  1 failed  name` on one line."""

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 24):
        self.total, self.width = total, width
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.start = time.monotonic()
        self.finished = self.worked = self.failed = 0

    def __call__(self, result) -> None:
        self.finished += 1
        if result.status != "skipped":
            self.worked += 1
        if result.status == "failed":
            self.failed += 1
            self._clear()
            self.stream.write(f"restorer: failed: {result.error}\n")
        if self.tty:
            self.stream.write("\r" + self.line(Path(result.source).name))
        self.stream.flush()

    def line(self, name: str = "") -> str:
        elapsed = max(time.monotonic() - self.start, 1e-6)
        filled = int(round(self.width * self.finished / max(self.total, 1)))
        rate = 60.0 * self.worked / elapsed
        left = self.total - self.finished
        eta = _duration(left * elapsed / self.worked) if self.worked else "?"
        failed = f"  {self.failed} failed" if self.failed else ""
        return (
            f"[{'#' * filled}{'.' * (self.width - filled)}] {self.finished}/{self.total}  "
            f"{rate:.1f} photos/min  {eta} left{failed}  {name[:30]:<30}"
        )

    def _clear(self) -> None:
        if self.tty:
            self.stream.write("\r" + " " * 110 + "\r")

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"


def run(args: argparse.Namespace) -> int:
    from restorer.batch import (
        BatchOptions,
        build_report,
        check_options,
        counts,
        plan,
        run_local,
        write_report,
    )
    from restorer.errors import RestorerError

    if args.jobs < 1:
        raise RestorerError("--jobs must be 1 or more.")
    options = BatchOptions(
        engine=args.engine,
        device=args.device,
        seed=args.seed,
        quality=args.quality,
        mask=args.mask,
        masks=args.masks,
        detect=args.detect,
        skip_existing=args.skip_existing,
    )
    engine_id = check_options(options)
    items = plan(
        args.inputs,
        args.output,
        recursive=args.recursive,
        suffix=args.suffix,
        fmt=args.format,
        masks=args.masks,
    )
    args.output.mkdir(parents=True, exist_ok=True)
    progress = BatchProgress(len(items))
    start = time.perf_counter()
    try:
        if args.ray is not None:
            from restorer.batch.ray_runner import run_ray

            jobs = args.jobs if args.jobs > 1 else None
            results = run_ray(
                items, options, address=args.ray or None, jobs=jobs, on_result=progress
            )
        else:
            results = run_local(items, options, jobs=args.jobs, on_result=progress)
    finally:
        progress.close()
    seconds = time.perf_counter() - start
    report = build_report(
        results,
        runner="ray" if args.ray is not None else "local",
        seconds=seconds,
        engine=engine_id,
        device=args.device,
        jobs=args.jobs,
    )
    if args.report is not None:
        write_report(args.report, report)
    done = counts(results)
    print(
        f"{len(results)} photos: {done['done']} repaired, {done['skipped']} skipped, "
        f"{done['failed']} failed ({seconds:.1f} s, {report['photos_per_minute']} photos/min)"
    )
    return 1 if done["failed"] else 0
