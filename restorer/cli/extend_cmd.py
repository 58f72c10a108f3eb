"""`restorer extend IMAGE --left N --right N --top N --bottom N -o OUT`: outpainting."""

from __future__ import annotations

import argparse
from pathlib import Path

from restorer.cli.options import add_engine_run_arguments
from restorer.cli.progressbar import ProgressBar


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "extend",
        help="extend the canvas: add pixels on chosen sides and fill them with an engine",
        description="Add N pixels on the chosen sides of IMAGE, fill them with a repair "
        "engine and write OUT. The original pixels are kept exactly.",
    )
    parser.add_argument("image", type=Path, help="photo to extend")
    for side in ("left", "right", "top", "bottom"):
        parser.add_argument(
            f"--{side}", type=int, default=0, metavar="N", help=f"pixels to add on the {side}"
        )
    add_engine_run_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from restorer.catalog import registry
    from restorer.generate.extend import Borders, check_borders, extend_canvas
    from restorer.imageio import load_image, save_format, save_image

    save_format(args.output)  # refuse an unknown extension before any work
    borders = Borders(args.top, args.bottom, args.left, args.right)
    check_borders((1, 1), borders)  # negative or empty borders fail before decoding
    if args.engine is not None:
        registry().get(args.engine)
    photo = load_image(args.image)
    check_borders(photo.rgb.shape[:2], borders)
    with ProgressBar() as progress:
        result = extend_canvas(
            photo.rgb,
            top=borders.top,
            bottom=borders.bottom,
            left=borders.left,
            right=borders.right,
            engine=args.engine,
            device=args.device,
            progress=progress,
            seed=args.seed,
        )
    alpha = None
    if photo.alpha is not None:
        import numpy as np

        alpha = np.full(result.shape[:2], 255, np.uint8)
        height, width = photo.alpha.shape
        alpha[borders.top : borders.top + height, borders.left : borders.left + width] = photo.alpha
    save_image(
        args.output, result, alpha=alpha, exif=photo.exif, icc=photo.icc, quality=args.quality
    )
    return 0
