"""Arguments shared by the commands that run a repair engine and write a photo."""

from __future__ import annotations

import argparse
from pathlib import Path

from restorer.devices import DEVICE_CHOICES


def add_engine_run_arguments(parser: argparse.ArgumentParser) -> None:
    """`-o/--output`, `--engine`, `--device`, `--seed` and `--quality`, as `inpaint` and
    `extend` take them."""
    parser.add_argument(
        "-o", "--output", type=Path, required=True, help="where to write the result"
    )
    parser.add_argument("--engine", "-e", default=None, help="engine id (see 'restorer engines')")
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    parser.add_argument("--seed", type=int, default=0, help="random seed for engines that use one")
    parser.add_argument("--quality", type=int, default=95, help="JPEG/WebP quality (1-100)")
