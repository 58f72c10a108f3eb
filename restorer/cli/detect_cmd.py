"""`restorer detect IMAGE -o MASK.png`: find dust, scratches, cracks and spots on a photo."""

from __future__ import annotations

import argparse
from pathlib import Path

from restorer.cli.progressbar import ProgressBar
from restorer.damage import ALL_KINDS, DEFAULT_SENSITIVITY


def add_damage_arguments(parser: argparse.ArgumentParser) -> None:
    """`--kinds`, `--sensitivity`, `--min-size`, `--max-size`: shared with `inpaint --detect`."""
    parser.add_argument(
        "--kinds",
        default=",".join(ALL_KINDS),
        help=f"what to look for, comma-separated (default: {','.join(ALL_KINDS)})",
    )
    parser.add_argument(
        "--sensitivity",
        type=float,
        default=DEFAULT_SENSITIVITY,
        help="0 (only obvious damage) to 1 (faint damage too, more false alarms); default 0.5",
    )
    parser.add_argument(
        "--min-size", type=int, default=1, help="smallest speck or line to keep, in pixels"
    )
    parser.add_argument(
        "--max-size", type=int, default=40, help="largest speck or spot to keep, in pixels"
    )


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "detect",
        help="find dust, scratches, cracks and spots; write them as a mask",
        description="Find damage on IMAGE and write a mask (white = damaged) to edit or to "
        "pass to 'restorer inpaint --mask'.",
    )
    parser.add_argument("image", type=Path, help="photo to examine")
    parser.add_argument(
        "-o", "--output", type=Path, required=True, help="where to write the mask (.png)"
    )
    add_damage_arguments(parser)
    parser.set_defaults(func=run)


def detect_from_args(rgb, args, progress):
    from restorer.damage import detect_damage

    return detect_damage(
        rgb,
        kinds=args.kinds,
        sensitivity=args.sensitivity,
        min_size=args.min_size,
        max_size=args.max_size,
        progress=progress,
    )


def check_damage_arguments(args: argparse.Namespace) -> None:
    """Refuse bad settings before any photo is decoded (raises RestorerError)."""
    from restorer.damage import DamageSettings

    DamageSettings(args.kinds, args.sensitivity, args.min_size, args.max_size).validated()


def run(args: argparse.Namespace) -> int:
    from restorer.errors import ImageWriteError
    from restorer.imageio import load_image, save_mask

    if args.output.suffix.lower() != ".png":
        raise ImageWriteError(f"Write the mask as a .png file, not {args.output.name}.")
    check_damage_arguments(args)
    photo = load_image(args.image)
    with ProgressBar() as progress:
        mask = detect_from_args(photo.rgb, args, progress)
    save_mask(args.output, mask > 0)
    return 0
