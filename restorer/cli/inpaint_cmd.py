"""`restorer inpaint IMAGE --mask MASK -o OUT`: repair the masked area of one photo."""

from __future__ import annotations

import argparse
from pathlib import Path

from restorer import api
from restorer.cli.options import add_engine_run_arguments
from restorer.cli.progressbar import ProgressBar
from restorer.formats import repaired
from restorer.imageio import load_image, load_mask, save_format, save_photo


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "inpaint",
        help="repair the masked area of a photo",
        description="Rebuild the area of IMAGE that MASK marks (white = repair) and write OUT.",
    )
    parser.add_argument("image", type=Path, help="photo to repair")
    parser.add_argument("--mask", "-m", type=Path, required=True, help="mask image, white = repair")
    add_engine_run_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    save_format(args.output)  # refuse an unknown extension before any work
    photo = load_image(args.image)
    mask = load_mask(args.mask, shape=photo.rgb.shape[:2])
    with ProgressBar() as progress:
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
