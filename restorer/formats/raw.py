"""Camera RAW: a neutral development into 16-bit sRGB with rawpy (LibRaw).

Neutral means what a photographer gets before touching a slider: the camera's white
balance, no automatic brightening, sRGB primaries and tone curve, 16 bits per channel.
The raw file itself is never written; results go to TIFF, PNG or JPEG.
"""

from __future__ import annotations

from pathlib import Path

RAW_EXTENSIONS = (
    ".dng", ".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".raf",
    ".orf", ".rw2", ".pef", ".srw", ".x3f", ".3fr", ".iiq", ".erf", ".kdc", ".mrw",
    ".rwl",
)  # fmt: skip


def is_raw(path: str | Path) -> bool:
    return Path(path).suffix.lower() in RAW_EXTENSIONS


def load_raw(path: Path, max_pixels: int, photo_type):
    """Develop a camera RAW file into a `photo_type` (`restorer.imageio.Photo`) with
    16-bit `rgb16` and its 8-bit view."""
    from restorer.errors import ImageReadError, ImageTooLargeError
    from restorer.formats.deep import to_view8

    if not path.exists():
        raise ImageReadError(f"No such file: {path}")
    try:
        import rawpy
    except ImportError:
        raise ImageReadError(
            f"{path.name} is a camera RAW file; install rawpy (pip install rawpy) to open it."
        ) from None
    try:
        with rawpy.imread(str(path)) as raw:
            sizes = raw.sizes
            if sizes.width * sizes.height > max_pixels:
                raise ImageTooLargeError(
                    f"{path.name} is {sizes.width}x{sizes.height}; Restorer opens images up "
                    f"to {max_pixels / 1e6:.0f} megapixels."
                )
            rgb16 = raw.postprocess(
                output_bps=16,
                use_camera_wb=True,
                no_auto_bright=True,
                output_color=rawpy.ColorSpace.sRGB,
            )
    except ImageReadError:
        raise
    except (rawpy.LibRawError, OSError, ValueError) as exc:
        detail = str(exc) or type(exc).__name__
        raise ImageReadError(
            f"{path.name} could not be read as a camera RAW file: it is corrupt or a "
            f"kind LibRaw does not know ({detail})."
        ) from exc
    return photo_type(
        rgb=to_view8(rgb16),
        exif=_exif(path),
        format="RAW",
        path=path,
        source_mode="RAW",
        bits_per_channel=16,
        rgb16=rgb16,
        notes=["camera RAW developed neutrally (camera white balance, sRGB, 16-bit)"],
    )


_TEXT_TAGS = (270, 271, 272, 306, 315, 33432)  # description, make, model, date, artist, (c)


def _exif(path: Path) -> bytes | None:
    """The camera's make, model, date, artist and copyright as EXIF, where the RAW file is
    TIFF-based (DNG, NEF, CR2, ARW, ORF, ...); orientation normal: LibRaw turned the pixels."""
    try:
        import tifffile
        from PIL import Image

        exif = Image.Exif()
        with tifffile.TiffFile(path) as tiff:
            tags = tiff.pages[0].tags
            for code in _TEXT_TAGS:
                tag = tags.get(code)
                if tag is not None and isinstance(tag.value, str) and tag.value.strip():
                    exif[code] = tag.value.strip()
        if not exif:
            return None
        exif[0x0112] = 1
        return exif.tobytes()
    except Exception:  # noqa: BLE001 - metadata is a bonus; the pixels are what matter
        return None
