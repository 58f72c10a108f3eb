"""Reading and writing photos and masks, safely.

Pillow decodes; every format a photographer meets is turned into HxWx3 uint8 RGB plus an
optional HxW alpha, with EXIF orientation applied and the EXIF/ICC metadata kept for
saving. Files larger than `MAX_PIXELS` are refused before decoding (decompression-bomb
guard). Saves are atomic: the new file is written next to the target and moved over it
only when complete, so a failed save never damages the previous file.
"""

from __future__ import annotations

import io
import os
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from restorer import formats
from restorer.errors import ImageReadError, ImageTooLargeError, ImageWriteError, MaskError

# 250 megapixels: far above any camera's photo, far below what would exhaust memory.
MAX_PIXELS = 250_000_000

ImageFile.LOAD_TRUNCATED_IMAGES = False

READ_EXTENSIONS = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp")
# Extension -> Pillow format name for saving.
SAVE_FORMATS = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".webp": "WEBP",
    ".bmp": "BMP",
}
formats.register_heif()  # HEIC/HEIF, camera RAW and 16-bit live in restorer.formats
READ_EXTENSIONS += formats.EXTRA_READ_EXTENSIONS
SAVE_FORMATS.update(formats.EXTRA_SAVE_FORMATS)
_ALPHA_FORMATS = {"PNG", "TIFF", "WEBP", "BMP", "HEIF"}
_EXIF_FORMATS = {"JPEG", "PNG", "TIFF", "WEBP", "HEIF"}
_ICC_FORMATS = {"JPEG", "PNG", "TIFF", "WEBP", "HEIF"}


@dataclass
class Photo:
    """A decoded photo: pixels plus what is needed to save it back faithfully."""

    rgb: np.ndarray  # HxWx3 uint8
    alpha: np.ndarray | None = None  # HxW uint8, or None when opaque
    exif: bytes | None = None  # EXIF with orientation reset to "normal"
    icc: bytes | None = None
    format: str | None = None  # Pillow's name of the source format, e.g. "JPEG"
    path: Path | None = None
    source_mode: str = "RGB"  # Pillow mode of the file, e.g. "CMYK", "I;16", "P"
    bits_per_channel: int = 8
    notes: list[str] = field(default_factory=list)  # conversions a person may want to know
    # Full-depth pixels of 16-bit files (TIFF, PNG, camera RAW); `rgb` is their 8-bit view.
    rgb16: np.ndarray | None = None  # HxWx3 uint16, or None for 8-bit photos
    alpha16: np.ndarray | None = None  # HxW uint16, or None
    xmp: bytes | None = None

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])


# -- reading -----------------------------------------------------------------


def _open(path: Path, max_pixels: int) -> Image.Image:
    if not path.exists():
        raise ImageReadError(f"No such file: {path}")
    if path.is_dir():
        raise ImageReadError(f"{path} is a folder, not an image file.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLargeError(f"{path.name} is too large to open safely: {exc}") from exc
    except UnidentifiedImageError as exc:
        raise ImageReadError(
            f"{path.name} could not be read as an image: it is corrupt, truncated, "
            f"or not a JPEG, PNG, TIFF, WebP or BMP file."
        ) from exc
    except OSError as exc:
        raise ImageReadError(f"Could not open {path.name}: {exc}") from exc
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise ImageTooLargeError(
            f"{path.name} is {width}x{height} ({width * height / 1e6:.0f} megapixels); "
            f"Restorer opens images up to {max_pixels / 1e6:.0f} megapixels."
        )
    if width < 1 or height < 1:
        image.close()
        raise ImageReadError(f"{path.name} has no pixels.")
    return image


def _decode(image: Image.Image, name: str) -> Image.Image:
    """Force the full decode, turning truncation and corruption into ImageReadError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            return ImageOps.exif_transpose(image) or image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLargeError(f"{name} is too large to open safely: {exc}") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _corrupt(name, exc) from exc


def _corrupt(name: str, exc: Exception) -> ImageReadError:
    detail = str(exc) or type(exc).__name__
    return ImageReadError(f"{name} is truncated or corrupt and cannot be opened ({detail}).")


def _to_uint8(array: np.ndarray) -> np.ndarray:
    """Scale a 16-bit, 32-bit integer or float single channel to uint8."""
    if array.dtype == np.uint8:
        return array
    if array.dtype in (np.uint16, np.int32, np.uint32, np.int64) or array.dtype.kind in "iu":
        top = 65535 if array.max(initial=0) > 255 else 255
        scaled = (array.astype(np.float64) * (255.0 / top)).round()
        return np.clip(scaled, 0, 255).astype(np.uint8)
    if array.dtype.kind == "f":
        finite = np.nan_to_num(array.astype(np.float64), nan=0.0, posinf=1.0, neginf=0.0)
        top = 1.0 if finite.max(initial=0.0) <= 1.0 else 255.0
        return np.clip((finite / top * 255.0).round(), 0, 255).astype(np.uint8)
    raise ImageReadError(f"Unsupported pixel type {array.dtype}.")


def _cmyk_to_rgb(image: Image.Image) -> Image.Image:
    """CMYK to sRGB through the embedded ICC profile when there is one."""
    icc = image.info.get("icc_profile")
    if icc:
        try:
            from PIL import ImageCms

            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            target = ImageCms.createProfile("sRGB")
            converted = ImageCms.profileToProfile(image, source, target, outputMode="RGB")
            if converted is not None:
                return converted
        except Exception:  # noqa: BLE001 - a broken profile falls back to the plain formula
            pass
    return image.convert("RGB")


def _pixels(image: Image.Image, photo: Photo) -> None:
    """Fill photo.rgb / photo.alpha from any Pillow mode."""
    mode = image.mode
    if mode == "P" or mode == "PA":
        has_alpha = "transparency" in image.info or mode == "PA"
        image = image.convert("RGBA" if has_alpha else "RGB")
        mode = image.mode
        photo.notes.append("palette image converted to RGB")
    if mode == "1":
        image = image.convert("L")
        mode = "L"
    if mode == "CMYK":
        image = _cmyk_to_rgb(image)
        mode = "RGB"
        photo.notes.append("CMYK converted to RGB")
        photo.icc = None  # the pixels are sRGB now
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        gray = _to_uint8(np.asarray(image))
        photo.bits_per_channel = 16 if mode.startswith("I;16") or mode == "I" else 32
        photo.rgb = np.ascontiguousarray(np.repeat(gray[:, :, None], 3, axis=2))
        photo.notes.append(f"{photo.bits_per_channel}-bit gray reduced to 8 bits")
        return
    if mode in ("RGB;16", "RGBA;16"):  # pragma: no cover - depends on Pillow build
        image = image.convert(mode.split(";")[0])
        mode = image.mode
    if mode == "L":
        gray = np.asarray(image)
        photo.rgb = np.ascontiguousarray(np.repeat(gray[:, :, None], 3, axis=2))
        return
    if mode == "LA":
        array = np.asarray(image)
        photo.rgb = np.ascontiguousarray(np.repeat(array[:, :, :1], 3, axis=2))
        photo.alpha = np.ascontiguousarray(array[:, :, 1])
        return
    if mode == "RGBA":
        array = np.asarray(image)
        photo.rgb = np.ascontiguousarray(array[:, :, :3])
        photo.alpha = np.ascontiguousarray(array[:, :, 3])
        return
    if mode != "RGB":
        image = image.convert("RGBA" if "A" in mode else "RGB")
        return _pixels(image, photo)
    photo.rgb = np.ascontiguousarray(np.asarray(image))


def load_image(path: str | os.PathLike[str], *, max_pixels: int = MAX_PIXELS) -> Photo:
    """Open a photo as RGB (+ alpha), EXIF orientation applied, metadata kept.

    Raises `ImageReadError` (missing, corrupt, truncated, not an image) or
    `ImageTooLargeError` with a message naming the file.
    """
    path = Path(path)
    if formats.is_raw(path):
        return formats.load_raw(path, max_pixels, Photo)
    image = _open(path, max_pixels)
    try:
        return _read_photo(image, path)
    except (ImageReadError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - any decoder failure is a corrupt file
        raise _corrupt(path.name, exc) from exc
    finally:
        image.close()


def _read_photo(image: Image.Image, path: Path) -> Photo:
    source_format = image.format
    source_mode = image.mode
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    exif = image.getexif()
    icc = image.info.get("icc_profile") or None
    decoded = _decode(image, path.name)
    photo = Photo(
        rgb=np.zeros((1, 1, 3), np.uint8),
        format=source_format,
        path=path,
        source_mode=source_mode,
        icc=icc,
    )
    if source_mode.startswith(("I;16", "RGB;16", "RGBA;16")):
        photo.bits_per_channel = 16
    _pixels(decoded, photo)
    if photo.rgb.ndim != 3 or photo.rgb.shape[2] != 3:
        raise ImageReadError(f"{path.name} decoded to an unexpected shape {photo.rgb.shape}.")
    if photo.alpha is not None and bool((photo.alpha == 255).all()):
        photo.alpha = None
    orientation = exif.get(0x0112, 1) if exif else 1
    if exif:
        exif[0x0112] = 1  # orientation has been applied to the pixels
        photo.exif = exif.tobytes()
    formats.read_extras(image, photo, orientation)  # XMP, and 16-bit pixels at full depth
    return photo


def image_info(path: str | os.PathLike[str]) -> tuple[int, int]:
    """(width, height) of an image file without decoding its pixels."""
    path = Path(path)
    image = _open(path, MAX_PIXELS)
    try:
        width, height = image.size
        orientation = image.getexif().get(0x0112, 1)
        return (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    finally:
        image.close()


# -- writing -----------------------------------------------------------------


def save_format(path: str | os.PathLike[str]) -> str:
    """Pillow's format name for a file name's extension, or ImageWriteError."""
    suffix = Path(path).suffix.lower()
    try:
        return SAVE_FORMATS[suffix]
    except KeyError:
        raise ImageWriteError(
            f"Cannot save as '{suffix or Path(path).name}': use .png, .jpg, .tif, .webp or .bmp."
        ) from None


def _atomic_write(path: Path, write) -> None:
    """Call write(file) on a temporary file beside `path`, then move it over `path`."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ImageWriteError(f"Cannot save {path.name}: the folder {folder} does not exist.")
    try:
        mode = os.stat(path).st_mode & 0o7777 if path.exists() else None
    except OSError:
        mode = None
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ImageWriteError(f"Cannot save {path.name}: {exc.strerror or exc}.") from exc
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        if isinstance(exc, ImageWriteError):
            raise
        if isinstance(exc, (OSError, ValueError, KeyError)):
            raise ImageWriteError(f"Could not save {path.name}: {exc}") from exc
        raise


def save_image(
    path: str | os.PathLike[str],
    rgb: np.ndarray,
    *,
    alpha: np.ndarray | None = None,
    exif: bytes | None = None,
    icc: bytes | None = None,
    quality: int = 95,
    xmp: bytes | None = None,
) -> Path:
    """Write RGB (+ alpha) to `path` atomically, keeping EXIF/ICC where the format allows.

    The format follows the extension. JPEG has no alpha: it is dropped. Returns the path.
    """
    path = Path(path)
    fmt = save_format(path)
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ImageWriteError(f"Expected HxWx3 RGB pixels, got shape {rgb.shape}.")
    if alpha is not None and fmt in _ALPHA_FORMATS:
        image = Image.fromarray(np.dstack([rgb, alpha.astype(np.uint8)]), "RGBA")
    else:
        image = Image.fromarray(rgb, "RGB")
    options: dict[str, object] = {}
    if exif and fmt in _EXIF_FORMATS:
        options["exif"] = exif
    if icc and fmt in _ICC_FORMATS:
        options["icc_profile"] = icc
    options.update(formats.save_options(fmt, xmp=xmp, quality=quality))  # XMP, HEIF
    if fmt == "JPEG":
        options.update(quality=quality, subsampling=0, optimize=True)
    elif fmt == "WEBP":
        options.update(quality=quality, method=4)
    elif fmt == "TIFF":
        options.update(compression="tiff_lzw")
    elif fmt == "PNG":
        options.update(compress_level=6)

    def write(stream) -> None:
        image.save(stream, format=fmt, **options)

    _atomic_write(path, write)
    return path


def save_photo(path: str | os.PathLike[str], photo: Photo, **options) -> Path:
    """Save a `Photo` with its alpha and metadata; a 16-bit photo stays 16-bit in PNG/TIFF."""
    deep = formats.deep_bytes(save_format(path), photo)
    if deep is not None:
        _atomic_write(Path(path), lambda stream: stream.write(deep))
        return Path(path)
    return save_image(
        path, photo.rgb, alpha=photo.alpha, exif=photo.exif, icc=photo.icc, xmp=photo.xmp, **options
    )


# -- masks -------------------------------------------------------------------


def mask_from_pixels(array: np.ndarray) -> np.ndarray:
    """Read a mask image's pixels: white (or opaque, for alpha-only masks) means repair."""
    if array.ndim == 3:
        colour = array[:, :, :3]
        if array.shape[2] == 4:
            alpha = array[:, :, 3]
            if alpha.min() != alpha.max() and colour.min() == colour.max():
                array = alpha
            else:
                array = colour.max(axis=2)
        else:
            array = colour.max(axis=2)
    if array.max(initial=0) <= 1:
        return array > 0
    return array > 127


def load_mask(
    path: str | os.PathLike[str], shape: tuple[int, int] | None = None, *, coverage: bool = False
) -> np.ndarray:
    """Open a mask file as HxW bool (white = repair). `shape` (H, W) must match if given.

    With `coverage`, as HxW uint8 coverage instead (0 keep .. 255 repair): the grey
    levels of a soft-edged mask are kept exactly as `save_mask` wrote them.
    """
    path = Path(path)
    image = _open(path, MAX_PIXELS)
    try:
        array = _mask_pixels(image, path.name)
    except (ImageReadError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - any decoder failure is a corrupt file
        raise _corrupt(path.name, exc) from exc
    finally:
        image.close()
    mask = coverage_from_pixels(array) if coverage else mask_from_pixels(array)
    if shape is not None and mask.shape != tuple(shape):
        raise MaskError(
            f"The mask {path.name} is {mask.shape[1]}x{mask.shape[0]} but the image is "
            f"{shape[1]}x{shape[0]}; they must be the same size."
        )
    return mask


def coverage_from_pixels(array: np.ndarray) -> np.ndarray:
    """A mask image's pixels as uint8 coverage: grey levels kept, 0/1 masks made 0/255,
    16-bit masks scaled to 8 bits."""
    if array.ndim == 3:
        colour = array[:, :, :3]
        if array.shape[2] == 4:
            alpha = array[:, :, 3]
            if alpha.min() != alpha.max() and colour.min() == colour.max():
                colour = alpha[:, :, None]
        array = colour.max(axis=2)
    array = np.asarray(array)
    if array.dtype != np.uint8:
        top = 65535 if array.max(initial=0) > 255 else 255
        array = np.clip(np.rint(array.astype(np.float64) * 255 / top), 0, 255).astype(np.uint8)
    if array.max(initial=0) <= 1:
        return (array * 255).astype(np.uint8)
    return np.ascontiguousarray(array, dtype=np.uint8)


def _mask_pixels(image: Image.Image, name: str) -> np.ndarray:
    decoded = _decode(image, name)
    if decoded.mode not in ("L", "RGB", "RGBA", "LA"):
        decoded = decoded.convert("RGBA" if "A" in decoded.mode else "L")
    array = np.asarray(decoded)
    if decoded.mode == "LA":
        array = np.dstack([array[:, :, 0]] * 3 + [array[:, :, 1]])
    return array


def save_mask(path: str | os.PathLike[str], mask: np.ndarray) -> Path:
    """Write a mask as an 8-bit grey PNG: white = repair, black = keep.

    A uint8 coverage mask is written as it is, so soft edges stay soft (`load_mask`
    with `coverage=True` reads back the same values); a bool mask as 0 and 255.
    """
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ImageWriteError("Masks are saved as PNG files; use a name ending in .png.")
    values = np.asarray(mask)
    if values.dtype == np.uint8 and values.max(initial=0) > 1:
        grey = np.ascontiguousarray(values)
    else:
        grey = np.where(values.astype(bool), 255, 0).astype(np.uint8)
    image = Image.fromarray(grey, "L")
    _atomic_write(path, lambda stream: image.save(stream, format="PNG"))
    return path
