"""How long Extend canvas takes: a photo of --size px square, --border px added per side.

    python benchmarks/extend_canvas.py [--size 512] [--border 128] [--engines default telea]
        [--repeat 3] [--device cpu]

Prints one JSON line per engine: the best and median wall time of `--repeat` runs of
`restorer.generate.extend.extend_canvas`, the result's size, and how far the border's
colours stray from the photo's (mean absolute difference of the 8-pixel rings either
side of the seam: lower is a smoother join). Uses the bundled sample photo, resized.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def seam_difference(result, size: int, border: int) -> float:
    """Mean |difference| between the photo's outer 8-px ring and the border's inner one."""
    import numpy as np

    inner = result[border : border + size, border : border + size].astype(np.float32)
    outer = result[border - 8 : border + size + 8, border - 8 : border + size + 8]
    outer = outer.astype(np.float32)
    photo_ring = np.concatenate(
        [inner[:8].reshape(-1, 3), inner[-8:].reshape(-1, 3)]
        + [inner[:, :8].reshape(-1, 3), inner[:, -8:].reshape(-1, 3)]
    )
    border_ring = np.concatenate(
        [outer[:8].reshape(-1, 3), outer[-8:].reshape(-1, 3)]
        + [outer[:, :8].reshape(-1, 3), outer[:, -8:].reshape(-1, 3)]
    )
    return float(abs(photo_ring.mean(axis=0) - border_ring.mean(axis=0)).mean())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--border", type=int, default=128)
    parser.add_argument("--engines", nargs="+", default=["default", "telea"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    import cv2

    from restorer.catalog import registry
    from restorer.generate.extend import extend_canvas
    from restorer.imageio import load_image

    photo = load_image(ROOT / "resources" / "sample.jpg").rgb
    photo = cv2.resize(photo, (args.size, args.size), interpolation=cv2.INTER_AREA)
    for name in args.engines:
        engine = registry().default() if name == "default" else registry().get(name)
        times = []
        result = None
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = extend_canvas(
                photo,
                top=args.border,
                bottom=args.border,
                left=args.border,
                right=args.border,
                engine=engine.id,
                device=args.device,
            )
            times.append(time.perf_counter() - started)
        assert result is not None
        print(
            json.dumps(
                {
                    "bench": "extend_canvas",
                    "engine": engine.id,
                    "asked": name,
                    "photo": f"{args.size}x{args.size}",
                    "border_px": args.border,
                    "result": f"{result.shape[1]}x{result.shape[0]}",
                    "best_s": round(min(times), 3),
                    "median_s": round(statistics.median(times), 3),
                    "runs": args.repeat,
                    "seam_mean_abs_diff": round(seam_difference(result, args.size, args.border), 2),
                }
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
