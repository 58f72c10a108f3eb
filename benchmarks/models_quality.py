"""Every inpainting model in the models folder against `patchmatch`, on the same cases
as benchmarks/inpaint_quality.py (its photos, masks and metrics).

    python benchmarks/models_quality.py [--images astronaut,...] [--kinds scratches,strokes,blob]
                                        [--max-side 512] [--device cpu|cuda|auto] [--quick]
    python benchmarks/models_quality.py --random-lama --quick   # CI: a random-weight LaMa

Prints one JSON line per case and a markdown table with a row per engine (PSNR in the
hole, SSIM on its box, texture distance, seconds per picture). Add real models first
(`restorer models get big-lama`); `--random-lama` uses a temporary models folder with a
randomly initialised LaMa instead, so the script runs end to end anywhere (its quality
numbers then mean nothing). Needs the `bench` extra (scikit-image) for the photos;
without it a generated photo stands in and says so.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from inpaint_quality import (  # noqa: E402
    IMAGES,
    KINDS,
    make_mask,
    markdown,
    score,
    summarise,
)

RESULTS = Path(__file__).resolve().parent / "results"


def _ssim(result: np.ndarray, original: np.ndarray, mask: np.ndarray) -> float:
    try:
        from inpaint_quality import ssim_on_box

        return ssim_on_box(result, original, mask)
    except ImportError:  # no scikit-image
        return float("nan")


def photo(name: str, max_side: int) -> tuple[np.ndarray, str]:
    """inpaint_quality's photo, or a generated one when scikit-image is missing."""
    try:
        from inpaint_quality import load_photo

        return load_photo(name, max_side), name
    except ImportError:
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        side = min(max_side, 256)
        y, x = np.mgrid[0:side, 0:side]
        base = np.stack([x * 0.9, y * 0.7, (x + y) * 0.4], axis=2) + 40 * np.sin(x / 9.0)[..., None]
        noisy = base + rng.normal(0, 8, base.shape)
        return noisy.clip(0, 255).astype(np.uint8), f"generated-{name}"


def add_random_lama() -> str:
    """A randomly initialised big-lama in the (temporary) models folder; returns its id."""
    import torch
    from safetensors.torch import save_file
    from spandrel.architectures.LaMa import LaMa

    from restorer import catalog

    torch.manual_seed(0)
    # float16 halves the file (100 MB) to write, hash and copy; random weights either way
    weights = {k: v.half().contiguous() for k, v in LaMa(in_nc=4, out_nc=3).state_dict().items()}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "random-lama.safetensors"
        save_file(weights, str(path))
        return catalog.add_model(path).id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", default=",".join(IMAGES))
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--max-side", type=int, default=512)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="2 photos at 128 px")
    parser.add_argument("--random-lama", action="store_true", help="a random-weight LaMa only")
    parser.add_argument("--out", type=Path, default=RESULTS / "models_quality.json")
    args = parser.parse_args()
    if args.quick:
        args.images, args.max_side = "astronaut,brick", 128

    if args.random_lama:
        os.environ["RESTORER_DATA_DIR"] = tempfile.mkdtemp(prefix="restorer-bench-")
    from restorer import models
    from restorer.api import inpaint
    from restorer.devices import resolve_device

    if args.random_lama:
        add_random_lama()
    inpainting = [info for info in models.list_models() if info.is_inpainting]
    if not inpainting:
        print("No inpainting model in the models folder; add one (restorer models get big-lama)")
        print("or run with --random-lama.")
    device = resolve_device(args.device)
    engines = ["patchmatch", *[info.id for info in inpainting]]
    print(f"engines: {', '.join(engines)}; models on {device}", flush=True)

    def run(engine: str, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        where = "cpu" if engine == "patchmatch" else device
        return inpaint(image, mask, engine=engine, device=where, seed=args.seed)

    if not args.random_lama:  # random weights: timings mean nothing, skip the warm-up
        warm = photo("camera", 64)[0]
        for engine in engines:  # imports, model load, first torch call
            run(engine, warm, make_mask("strokes", warm.shape[:2], np.random.default_rng(0)))

    rows = []
    for index, name in enumerate(args.images.split(",")):
        image, label = photo(name, args.max_side)
        for kind_index, kind in enumerate(args.kinds.split(",")):
            rng = np.random.default_rng([args.seed, index, kind_index])
            mask = make_mask(kind, image.shape[:2], rng)
            for engine in engines:
                started = time.perf_counter()
                result = run(engine, image, mask)
                seconds = time.perf_counter() - started
                assert np.array_equal(result[~mask], image[~mask]), engine
                row = {
                    "image": label,
                    "kind": kind,
                    "engine": engine,
                    "device": "cpu" if engine == "patchmatch" else device,
                    **score(result, image, mask, ssim=_ssim),
                    "seconds": round(seconds, 3),
                }
                rows.append(row)
                print(json.dumps(row), flush=True)

    summary = summarise(rows, engines)
    print()
    print(markdown(summary))
    if args.random_lama:
        print("\n(random-weight LaMa: the numbers test the plumbing, not the quality)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rows": rows, "summary": summary}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
