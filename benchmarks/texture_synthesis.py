"""Texture synthesis: time and seam visibility for 512² and 1024² textures.

Exemplars are 128x128 crops of scikit-image's bundled photos (brick, grass, gravel):

    python benchmarks/texture_synthesis.py [--device auto|cpu|cuda] [--sizes 512 1024]
                                           [--textures brick grass gravel] [--save DIR]
                                           [--baseline OLD_TEXTURE_PY]

Prints one JSON line per texture and size:
- `seconds`: wall time of `synthesize_texture` (torch already imported and warmed up);
- `seam_ratio`: mean absolute difference across the wrapped edges over the mean across
  interior neighbours (1.0 = the tile seam is as invisible as any other column/row);
  `exemplar_seam_ratio` is the same for the exemplar itself, for comparison;
- `contrast_ratio`: the texture's standard deviation over the exemplar's (below 1 when
  voting blurs; near 1 when the texture keeps the exemplar's contrast).
With `--save`, writes each texture and a 2x2 tiling of it as PNG files.
With `--baseline` (another version of `restorer/generate/texture.py`, e.g. from
`git show REV:restorer/generate/texture.py > /tmp/old.py`), each run alternates with a
run of that version and the line adds its `baseline_seconds`, `baseline_seam_ratio` and
`speedup` (baseline time over this version's, both in the same conditions).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from restorer.devices import resolve_device  # noqa: E402
from restorer.generate.texture import seam_ratio, synthesize_texture  # noqa: E402


def exemplar(name: str, side: int = 128) -> np.ndarray:
    """A centred side x side crop of a scikit-image sample photo, as RGB."""
    import skimage.data

    image = getattr(skimage.data, name)()
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    top = (image.shape[0] - side) // 2
    left = (image.shape[1] - side) // 2
    return np.ascontiguousarray(image[top : top + side, left : left + side, :3])


def load_baseline(path: Path):
    """Import another version of the texture module from `path` (for `--baseline`)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("texture_baseline", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["texture_baseline"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    module.synthesize_texture(exemplar("gravel", 64), (64, 64))  # warm-up
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024])
    parser.add_argument("--textures", nargs="+", default=["brick", "grass", "gravel"])
    parser.add_argument("--exemplar", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", type=Path, default=None)
    parser.add_argument("--baseline", type=Path, default=None)
    args = parser.parse_args(argv)
    device = resolve_device(args.device)
    baseline = None if args.baseline is None else load_baseline(args.baseline)
    synthesize_texture(exemplar("gravel", 64), (64, 64), device=device)  # warm-up
    for name in args.textures:
        source = exemplar(name, args.exemplar)
        for size in args.sizes:
            if device.startswith("cuda"):
                import torch

                torch.cuda.synchronize()
            started = time.perf_counter()
            texture = synthesize_texture(source, (size, size), seed=args.seed, device=device)
            seconds = time.perf_counter() - started
            record = {
                "texture": name,
                "exemplar": f"{args.exemplar}x{args.exemplar}",
                "size": f"{size}x{size}",
                "device": device,
                "seconds": round(seconds, 2),
                "seam_ratio": round(seam_ratio(texture), 3),
                "exemplar_seam_ratio": round(seam_ratio(source), 3),
                "contrast_ratio": round(float(texture.std() / max(source.std(), 1e-9)), 3),
            }
            if baseline is not None:
                started = time.perf_counter()
                old = baseline.synthesize_texture(
                    source, (size, size), seed=args.seed, device=device
                )
                record["baseline_seconds"] = round(time.perf_counter() - started, 2)
                record["baseline_seam_ratio"] = round(seam_ratio(old), 3)
                record["speedup"] = round(record["baseline_seconds"] / max(seconds, 1e-9), 2)
            print(json.dumps(record), flush=True)
            if args.save is not None:
                from restorer.imageio import save_image

                args.save.mkdir(parents=True, exist_ok=True)
                save_image(args.save / f"{name}-{size}.png", texture)
                save_image(args.save / f"{name}-{size}-tiled.png", np.tile(texture, (2, 2, 1)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
