"""`restorer inpaint IMAGE --mask MASK -o OUT`: repair the masked area of one photo."""

from __future__ import annotations

import argparse
from pathlib import Path

from restorer import api
from restorer.cli.detect_cmd import add_damage_arguments, check_damage_arguments, detect_from_args
from restorer.cli.options import add_engine_run_arguments
from restorer.cli.progressbar import ProgressBar
from restorer.errors import MaskError
from restorer.formats import repaired
from restorer.imageio import load_image, load_mask, save_format, save_photo


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "inpaint",
        help="repair the masked area of a photo",
        description="Rebuild the area of IMAGE that MASK marks (white = repair) and write OUT. "
        "With --detect, dust, scratches, cracks and spots found on IMAGE are repaired too.",
    )
    parser.add_argument("image", type=Path, help="photo to repair")
    parser.add_argument("--mask", "-m", type=Path, default=None, help="mask image, white = repair")
    parser.add_argument(
        "--detect",
        action="store_true",
        help="find dust, scratches, cracks and spots and repair them too (with --mask: both)",
    )
    add_engine_run_arguments(parser)
    add_damage_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    save_format(args.output)  # refuse an unknown extension before any work
    if args.mask is None and not args.detect:
        raise MaskError("Give a mask with --mask, or --detect to find the damage, or both.")
    if args.detect:
        check_damage_arguments(args)
    photo = load_image(args.image)
    mask = None if args.mask is None else load_mask(args.mask, shape=photo.rgb.shape[:2])
    with ProgressBar() as progress:
        if args.detect:
            found = detect_from_args(photo.rgb, args, progress.span(0.0, 0.2)) > 0
            mask = found if mask is None else (mask | found)
            progress = progress.span(0.2, 1.0)
        result = api.inpaint(
            photo.rgb,
            mask,
            engine=args.engine,
            device=args.device,
            progress=progress,
            seed=args.seed,
        )
    # A 16-bit photo stays 16-bit in PNG/TIFF: untouched pixels bit for bit, the fill lifted.
    save_photo(args.output, repaired(photo, result, mask), quality=args.quality)
    return 0
