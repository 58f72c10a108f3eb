"""What the auto engine chooses, and whether each choice is the right one.

    python benchmarks/auto_engine.py [--quick] [--size 320] [--seed 0]

Crops of the bundled sample photo get three kinds of damage — dust specks (1-2 px
radius dots), thin scratches (2-5 px polylines, as in inpaint_quality.py) and one
object-sized blob — and every weight-free engine, Auto included, fills them. Prints
PSNR inside the hole (higher is better) and seconds per picture for each engine and
kind, as a markdown table. `--quick`: two crops instead of six.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

ENGINES = ("telea", "navier-stokes", "patchmatch", "auto")
KINDS = ("specks", "scratches", "blob")


def crops(size: int, count: int) -> list[np.ndarray]:
    from restorer.imageio import load_image

    photo = load_image(ROOT / "resources" / "sample.jpg").rgb
    height, width = photo.shape[:2]
    rng = np.random.default_rng(123)
    out = []
    for _ in range(count):
        top = int(rng.integers(0, max(1, height - size)))
        left = int(rng.integers(0, max(1, width - size)))
        out.append(np.ascontiguousarray(photo[top : top + size, left : left + size]))
    return out


def speck_mask(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    import cv2

    canvas = np.zeros(shape, np.uint8)
    for _ in range(40):
        centre = (int(rng.integers(4, shape[1] - 4)), int(rng.integers(4, shape[0] - 4)))
        cv2.circle(canvas, centre, int(rng.integers(1, 3)), 255, -1)
    return canvas > 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two crops instead of six")
    parser.add_argument("--size", type=int, default=320)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from inpaint_quality import make_mask, psnr_in_hole

    from restorer import api
    from restorer.catalog import registry
    from restorer.engines.auto import split_by_shape

    rng = np.random.default_rng(args.seed)
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    chosen: dict[str, set[str]] = {}
    auto = registry().get("auto")
    for image in crops(args.size, 2 if args.quick else 6):
        for kind in KINDS:
            shape = image.shape[:2]
            mask = speck_mask(shape, rng) if kind == "specks" else make_mask(kind, shape, rng)
            parts = split_by_shape(mask)
            picks = auto.choices()
            chosen.setdefault(kind, set()).update(
                picks[part].id
                for part in ("specks", "thin", "objects")
                if getattr(parts, part).any()
            )
            for engine in ENGINES:
                started = time.perf_counter()
                result = api.inpaint(image, mask, engine=engine, device="cpu", seed=args.seed)
                seconds = time.perf_counter() - started
                results.setdefault((kind, engine), []).append(
                    (psnr_in_hole(result, image, mask), seconds)
                )
    print("| damage | engine | PSNR in hole (dB) | seconds |")
    print("|---|---|---|---|")
    for kind in KINDS:
        for engine in ENGINES:
            values = np.array(results[(kind, engine)])
            print(f"| {kind} | {engine} | {values[:, 0].mean():.2f} | {values[:, 1].mean():.3f} |")
    for kind in KINDS:
        print(f"Auto sends {kind} to: {', '.join(sorted(chosen[kind]))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
