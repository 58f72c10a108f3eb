"""GAN training on the CPU: speed, and whether the samples get closer to the real pictures.

    python benchmarks/gan_training.py speed [--sizes 32 64 128] [--steps 20] [--threads T]
    python benchmarks/gan_training.py run --size 32 --minutes 10 --eval-every 250 [--out DIR]

Both build their training folder from random crops of scikit-image's bundled colour
photos (no download). `speed` prints one JSON line per size (training steps per second,
after warm-up). `run` trains for a fixed number of minutes of training time (evaluation
time excluded) and prints a JSON line with the sliced Wasserstein distance (×10³, 256
samples of the EMA generator against 256 fixed random crops) at step 0 and every K
steps, after the distance between two independent sets of real crops (the floor); it saves the fixed-noise sample grid at the start and at the end as PNGs and
prints where.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from restorer.generate.config import GanConfig  # noqa: E402
from restorer.generate.dataset import load_folder  # noqa: E402
from restorer.generate.gan import EVAL_SEED, real_set, swd_evaluator  # noqa: E402
from restorer.generate.swd import swd  # noqa: E402
from restorer.generate.trainer import Trainer  # noqa: E402
from restorer.imageio import save_image  # noqa: E402

PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "immunohistochemistry", "hubble_deep_field")


def build_folder(folder: Path, count: int = 300, smallest: int = 64, seed: int = 0) -> Path:
    """`count` random square crops (side `smallest`..2.5×) of scikit-image's photos."""
    import skimage.data

    rng = np.random.default_rng(seed)
    photos = [getattr(skimage.data, name)() for name in PHOTOS]
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        photo = photos[index % len(photos)]
        height, width = photo.shape[:2]
        side = int(rng.integers(smallest, min(height, width, int(smallest * 2.5)) + 1))
        top = int(rng.integers(0, height - side + 1))
        left = int(rng.integers(0, width - side + 1))
        save_image(folder / f"crop-{index:03d}.png", photo[top : top + side, left : left + side])
    return folder


def run_speed(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = build_folder(Path(tmp) / "crops", count=60, smallest=max(args.sizes))
        for size in args.sizes:
            data = load_folder(folder, size)
            trainer = Trainer(GanConfig(size=size, batch=args.batch), data)
            for _ in range(3):
                trainer.train_step()  # warm-up
            started = time.perf_counter()
            for _ in range(args.steps):
                trainer.train_step()
            rate = args.steps / (time.perf_counter() - started)
            print(
                json.dumps(
                    {
                        "benchmark": "gan_speed",
                        "size": size,
                        "batch": args.batch,
                        "threads": torch.get_num_threads(),
                        "steps_per_s": round(rate, 2),
                    }
                ),
                flush=True,
            )


def run_training(args: argparse.Namespace) -> None:
    out = Path(args.out or tempfile.mkdtemp(prefix="gan-benchmark-"))
    out.mkdir(parents=True, exist_ok=True)
    folder = build_folder(out / "crops", count=args.images, smallest=max(64, args.size * 2))
    data = load_folder(folder, args.size)
    config = GanConfig(size=args.size, batch=args.batch, lr_g=args.lr, lr_d=args.lr)
    trainer = Trainer(config, data)
    evaluate = swd_evaluator(data, args.eval_samples)

    def report(training_s: float) -> None:
        started = time.perf_counter()
        value = evaluate(trainer)
        line = {
            "benchmark": "gan_run",
            "size": args.size,
            "step": trainer.step,
            "training_s": round(training_s, 1),
            "swd_x1e3": round(value, 1),
            "eval_s": round(time.perf_counter() - started, 1),
        }
        print(json.dumps(line), flush=True)

    # The floor: two independent sets of real crops are this far apart.
    other_real = real_set(data, args.eval_samples, seed=EVAL_SEED + 1)
    floor = swd(other_real, real_set(data, args.eval_samples)).mean
    print(json.dumps({"benchmark": "gan_run_floor", "real_vs_real_swd_x1e3": round(floor, 1)}))
    start_grid = save_image(out / f"samples-{args.size}px-start.png", trainer.preview())
    report(0.0)
    budget = args.minutes * 60.0
    training_s = 0.0
    while training_s < budget:
        started = time.perf_counter()
        trainer.train_step()
        training_s += time.perf_counter() - started
        if trainer.step % args.eval_every == 0:
            report(training_s)
    if trainer.step % args.eval_every:
        report(training_s)
    end_grid = save_image(out / f"samples-{args.size}px-end.png", trainer.preview())
    summary = {
        "benchmark": "gan_run_summary",
        "steps": trainer.step,
        "steps_per_s": round(trainer.step / max(training_s, 1e-9), 2),
        "threads": torch.get_num_threads(),
        "start_grid": str(start_grid),
        "end_grid": str(end_grid),
    }
    print(json.dumps(summary), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    commands = parser.add_subparsers(dest="command", required=True)
    speed = commands.add_parser("speed", help="training steps per second per size")
    speed.add_argument("--sizes", type=int, nargs="+", default=[32, 64, 128])
    speed.add_argument("--steps", type=int, default=20)
    speed.add_argument("--batch", type=int, default=16)
    speed.set_defaults(func=run_speed)
    run = commands.add_parser("run", help="SWD at fixed steps during a timed run")
    run.add_argument("--size", type=int, default=32)
    run.add_argument("--minutes", type=float, default=10.0)
    run.add_argument("--eval-every", type=int, default=250)
    run.add_argument("--eval-samples", type=int, default=256)
    run.add_argument("--images", type=int, default=300)
    run.add_argument("--batch", type=int, default=16)
    run.add_argument("--lr", type=float, default=2e-4)
    run.add_argument("--out", type=Path, default=None, help="folder for crops and grids")
    run.set_defaults(func=run_training)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    args.func(args)


if __name__ == "__main__":
    main()
