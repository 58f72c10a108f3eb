"""`restorer filter IMAGE --model ID -o OUT`: run a restore filter model on a photo."""

from __future__ import annotations

import argparse
from pathlib import Path

from restorer.cli.progressbar import ProgressBar
from restorer.devices import DEVICE_CHOICES


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "filter",
        help="run a restore filter model (super-resolution, denoise, faces) on a photo",
        description="Run a filter model from the models folder on IMAGE and write OUT. "
        "Without --mask the whole photo is filtered (super-resolution makes it larger); "
        "with --mask only the white area changes and the size stays the same.",
    )
    parser.add_argument("image", type=Path, help="photo to filter")
    parser.add_argument(
        "--model", "-M", required=True, help="model id (see 'restorer models list')"
    )
    parser.add_argument(
        "-o", "--output", type=Path, required=True, help="where to write the result"
    )
    parser.add_argument("--mask", "-m", type=Path, default=None, help="only filter the white area")
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    parser.add_argument(
        "--tile", type=int, default=None, help="tile size in pixels (default 512; 0 = no tiling)"
    )
    parser.add_argument("--quality", type=int, default=95, help="JPEG/WebP quality (1-100)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from restorer.errors import RestorerError
    from restorer.filters import apply_filter
    from restorer.imageio import load_image, load_mask, save_format, save_image
    from restorer.models.store import get

    save_format(args.output)  # refuse an unknown extension before any work
    if args.tile is not None and args.tile < 0:
        raise RestorerError("--tile must be 0 (no tiling) or a size in pixels.")
    get(args.model)  # an unknown id fails before the photo is decoded
    photo = load_image(args.image)
    mask = None if args.mask is None else load_mask(args.mask, shape=photo.rgb.shape[:2])
    with ProgressBar() as progress:
        result = apply_filter(photo.rgb, args.model, progress, args.device, mask, tile=args.tile)
    alpha = photo.alpha
    if alpha is not None and result.shape[:2] != alpha.shape:
        import cv2

        alpha = cv2.resize(alpha, (result.shape[1], result.shape[0]), interpolation=cv2.INTER_CUBIC)
    save_image(
        args.output, result, alpha=alpha, exif=photo.exif, icc=photo.icc, quality=args.quality
    )
    return 0
