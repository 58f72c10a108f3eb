"""`restorer models ...`: the models folder (path, list, add, remove)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from restorer.devices import DEVICE_CHOICES


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "models",
        help="manage model files (inpainting engines, restore filters)",
        description="Model files you add (.safetensors, .pth, .ckpt, TorchScript .pt) "
        "become repair engines (inpainting models) or restore filters (super-resolution, "
        "denoise, deblur, JPEG, faces). Files are read safely: code inside them never runs.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    path = actions.add_parser("path", help="print the models folder")
    path.set_defaults(func=run_path)

    listing = actions.add_parser("list", help="list the models that were added")
    listing.add_argument("-v", "--verbose", action="store_true", help="full SHA-256 and details")
    listing.add_argument(
        "--device", choices=DEVICE_CHOICES, default="auto", help="device to report for each model"
    )
    listing.set_defaults(func=run_list)

    add = actions.add_parser("add", help="detect a model file and copy it into the models folder")
    add.add_argument("file", type=Path, help="model file to add")
    add.add_argument("--id", dest="model_id", default=None, help="id to use (default: file name)")
    add.set_defaults(func=run_add)

    remove = actions.add_parser("remove", help="delete a model from the models folder")
    remove.add_argument("model_id", metavar="ID", help="model id (see 'restorer models list')")
    remove.set_defaults(func=run_remove)


def run_path(args: argparse.Namespace) -> int:
    from restorer.paths import models_dir

    print(models_dir())
    return 0


def run_list(args: argparse.Namespace) -> int:
    from restorer.devices import resolve_device
    from restorer.models.info import format_size
    from restorer.models.store import list_models

    problems: list[str] = []
    models = list_models(problems)
    for problem in problems:
        print(f"restorer: warning: {problem}", file=sys.stderr)
    if not models:
        print("No models yet. Add one with: restorer models add FILE")
        return 0
    from restorer.models.runtime import run_label

    device = resolve_device(args.device, ("cpu", "cuda"))
    rows = [
        (
            info.id,
            info.purpose,
            info.architecture_name,
            f"{info.scale}x",
            format_size(info.size_bytes),
            run_label(info, device),
            info.sha256 if args.verbose else info.sha256[:12],
        )
        for info in models
    ]
    header = ("ID", "PURPOSE", "ARCHITECTURE", "SCALE", "SIZE", "RUNS ON", "SHA256")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    if args.verbose:
        for info in models:
            print(
                f"\n{info.id}: {info.file_name} (added from {info.source_name}, {info.added})\n"
                f"  format {info.file_format}, {info.parameters:,} parameters, "
                f"channels {info.input_channels}->{info.output_channels}, "
                f"fp16 {'yes' if info.supports_half else 'no'}, "
                f"bf16 {'yes' if info.supports_bfloat16 else 'no'}, "
                f"sizes: min {info.min_side}, multiple of {info.multiple_of}"
                f"{', square' if info.square else ''}, tiling {info.tiling}"
                + (f", tags {', '.join(info.tags)}" if info.tags else "")
            )
    return 0


def run_add(args: argparse.Namespace) -> int:
    from restorer.catalog import add_model

    info = add_model(args.file, model_id=args.model_id)
    use = (
        f"use it with: restorer inpaint --engine {info.id}"
        if info.is_inpainting
        else f"use it with: restorer filter IMAGE --model {info.id} -o OUT"
    )
    print(f"Added '{info.id}': {info.summary()}; {use}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from restorer.catalog import remove_model

    info = remove_model(args.model_id)
    print(f"Removed '{args.model_id}'" + (f" ({info.source_name})." if info else "."))
    return 0
