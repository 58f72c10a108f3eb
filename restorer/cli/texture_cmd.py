"""`restorer texture IMAGE --rect X,Y,W,H --size WxH -o OUT`: grow a seamless texture."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from restorer.cli.progressbar import ProgressBar
from restorer.devices import DEVICE_CHOICES


def parse_rect(text: str) -> tuple[int, int, int, int]:
    """'X,Y,W,H' -> (x, y, width, height) in pixels."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 4 or not all(re.fullmatch(r"-?\d+", part) for part in parts):
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a rectangle: give X,Y,WIDTH,HEIGHT in pixels, e.g. 10,20,128,128"
        )
    x, y, width, height = (int(part) for part in parts)
    return x, y, width, height


def parse_size(text: str) -> tuple[int, int]:
    """'WxH' (or a single N for N x N) -> (width, height) in pixels."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:[x×X]\s*(\d+)\s*)?", text)
    if match is None:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a size: give WIDTHxHEIGHT in pixels, e.g. 1024x768 (or 512)"
        )
    width = int(match.group(1))
    height = int(match.group(2) or width)
    return width, height


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "texture",
        help="grow a seamless texture of any size from a rectangle of a photo",
        description="Take the area --rect of IMAGE as the exemplar and synthesise a new "
        "texture of --size that tiles seamlessly; write it to OUT.",
    )
    parser.add_argument("image", type=Path, help="photo holding the exemplar")
    parser.add_argument(
        "--rect",
        "-r",
        type=parse_rect,
        required=True,
        metavar="X,Y,W,H",
        help="the exemplar: left, top, width and height in pixels",
    )
    parser.add_argument(
        "--size",
        "-s",
        type=parse_size,
        required=True,
        metavar="WxH",
        help="size of the texture to make, e.g. 1024x1024",
    )
    parser.add_argument(
        "-o", "--output", type=Path, required=True, help="where to write the texture"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same texture)")
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    parser.add_argument("--quality", type=int, default=95, help="JPEG/WebP quality (1-100)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from restorer.devices import resolve_device
    from restorer.generate.texture import check_output_size, exemplar_box, synthesize_texture
    from restorer.imageio import image_info, load_image, save_format, save_image

    save_format(args.output)  # refuse an unknown extension before any work
    width, height = args.size
    check_output_size(width, height)
    box = exemplar_box(*args.rect, image_info(args.image))  # checked before decoding
    device = resolve_device(args.device)
    photo = load_image(args.image)
    exemplar = photo.rgb[box.slices]
    with ProgressBar() as progress:
        texture = synthesize_texture(
            exemplar, (width, height), progress, seed=args.seed, device=device
        )
    save_image(args.output, texture, icc=photo.icc, quality=args.quality)
    return 0
