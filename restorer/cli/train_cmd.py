"""`restorer train filter|inpaint FOLDER --steps N --out NAME`: train a restoration
model on your own photos; `restorer train eval NAME FOLDER`: score one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from restorer.devices import DEVICE_CHOICES


def _common(parser: argparse.ArgumentParser, task: str) -> None:
    from restorer.train.arches import ARCHES, DEFAULT_ARCH

    arches = ARCHES[task]
    sizes = sorted({size for sizes in arches.values() for size in sizes})
    parser.add_argument("folder", type=Path, help="folder of clean photos (any sizes, ≥ 50)")
    parser.add_argument("--out", required=True, metavar="NAME", help="name of the model")
    parser.add_argument("--steps", type=int, required=True, help="training steps to run")
    parser.add_argument("--arch", choices=sorted(arches), default=DEFAULT_ARCH[task])
    parser.add_argument("--size", choices=sizes, default="small", help="network size")
    parser.add_argument("--resume", action="store_true", help="continue NAME's training")
    parser.add_argument("--crop", type=int, default=64, help="training crop in px (default 64)")
    parser.add_argument("--batch", type=int, default=8, help="crops per step (default 8)")
    parser.add_argument("--lr", type=float, default=None, help="learning rate")
    parser.add_argument("--minutes", type=float, default=None, help="stop after this long")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--eval-every", type=int, default=100, metavar="K")
    parser.add_argument("--checkpoint-every", type=int, default=200, metavar="K")
    parser.add_argument("--eval-crop", type=int, default=256, help="validation crop in px")
    parser.add_argument(
        "--min-images", type=int, default=50, help="refuse folders with fewer photos (50)"
    )
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch's)")


def add_parser(subparsers) -> None:
    from restorer.train.arches import DEFAULT_DEGRADATIONS, DEGRADATION_ORDER, MASK_KINDS

    parser = subparsers.add_parser(
        "train",
        help="train a restoration model (clean-up filter or inpainting) on your own photos",
        description="Train a model on a folder of clean photos; when training ends it is "
        "added to the models folder as NAME and scored on photos held out from training. "
        "Training state lives in the models folder under restoration/NAME.",
    )
    actions = parser.add_subparsers(dest="action", metavar="TASK")
    actions.required = True

    kinds = ", ".join(DEGRADATION_ORDER)
    cleanup = actions.add_parser(
        "filter",
        help="a clean-up filter: learns to undo the damage you choose",
        description=f"Degradations (name, name:VALUE or name:LOW-HIGH): {kinds}.",
    )
    _common(cleanup, "filter")
    cleanup.add_argument("--degrade", default=DEFAULT_DEGRADATIONS, help="e.g. noise:25,jpeg")
    cleanup.set_defaults(func=run_train, task="filter")

    inpaint = actions.add_parser(
        "inpaint",
        help="an inpainting engine (LaMa's generator, reduced or fine-tuned)",
        description="Learns to fill holes of the kinds people brush. No pretrained "
        "perceptual network is available offline: the losses are L1/Charbonnier, an "
        "adversarial patch discriminator and feature matching.",
    )
    _common(inpaint, "inpaint")
    inpaint.add_argument("--masks", default=",".join(MASK_KINDS), help="scratch,stroke,blob")
    inpaint.add_argument(
        "--from",
        dest="finetune_from",
        default="",
        metavar="MODEL",
        help="fine-tune this LaMa model from the models folder (full width)",
    )
    inpaint.set_defaults(func=run_train, task="inpaint")

    evaluate = actions.add_parser(
        "eval", help="score a model on photos beside what Restorer already has"
    )
    evaluate.add_argument("name", help="model id (see 'restorer models list')")
    evaluate.add_argument("folder", type=Path, help="folder of clean photos")
    evaluate.add_argument("--degrade", default=None, help="damage (default: as trained)")
    evaluate.add_argument("--masks", default=None, help="mask kinds (default: as trained)")
    evaluate.add_argument("--crop", type=int, default=256, help="crop in px (default 256)")
    evaluate.add_argument("--limit", type=int, default=None, help="at most this many photos")
    evaluate.add_argument("--strip", type=Path, default=None, help="write the strip here")
    evaluate.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    evaluate.set_defaults(func=run_eval)


def run_train(args: argparse.Namespace) -> int:
    from restorer.cli.progressbar import ProgressBar
    from restorer.train.checkpoint import check_name
    from restorer.train.config import TrainConfig, TrainConfigError
    from restorer.train.studio import TrainModelJob

    check_name(args.out)
    if args.steps < 1 or args.eval_every < 0 or args.checkpoint_every < 1:
        raise TrainConfigError("--steps and --checkpoint-every must be ≥ 1, --eval-every ≥ 0.")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    size = "full" if args.task == "inpaint" and args.finetune_from else args.size
    config = TrainConfig(
        task=args.task,
        arch=args.arch,
        size=size,
        crop=args.crop,
        batch=args.batch,
        seed=args.seed,
        eval_every=args.eval_every,
        checkpoint_every=args.checkpoint_every,
    )
    if args.lr is not None:
        config.lr = args.lr
    if args.task == "filter":
        config.degradations = args.degrade
    else:
        config.mask_kinds = args.masks
        config.finetune_from = args.finetune_from
    job = TrainModelJob(
        args.folder,
        args.out,
        args.steps,
        config.validate(),
        resume=args.resume,
        minutes=args.minutes,
        min_images=args.min_images,
        device=args.device,
        eval_crop=args.eval_crop,
    )
    try:
        with ProgressBar() as progress:
            result = job.run(progress)
    except KeyboardInterrupt:
        print("\nrestorer: interrupted; the last checkpoint is kept", file=sys.stderr)
        return 130
    history = result.status.history
    psnr = f", validation PSNR {history.val_psnr[-1]:.2f} dB" if history.val_psnr else ""
    print(f"Trained '{args.out}' to step {result.step} on {result.status.device}{psnr}.")
    for line in result.skipped:
        print(f"  skipped {line}")
    if result.info is not None:
        print(f"Added to the models folder as '{result.info.id}' ({result.info.summary()}).")
    if result.evaluation is not None:
        print(result.evaluation.table())
        print(f"Before/after strip: {result.evaluation.strip_path}")
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from restorer.cli.progressbar import ProgressBar
    from restorer.models.store import get
    from restorer.train.checkpoint import has_checkpoint, read_config, training_dir
    from restorer.train.config import TrainConfig
    from restorer.train.data import load_photos
    from restorer.train.evaluate import evaluate_model

    info = get(args.name)
    config = TrainConfig(task="inpaint" if info.is_inpainting else "filter")
    same_folder = False
    if has_checkpoint(args.name):
        config = read_config(training_dir(args.name))[0]
        same_folder = config.dataset == str(args.folder.resolve())
    if args.degrade:
        config.degradations = args.degrade
    if args.masks:
        config.mask_kinds = args.masks
    config.validate()
    # The training folder: only its held-out photos; any other folder: all of its photos.
    data = load_photos(
        args.folder,
        16,
        minimum=1,
        validation=config.validation,
        max_side=config.max_side,
        seed=config.seed,
        hold_out_all=not same_folder,
    )
    with ProgressBar() as progress:
        evaluation = evaluate_model(
            info.id,
            data,
            config.task_spec(),
            args.crop,
            limit=args.limit,
            device=args.device,
            strip_path=args.strip,
            progress=progress,
        )
    which = "held-out photos of the training folder" if same_folder else "all photos of the folder"
    print(f"{info.id} on {evaluation.count} {which}:")
    print(evaluation.table())
    if evaluation.strip_path:
        print(f"Before/after strip: {evaluation.strip_path}")
    return 0
