"""Which files a batch repairs, where each result goes, and which mask each one uses."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

from restorer.errors import RestorerError
from restorer.formats import RAW_EXTENSIONS

PHOTO_EXTENSIONS = (
    ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp", ".heic", ".heif", ".hif",
) + RAW_EXTENSIONS  # fmt: skip
FORMAT_EXTENSIONS = {"jpg": ".jpg", "png": ".png", "tif": ".tif"}
_SAVABLE = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp", ".heic", ".heif"}


class BatchError(RestorerError):
    """A batch cannot start: no inputs, a bad option, a missing mask folder."""


@dataclass(frozen=True)
class BatchItem:
    """One photo of a batch: where it is read, where its result goes, which mask it uses."""

    source: Path
    output: Path
    relative: Path  # the source's path below the input it was found in
    mask: Path | None = None  # None: the shared mask, a detected one, or none found
    # The photo as edited in the window (an .npy of HxWx3/4 uint8 RGB(A)), repaired in
    # place of the file's own pixels; the file still gives size, metadata and 16 bits.
    edited: Path | None = None


@dataclass(frozen=True)
class BatchOptions:
    """What every worker needs to know to repair any item: the same for every file."""

    engine: str | None = None
    device: str = "auto"
    seed: int = 0
    quality: int = 95
    mask: Path | None = None  # one mask for every photo (--mask)
    masks: Path | None = None  # a folder of NAME.png masks (--masks)
    detect: bool = False  # find the damage (restorer.damage) instead of reading a mask
    skip_existing: bool = False
    threads: int | None = None  # CPU threads per worker (None: all)


def output_extension(source: Path, fmt: str) -> str:
    """The output's extension: --format's, or the source's own (a RAW file's is .tif)."""
    if fmt != "same":
        return FORMAT_EXTENSIONS[fmt]
    suffix = source.suffix.lower()
    if suffix == ".hif":
        return ".heic"
    return source.suffix if suffix in _SAVABLE else ".tif"


def output_name(relative: Path, source: Path, suffix: str = "", fmt: str = "same") -> Path:
    """`relative` (a photo's path below its input) as its result is named: the same
    sub-folder and name, plus `suffix`, with `fmt`'s extension."""
    return relative.parent / f"{relative.stem}{suffix}{output_extension(source, fmt)}"


def _is_photo(path: Path) -> bool:
    return (
        path.is_file() and path.suffix.lower() in PHOTO_EXTENSIONS and not path.name.startswith(".")
    )


def folder_photos(folder: Path) -> list[Path]:
    """The photos directly inside `folder`, sorted by name: one directory read, no stat
    or path resolution per file (the window lists a 2 000-photo folder with it)."""
    root = Path(folder).resolve()
    with os.scandir(root) as entries:
        names = [
            entry.name
            for entry in entries
            if not entry.name.startswith(".")
            and os.path.splitext(entry.name)[1].lower() in PHOTO_EXTENSIONS
            and entry.is_file()
        ]
    return [root / name for name in sorted(names)]


def find_inputs(inputs: list[str], recursive: bool = False) -> list[tuple[Path, Path]]:
    """(file, path relative to its input) for every photo named by `inputs`.

    An input is a file, a folder (its photos; with `recursive`, those in sub-folders too,
    keeping the sub-folder in the relative path) or a glob pattern. Sorted, no duplicates.
    """
    found: dict[Path, Path] = {}
    for text in inputs:
        path = Path(text)
        if path.is_dir():
            pattern = "**/*" if recursive else "*"
            for file in sorted(path.glob(pattern)):
                if _is_photo(file):
                    found.setdefault(file.resolve(), file.relative_to(path))
        elif path.is_file():
            found.setdefault(path.resolve(), Path(path.name))
        elif glob.has_magic(text):
            matches = sorted(Path(m) for m in glob.glob(text, recursive=recursive))
            for file in matches:
                if _is_photo(file):
                    found.setdefault(file.resolve(), Path(file.name))
        else:
            raise BatchError(f"No such file or folder: {text}")
    return sorted(found.items(), key=lambda pair: str(pair[1]))


def mask_for(relative: Path, masks: Path) -> Path | None:
    """`masks/SUB/NAME.png` for `SUB/NAME.jpg`, else `masks/NAME.png`; None if neither."""
    for candidate in (masks / relative.with_suffix(".png"), masks / f"{relative.stem}.png"):
        if candidate.is_file():
            return candidate
    return None


def plan(
    inputs: list[str],
    out_dir: Path,
    *,
    recursive: bool = False,
    suffix: str = "",
    fmt: str = "same",
    masks: Path | None = None,
) -> list[BatchItem]:
    """Every photo of the batch with its output path (inside `out_dir`, same sub-folder,
    same name plus `suffix`) and, with `masks`, its own mask file."""
    if masks is not None and not masks.is_dir():
        raise BatchError(f"The mask folder {masks} does not exist.")
    items = []
    for source, relative in find_inputs(inputs, recursive):
        output = out_dir / output_name(relative, source, suffix, fmt)
        if output.resolve() == source:
            raise BatchError(
                f"{source} would be written over itself; choose another output folder or a --suffix."
            )
        mask = mask_for(relative, masks) if masks is not None else None
        items.append(BatchItem(source, output, relative, mask))
    if not items:
        raise BatchError("No photos found in " + ", ".join(inputs) + ".")
    seen: dict[Path, Path] = {}
    for item in items:
        other = seen.setdefault(item.output.resolve(), item.source)
        if other != item.source:
            raise BatchError(
                f"{other.name} and {item.source.name} would both be written to "
                f"{item.output}; give --format same or separate them."
            )
    return items
