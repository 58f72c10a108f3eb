"""What `restorer.imageio` asks of this package when it reads or saves a `Photo`."""

from __future__ import annotations

import numpy as np

from restorer.formats import deep


def read_extras(image, photo, orientation: int) -> None:
    """After Pillow's reading: keep XMP, and read 16-bit PNG/TIFF pixels at full depth."""
    xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    if not xmp and image.format == "TIFF":
        xmp = image.tag_v2.get(700)
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8")
    photo.xmp = bytes(xmp) if xmp else None
    if photo.path is None or not deep.is_deep_file(image, photo.path):
        return
    pixels = deep.read_deep(photo.path, orientation, photo.rgb)
    if pixels is None:
        photo.notes.append("16-bit pixels could not be read at full depth; using 8 bits")
        return
    photo.rgb16, photo.alpha16 = pixels
    photo.rgb = deep.to_view8(photo.rgb16)
    if photo.alpha16 is not None:
        photo.alpha = deep.to_view8(photo.alpha16)
    photo.bits_per_channel = 16
    photo.notes = [note for note in photo.notes if "reduced to 8 bits" not in note]


def save_options(fmt: str, *, xmp: bytes | None, quality: int) -> dict[str, object]:
    """Pillow save options for XMP (where `fmt` has a place for it) and for HEIF."""
    options: dict[str, object] = {"quality": quality} if fmt == "HEIF" else {}
    if xmp:
        options.update(_xmp_options(fmt, xmp))
    return options


def _xmp_options(fmt: str, xmp: bytes) -> dict[str, object]:
    if fmt in ("JPEG", "WEBP", "HEIF"):
        return {"xmp": xmp}
    if fmt == "PNG":
        from PIL import PngImagePlugin

        info = PngImagePlugin.PngInfo()
        info.add_itxt("XML:com.adobe.xmp", xmp.decode("utf-8", "replace"))
        return {"pnginfo": info}
    if fmt == "TIFF":
        return {"tiffinfo": {700: xmp}}
    return {}


def repaired(photo, result8: np.ndarray, mask: np.ndarray | None = None):
    """A copy of `photo` with `result8` as its pixels; a 16-bit photo's fill lifted to 16 bits.

    Pixels outside `mask` keep their original values (16-bit ones bit for bit).
    """
    from dataclasses import replace

    if photo.rgb16 is None:
        return replace(photo, rgb=result8)
    return replace(photo, rgb=result8, rgb16=deep.lift(photo.rgb16, result8, mask))


def deep_bytes(fmt: str, photo) -> bytes | None:
    """The file a 16-bit `photo` becomes in `fmt` at 16 bits, or None (8-bit photo, or a
    format without 16 bits: then Pillow saves the 8-bit view)."""
    if photo.rgb16 is None or not deep.can_save_deep(fmt):
        return None
    rgb16 = photo.rgb16
    if not np.array_equal(deep.to_view8(rgb16), photo.rgb):  # edited at 8 bits since
        rgb16 = deep.lift(rgb16, photo.rgb)
    alpha16 = photo.alpha16
    if photo.alpha is not None and (
        alpha16 is None or not np.array_equal(deep.to_view8(alpha16), photo.alpha)
    ):
        alpha16 = photo.alpha.astype(np.uint16) * deep.STEP
    gray = photo.source_mode.startswith(("I;16", "L", "I"))  # a gray scan stays gray
    return deep.encode_deep(
        fmt, rgb16, alpha16, exif=photo.exif, icc=photo.icc, xmp=photo.xmp, gray=gray
    )
