"""Restoration studio on the CPU: a clean-up filter's PSNR against minutes of training,
beside OpenCV's non-local means, on photos it never saw; an inpainting model beside the
weight-free engines.

    python benchmarks/restoration_training.py filter --minutes 20 [--size small]
    python benchmarks/restoration_training.py inpaint --minutes 8 [--size small]
    python benchmarks/restoration_training.py filter --minutes 1 --quick   (a smoke run)
    python benchmarks/restoration_training.py speed --size small   (a 12-MP photo, tiled)
    python benchmarks/restoration_training.py plot --size small    (redraw a run's curve)

No download: the training folder is cut from scikit-image's bundled photos (`pip install
-e .[bench]`): 128 px tiles (16 per photo at most, 50 or more in all) of motorcycle,
hubble_deep_field, retina, immunohistochemistry, colorwheel and the grey photos (camera,
brick, grass, gravel, moon, coins, clock, cell, as RGB). Validation uses photos never
trained on: astronaut, chelsea, coffee, rocket (the centre square, up to 512 px).

`filter`: damage is Gaussian noise σ = 25 then JPEG at quality 30-90 (seeded: the same
damage every run). The PSNR of the EMA model on the validation crops is measured every
`--eval-every` steps and written with the training time (evaluation excluded) as one
JSON line each, with the CPU time the process got (on a shared machine much less than
the wall-clock time); at the end the model is written, added to a temporary models folder and
run through `restorer.filters.apply_filter` (tiled, as the app runs it) on the
validation photos beside `fastNlMeansDenoisingColored` (best of h = 5..25), and once on
a 12-MP photo (4000 × 3000, tiled) for its time. `inpaint`: LaMa's generator at reduced
width, then `restorer.api.inpaint` beside telea, navier-stokes and patchmatch (PSNR in
the hole, SSIM, texture distance). Results go to benchmarks/results/restoration-*.
Timings on a shared machine are noisy: compare the ratios in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from restorer.train.config import TrainConfig  # noqa: E402
from restorer.train.data import PhotoFolder, load_photos  # noqa: E402

TRAIN_PHOTOS = (
    "motorcycle_left",
    "hubble_deep_field",
    "retina",
    "immunohistochemistry",
    "colorwheel",
    "camera",
    "brick",
    "grass",
    "gravel",
    "moon",
    "coins",
    "clock",
    "cell",
)
HELD_OUT = ("astronaut", "chelsea", "coffee", "rocket")
RESULTS = Path(__file__).resolve().parent / "results"


def photo(name: str) -> np.ndarray:
    import skimage.data

    if name == "motorcycle_left":
        image = skimage.data.stereo_motorcycle()[0]
    else:
        image = getattr(skimage.data, name)()
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, 2)
    return np.ascontiguousarray(image[..., :3])


def build_training_folder(folder: Path, tile: int = 128, per_photo: int = 16) -> Path:
    """Up to `per_photo` random `tile`-px tiles of each training photo, as PNG files."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for name in TRAIN_PHOTOS:
        image = photo(name)
        height, width = image.shape[:2]
        for _ in range(per_photo):
            top, left = (
                int(rng.integers(0, height - tile + 1)),
                int(rng.integers(0, width - tile + 1)),
            )
            crop = image[top : top + tile, left : left + tile]
            cv2.imwrite(str(folder / f"{name}-{count:03d}.png"), crop[..., ::-1])
            count += 1
    return folder


def write_curve_png(points, path: Path, baselines: dict[str, float], title: str) -> None:
    """PSNR (dB) against minutes as a small line chart (OpenCV, no plotting library)."""
    width, height, margin = 720, 420, 60
    canvas = np.full((height, width, 3), 255, np.uint8)
    xs = [p["minutes"] for p in points]
    ys = [p["psnr"] for p in points] + list(baselines.values())
    x_max = max(xs + [1e-3])
    y_min, y_max = min(ys) - 0.5, max(ys) + 0.5

    def at(x, y):
        return (
            int(margin + (width - 2 * margin) * x / x_max),
            int(height - margin - (height - 2 * margin) * (y - y_min) / (y_max - y_min)),
        )

    cv2.rectangle(canvas, at(0, y_min), at(x_max, y_max), (200, 200, 200), 1)
    for value in np.arange(np.ceil(y_min), y_max, 1.0):
        cv2.putText(canvas, f"{value:.0f}", (8, at(0, value)[1] + 4), 0, 0.4, (0, 0, 0), 1)
    for minute in range(0, int(x_max) + 1, max(1, int(x_max) // 10)):
        cv2.putText(
            canvas,
            str(minute),
            (at(minute, y_min)[0] - 4, height - margin + 16),
            0,
            0.4,
            (0, 0, 0),
            1,
        )
    colours = [(0, 0, 200), (0, 150, 0), (150, 0, 150)]
    for (label, value), colour in zip(baselines.items(), colours, strict=False):
        cv2.line(canvas, at(0, value), at(x_max, value), colour, 1)
        cv2.putText(
            canvas,
            f"{label} {value:.2f} dB",
            (at(0, value)[0] + 6, at(0, value)[1] - 4),
            0,
            0.45,
            colour,
            1,
        )
    line = np.array(
        [at(x, y) for x, y in zip(xs, [p["psnr"] for p in points], strict=True)], np.int32
    )
    cv2.polylines(canvas, [line.reshape(-1, 1, 2)], False, (200, 90, 0), 2)
    cv2.putText(canvas, title, (margin, 24), 0, 0.5, (0, 0, 0), 1)
    cv2.putText(
        canvas,
        "minutes of training (wall clock on a shared CPU)",
        (width // 2 - 170, height - 12),
        0,
        0.45,
        (0, 0, 0),
        1,
    )
    cv2.imwrite(str(path), canvas)


def shrink_png(source: Path, target: Path, width: int = 768) -> None:
    image = cv2.imread(str(source))
    if image.shape[1] > width:
        scale = width / image.shape[1]
        image = cv2.resize(
            image, (width, round(image.shape[0] * scale)), interpolation=cv2.INTER_AREA
        )
    cv2.imwrite(str(target), image)


def run_speed(args: argparse.Namespace) -> None:
    """Seconds (wall and CPU) to filter a 12-MP photo tiled with a Compact of `--size`
    (the time does not depend on the weights, so an untrained one is timed), beside
    non-local means on the same photo."""
    from restorer.filters import apply_filter
    from restorer.train.models import build_network, export_weights
    from restorer.train.studio import install_model

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["RESTORER_DATA_DIR"] = str(Path(tmp) / "data")
        network = build_network("filter", "compact", args.size).eval()
        model_file = Path(tmp) / f"speed-{args.size}.safetensors"
        from safetensors.torch import save_file

        save_file(export_weights(network), str(model_file))
        info = install_model(f"speed-{args.size}", model_file)
        big = cv2.resize(photo("astronaut"), (4000, 3000), interpolation=cv2.INTER_CUBIC)
        result = {"photo": "4000x3000", "model": f"compact-{args.size}", "threads": args.threads}
        wall, cpu = time.perf_counter(), time.process_time()
        apply_filter(big, info.id, device="cpu")
        result["model_wall_s"] = round(time.perf_counter() - wall, 1)
        result["model_cpu_s"] = round(time.process_time() - cpu, 1)
        wall, cpu = time.perf_counter(), time.process_time()
        cv2.fastNlMeansDenoisingColored(np.ascontiguousarray(big[..., ::-1]), None, 15, 15, 7, 21)
        result["nlmeans_wall_s"] = round(time.perf_counter() - wall, 1)
        result["nlmeans_cpu_s"] = round(time.process_time() - cpu, 1)
        print(json.dumps(result), flush=True)
        RESULTS.mkdir(exist_ok=True)
        with open(RESULTS / f"restoration-speed-{args.size}.jsonl", "a") as out:
            out.write(json.dumps(result) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("task", choices=("filter", "inpaint", "speed", "plot"))
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--size", default="small")
    parser.add_argument("--crop", type=int, default=64)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--eval-every", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="small validation, no 12-MP run")
    parser.add_argument("--tag", default="", help="suffix of the result files")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from restorer.filters import apply_filter
    from restorer.train.checkpoint import write_model_file
    from restorer.train.evaluate import evaluate_model
    from restorer.train.studio import install_model
    from restorer.train.trainer import RestorationTrainer

    if args.task == "speed":
        return run_speed(args)
    if args.task == "plot":  # redraw the curve of an earlier run from its jsonl
        tag = args.tag or f"filter-{args.size}"
        text = (RESULTS / f"restoration-{tag}.jsonl").read_text()
        lines = [json.loads(line) for line in text.splitlines() if line.strip()]
        points = [line for line in lines if "psnr" in line]
        scores = lines[-1]["evaluation"]
        baselines = {name: s["psnr"] for name, s in scores.items() if name != tag}
        title = f"{tag}: PSNR on held-out photos (noise 25 + JPEG)"
        return write_curve_png(points, RESULTS / f"restoration-{tag}-curve.png", baselines, title)
    tag = args.tag or f"{args.task}-{args.size}"
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["RESTORER_DATA_DIR"] = str(Path(tmp) / "data")
        folder = build_training_folder(Path(tmp) / "photos")
        tiles = load_photos(folder, args.crop, minimum=50)
        held_out = [photo(name) for name in HELD_OUT]
        data = PhotoFolder(folder, tiles.train + tiles.validation, held_out)
        config = TrainConfig(
            task=args.task,
            size=args.size,
            crop=args.crop,
            batch=args.batch,
            degradations="noise:25,jpeg:30-90",
            eval_every=args.eval_every,
            val_crop=256 if args.quick else 512,
            val_limit=None,
            lr=5e-4 if args.task == "filter" else 2e-4,
        )
        trainer = RestorationTrainer(config, data)
        print(
            json.dumps(
                {
                    "training_photos": len(data.train),
                    "from": len(TRAIN_PHOTOS),
                    "held_out": list(HELD_OUT),
                    "threads": args.threads,
                    "config": config.to_dict(),
                }
            ),
            flush=True,
        )
        cpu_start = time.process_time()
        curve = [{"step": 0, "minutes": 0.0, "psnr": round(trainer.validate(), 3)}]
        print(json.dumps(curve[-1]), flush=True)

        def on_status(status):
            if status.val_psnr is not None:
                curve.append(
                    {
                        "step": status.step,
                        "minutes": round(trainer.seconds / 60, 3),
                        "cpu_minutes": round((time.process_time() - cpu_start) / 60, 3),
                        "psnr": round(status.val_psnr, 3),
                        "loss": round(status.loss, 5),
                    }
                )
                print(json.dumps(curve[-1]), flush=True)

        trainer.run(10**9, on_status=on_status, time_limit=args.minutes * 60)
        if curve[-1]["step"] != trainer.step:
            curve.append(
                {
                    "step": trainer.step,
                    "minutes": round(trainer.seconds / 60, 3),
                    "cpu_minutes": round((time.process_time() - cpu_start) / 60, 3),
                    "psnr": round(trainer.history.val_psnr[-1], 3),
                }
            )
        model_file = write_model_file(trainer, Path(tmp) / f"{tag}.safetensors")
        info = install_model(tag, model_file)
        evaluation = evaluate_model(
            info.id,
            data,
            config.task_spec(),
            256 if args.quick else 512,
            device="cpu",
            strip_path=Path(tmp) / "strip.png",
            strip_rows=4,
        )
        print(evaluation.table(), flush=True)
        summary = {
            "summary": True,
            "steps": trainer.step,
            "minutes": round(trainer.seconds / 60, 2),
            "parameters": info.parameters,
            "file_bytes": info.size_bytes,
            "evaluation": evaluation.scores,
        }
        RESULTS.mkdir(exist_ok=True)
        shrink_png(Path(tmp) / "strip.png", RESULTS / f"restoration-{tag}-strip.png")
        if args.task == "filter":
            baselines = {
                name: s["psnr"] for name, s in evaluation.scores.items() if name != info.id
            }
            write_curve_png(
                curve,
                RESULTS / f"restoration-{tag}-curve.png",
                baselines,
                f"{info.id}: PSNR on held-out photos (noise 25 + JPEG)",
            )
            if not args.quick:
                big = cv2.resize(photo("astronaut"), (4000, 3000), interpolation=cv2.INTER_CUBIC)
                started = time.perf_counter()
                apply_filter(big, info.id, device="cpu")
                summary["seconds_12mp_tiled"] = round(time.perf_counter() - started, 1)
                started = time.perf_counter()
                bgr = np.ascontiguousarray(big[:1000, :1000, ::-1])
                cv2.fastNlMeansDenoisingColored(bgr, None, 10, 10, 7, 21)
                summary["seconds_nlmeans_1mp"] = round(time.perf_counter() - started, 1)
        print(json.dumps(summary), flush=True)
        with open(RESULTS / f"restoration-{tag}.jsonl", "w") as out:
            for point in curve:
                out.write(json.dumps(point) + "\n")
            out.write(json.dumps(summary) + "\n")


if __name__ == "__main__":
    main()
