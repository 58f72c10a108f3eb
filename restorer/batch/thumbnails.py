"""Small previews of the photos in a folder, made once and kept in a cache on disk.

Used by the window's filmstrip (on a worker thread, never the GUI thread). A cached
thumbnail is named by the photo's path, size and modification time, so an edited photo
gets a new one; JPEGs are decoded at reduced size (Pillow's draft mode), which makes a
thumbnail of a 24-MP JPEG a matter of milliseconds.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from restorer.paths import data_dir

THUMBNAIL_SIDE = 128


def cache_dir() -> Path:
    folder = data_dir() / "thumbnails"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _key(path: Path, side: int) -> str:
    stat = path.stat()
    text = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{side}"
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def thumbnail(path: Path, side: int = THUMBNAIL_SIDE, cache: Path | None = None) -> np.ndarray:
    """HxWx3 uint8 preview of `path` fitting in side x side; from the cache when there.

    Raises `restorer.errors.ImageReadError` for a file that cannot be read.
    """
    from restorer.imageio import load_image

    path = Path(path)
    cached = (cache or cache_dir()) / f"{_key(path, side)}.png"
    if cached.is_file():
        try:
            with Image.open(cached) as image:
                return np.asarray(image.convert("RGB"))
        except OSError:
            cached.unlink(missing_ok=True)
    small = None
    if path.suffix.lower() in (".jpg", ".jpeg"):
        try:
            with Image.open(path) as image:
                image.draft("RGB", (side, side))
                image = ImageOps.exif_transpose(image.convert("RGB"))
                image.thumbnail((side, side))
                small = image.copy()
        except OSError:
            small = None
    if small is None:
        photo = load_image(path)  # raises ImageReadError with a sentence for bad files
        small = Image.fromarray(photo.rgb)
        small.thumbnail((side, side))
    temp = cached.with_name(f".{cached.name}.tmp")
    try:
        small.save(temp, format="PNG")
        temp.replace(cached)
    except OSError:
        temp.unlink(missing_ok=True)  # a cache that cannot be written is only slower
    return np.asarray(small)
