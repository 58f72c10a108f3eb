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

    available = actions.add_parser(
        "available",
        help="list the model library: well-known models Restorer can download for you",
    )
    available.add_argument(
        "-v", "--verbose", action="store_true", help="descriptions, licences and URLs"
    )
    available.set_defaults(func=run_available)

    get = actions.add_parser(
        "get",
        help="download a library model (resumable), verify its checksum and add it",
        description="Download a model of the library ('restorer models available'), resuming "
        "an interrupted download, verify its checksum and add it to the models folder. "
        "RESTORER_MODEL_MIRROR=URL downloads from an organisation mirror instead.",
    )
    get.add_argument("model_id", metavar="ID", help="library id (see 'restorer models available')")
    get.set_defaults(func=run_get)

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
                + (f"\n  stored as safetensors: {info.conversion}" if info.conversion else "")
                + (f"\n  from the model library: {info.library_id}" if info.library_id else "")
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
    if info.conversion:
        print(f"Stored as {info.file_name} ({info.conversion}).")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from restorer.catalog import remove_model

    info = remove_model(args.model_id)
    print(f"Removed '{args.model_id}'" + (f" ({info.source_name})." if info else "."))
    return 0


def run_available(args: argparse.Namespace) -> int:
    from restorer.models import library
    from restorer.models.download import partial_bytes

    catalog = library.load_catalog()
    installed = library.installed_ids()
    rows = []
    for item in catalog:
        if item.id in installed:
            state = f"installed as '{installed[item.id]}'"
        elif not item.runs:
            state = "not offered (see -v)"
        elif partial_bytes(item):
            state = f"partly downloaded ({partial_bytes(item) / 1e6:.0f} MB), get resumes"
        else:
            state = "-"
        rows.append(
            (
                item.id,
                item.purpose,
                f"{item.size_mb:.0f} MB",
                item.licence_short,
                state,
            )
        )
    header = ("ID", "PURPOSE", "SIZE", "LICENCE", "STATE")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    mirror = library.mirror_url()
    if mirror:
        print(f"\nDownloads come from the mirror {mirror}")
    if args.verbose:
        for item in catalog:
            checksum = f"MD5 {item.md5}" if item.md5 else "no published checksum"
            print(
                f"\n{item.id}: {item.name} ({item.architecture}, {item.size_label})\n"
                f"  {item.description}\n  licence: {item.licence_label}\n"
                f"  {checksum}; {' '.join(item.download_urls())}"
                + (f"\n  requires: {item.requires}" if item.requires else "")
                + (f"\n  note: {item.note}" if item.note else "")
            )
    else:
        print(
            "\nDownload one with: restorer models get ID  (details: restorer models available -v)"
        )
    return 0


def run_get(args: argparse.Namespace) -> int:
    from restorer.catalog import get_model
    from restorer.cli.progressbar import ProgressBar
    from restorer.models.library import entry

    item = entry(args.model_id)
    if item.non_commercial:
        print(f"Note: {item.name} is licensed {item.licence}.", file=sys.stderr)
    with ProgressBar() as progress:
        info = get_model(args.model_id, progress)
    use = (
        f"use it with: restorer inpaint --engine {info.id}"
        if info.is_inpainting
        else f"use it with: restorer filter IMAGE --model {info.id} -o OUT"
    )
    print(f"Downloaded and verified {item.file_name}; added '{info.id}': {info.summary()}; {use}")
    return 0
