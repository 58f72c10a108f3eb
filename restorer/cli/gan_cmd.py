"""`restorer gan ...`: train a generator on a folder of pictures, sample it, evaluate it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from restorer.devices import DEVICE_CHOICES


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "gan",
        help="train a GAN on your own pictures and generate new ones (offline)",
        description="Train a small generator/discriminator pair on a folder of at least 50 "
        "pictures, then make new pictures from it. Trained generators live in the models "
        "folder under gan/NAME.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    train = actions.add_parser("train", help="train (or continue training) a generator")
    train.add_argument("folder", type=Path, help="folder of pictures (any sizes, ≥ 50)")
    train.add_argument("--out", required=True, metavar="NAME", help="name of the generator")
    train.add_argument("--size", type=int, default=64, help="picture size: 32, 64 or 128 px")
    train.add_argument("--steps", type=int, default=5000, help="training steps to run")
    train.add_argument(
        "--resume", action="store_true", help="continue NAME from its last checkpoint"
    )
    train.add_argument("--batch", type=int, default=16, help="pictures per step (default 16)")
    train.add_argument("--lr", type=float, default=2e-4, help="learning rate (default 2e-4)")
    train.add_argument("--loss", choices=("hinge", "nonsaturating"), default="hinge")
    train.add_argument("--channels", type=int, default=16, help="network width (default 16)")
    train.add_argument("--seed", type=int, default=0, help="random seed of the run")
    train.add_argument("--eval-every", type=int, default=0, metavar="K", help="SWD every K steps")
    train.add_argument("--checkpoint-every", type=int, default=500, metavar="K")
    train.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    train.add_argument(
        "--threads", type=int, default=0, help="CPU threads (default: torch's choice)"
    )
    train.set_defaults(func=run_train)

    sample = actions.add_parser("sample", help="make new pictures with a trained generator")
    sample.add_argument("name", help="generator name (see 'restorer gan list')")
    sample.add_argument("-n", "--count", type=int, default=16, help="how many pictures")
    sample.add_argument(
        "--seed", type=int, default=0, help="seed: the same seed, the same pictures"
    )
    sample.add_argument(
        "--to-seed",
        type=int,
        default=None,
        metavar="S2",
        help="interpolate from --seed to this seed in N steps instead",
    )
    sample.add_argument("-o", "--output", type=Path, default=None, help="write a grid image")
    sample.add_argument(
        "--each", type=Path, default=None, metavar="FOLDER", help="also save each picture here"
    )
    sample.set_defaults(func=run_sample)

    evaluate = actions.add_parser(
        "eval", help="distance of a generator's pictures to real ones, and a copy check"
    )
    evaluate.add_argument("name", help="generator name")
    evaluate.add_argument("folder", type=Path, help="folder of real pictures (the training set)")
    evaluate.add_argument("-n", "--count", type=int, default=256, help="samples to compare")
    evaluate.add_argument("-v", "--verbose", action="store_true", help="list every sample")
    evaluate.set_defaults(func=run_eval)

    listing = actions.add_parser("list", help="list trained generators")
    listing.set_defaults(func=run_list)


def run_train(args: argparse.Namespace) -> int:
    from restorer.cli.progressbar import ProgressBar
    from restorer.devices import resolve_device
    from restorer.generate.config import GanConfig, GanError
    from restorer.generate.gan import TrainJob
    from restorer.generate.store import check_name

    check_name(args.out)
    if args.steps < 1:
        raise GanError("--steps must be at least 1.")
    if args.eval_every < 0 or args.checkpoint_every < 1:
        raise GanError("--eval-every must be ≥ 0 and --checkpoint-every ≥ 1.")
    if args.threads < 0:
        raise GanError("--threads must be ≥ 1 (or 0 for torch's choice).")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    config = GanConfig(
        size=args.size,
        batch=args.batch,
        lr_g=args.lr,
        lr_d=args.lr,
        loss=args.loss,
        channels=args.channels,
        max_channels=max(256, args.channels),
        seed=args.seed,
        checkpoint_every=args.checkpoint_every,
    ).validate()
    job = TrainJob(
        args.folder,
        args.out,
        args.steps,
        config,
        resume=args.resume,
        eval_every=args.eval_every,
        device=resolve_device(args.device),
    )
    try:
        with ProgressBar() as progress:
            result = job.run(progress)
    except KeyboardInterrupt:
        print("\nrestorer: interrupted; the last checkpoint is kept", file=sys.stderr)
        return 130
    if result.skipped:
        print(f"Skipped {len(result.skipped)} unreadable files:", file=sys.stderr)
        for line in result.skipped:
            print(f"  {line}", file=sys.stderr)
    history = result.status.history
    print(f"Trained '{result.name}' to step {result.step} ({result.folder})")
    if history.loss_g:
        print(f"Last losses: G {history.loss_g[-1]:.3f}  D {history.loss_d[-1]:.3f}")
    for step, value in zip(history.swd_steps, history.swd, strict=True):
        print(f"SWD×10³ at step {step}: {value:.1f}")
    return 0


def _save_grid(images, path: Path) -> None:
    from restorer.generate.sampling import grid
    from restorer.imageio import save_format, save_image

    save_format(path)
    save_image(path, grid(images))
    print(f"Wrote {path}")


def run_sample(args: argparse.Namespace) -> int:
    from restorer.cli.progressbar import ProgressBar
    from restorer.generate.config import GanError
    from restorer.generate.gan import export_images, interpolate, sample
    from restorer.imageio import save_format

    if args.output is None and args.each is None:
        raise GanError("Say where the pictures go: -o GRID.png and/or --each FOLDER.")
    if args.output is not None:
        save_format(args.output)
    if args.count < 1 or args.count > 10_000:
        raise GanError("-n must be between 1 and 10000.")
    with ProgressBar() as progress:
        if args.to_seed is None:
            images = sample(args.name, args.count, args.seed, progress)
        else:
            images = interpolate(args.name, args.seed, args.to_seed, args.count, progress)
    if args.output is not None:
        _save_grid(images, args.output)
    if args.each is not None:
        written = export_images(images, args.each, args.name)
        print(f"Wrote {len(written)} pictures to {args.each}")
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from restorer.cli.progressbar import ProgressBar
    from restorer.generate.config import GanError
    from restorer.generate.gan import evaluate

    if args.count < 2:
        raise GanError("-n must be at least 2.")
    with ProgressBar() as progress:
        result = evaluate(args.name, args.folder, args.count, progress=progress)
    levels = ", ".join(
        f"{res}px {value:.1f}"
        for res, value in zip(result.swd_resolutions, result.swd_levels, strict=True)
    )
    print(f"Generator '{args.name}' at step {result.step}, {args.count} samples")
    print(f"SWD×10³ to {args.folder}: {result.swd:.1f}  (per level: {levels})")
    report = result.memorisation
    print(f"Memorisation: {report.summary()}")
    if args.verbose or len(report.copies):
        shown = range(len(report.ratios)) if args.verbose else report.copies
        for index in shown:
            print(
                f"  sample {index + 1}: nearest training crop #{report.nearest[index] + 1}, "
                f"distance {report.distances[index]:.4f} (ratio {report.ratios[index]:.2f})"
            )
    return 0


def run_list(args: argparse.Namespace) -> int:
    from restorer.generate.checkpoint import read_config
    from restorer.generate.config import GanError
    from restorer.generate.store import gan_dir, list_generators

    names = list_generators()
    if not names:
        print("No trained generators yet. Train one with: restorer gan train FOLDER --out NAME")
        return 0
    for name in names:
        try:
            config, state = read_config(gan_dir(name))
        except GanError as exc:
            print(f"{name:<24} unusable: {exc}")
            continue
        print(
            f"{name:<24} {config.size}px  step {state.get('step', 0):<7} "
            f"{config.images} pictures from {config.dataset}"
        )
    return 0
