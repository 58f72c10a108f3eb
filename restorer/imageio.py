"""Reading and writing photos and masks, safely.

Pillow decodes; every format a photographer meets is turned into HxWx3 uint8 RGB plus an
optional HxW alpha, with EXIF orientation applied and the EXIF/ICC metadata kept for
saving. Every decoder failure leaves through one door (`_decoding`) as a
`restorer.errors` exception with one readable line; what decoders print meanwhile is
folded into it or logged. Files larger than `MAX_PIXELS` (250 MP), or larger than free
memory holds, are refused before decoding by our own check, and Pillow's bomb threshold
is set to the same limit. Saves are atomic: the new file is written next to the target
and moved over it only when complete, so a failed save never damages the previous file;
the temporary file of a save killed halfway is removed by the next save or start.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from restorer import faults, formats, leftovers
from restorer.bounded import bounded
from restorer.errors import (
    ImageReadError,
    ImageTooLargeError,
    ImageWriteError,
    MaskError,
    RestorerError,
)

try:
    import resource
except ImportError:  # pragma: no cover - Windows has no address-space limits to read
    resource = None  # type: ignore[assignment]

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
# The Pillow readers a file may reach, whatever its name: not EPS (Pillow runs
# Ghostscript on it), nor the dozens of legacy formats no photographer sends (a camera
# MPO opens as JPEG). A format module adding a Pillow decoder adds its name here.
PILLOW_FORMATS = ["JPEG", "PNG", "TIFF", "WEBP", "BMP", "HEIF"]
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
#
# Every decoder failure goes through one door, `_decoding`: whatever Pillow (or a C
# library under it) raises becomes an `ImageReadError` / `ImageTooLargeError` with one
# readable line, and what decoders print on the way (Python warnings such as "Corrupt
# EXIF data", libtiff's messages written straight to file descriptor 2) is collected:
# folded into that line when the file is refused, logged when it opens.

log = logging.getLogger(__name__)

# Decoded RGBA, our RGB copy and alpha, and a transposed copy: bytes of memory per pixel
# a decode may need at its peak. Images whose need exceeds what is free are refused
# before decoding, with a message, instead of ending in a MemoryError.
BYTES_PER_PIXEL = 12

# Pillow's own bomb check (a warning above MAX_IMAGE_PIXELS, an error above twice that)
# is set to our limit; `_check_size` applies the same limit and the memory budget.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# No photograph, however flat, packs more pixels than this into one byte of file (a
# 1-bit PNG of one colour reaches about 8 000); a file that claims more is a
# decompression bomb or a damaged header, refused before decoding. Small images are
# exempt (a blank 1000 x 1000 WebP is a few dozen bytes and harmless).
MAX_PIXELS_PER_BYTE = 100_000
_EXEMPT_PIXELS = 16_000_000

_CAPTURE_LOCK = threading.RLock()
_capturing = threading.local()
_MAX_DETAIL = 160


def _one_line(text: str, limit: int = _MAX_DETAIL) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def free_memory() -> int:
    """Bytes this process may still allocate: free memory, or an address-space limit."""
    available = 1 << 62
    try:
        import psutil

        available = int(psutil.virtual_memory().available)
        soft = resource.getrlimit(resource.RLIMIT_AS)[0] if resource else -1
        if soft not in (getattr(resource, "RLIM_INFINITY", -1), -1):
            available = min(available, soft - psutil.Process().memory_info().vms)
    except Exception:  # noqa: BLE001 - unknown: assume plenty, Pillow's check still holds
        pass
    return max(0, available)


def pixel_limit(max_pixels: int = MAX_PIXELS) -> int:
    """The most pixels an image may have to be opened now: `max_pixels`, or fewer when
    free memory would not hold the decode."""
    return max(1, min(int(max_pixels), free_memory() // BYTES_PER_PIXEL))


def _check_size(name: str, width: int, height: int, max_pixels: int, file_size: int) -> None:
    """Our size check: the documented limit, pixels per byte of file, then the memory
    the decode needs."""
    pixels = width * height
    if width < 1 or height < 1:
        raise ImageReadError(f"{name} has no pixels.")
    if pixels > max_pixels:
        raise ImageTooLargeError(
            f"{name} is {width}x{height} ({pixels / 1e6:.0f} megapixels); "
            f"Restorer opens images up to {max_pixels / 1e6:.0f} megapixels."
        )
    if pixels > _EXEMPT_PIXELS and pixels > MAX_PIXELS_PER_BYTE * file_size:
        raise ImageTooLargeError(
            f"{name} claims {width}x{height} pixels in only {file_size} bytes: "
            "it is damaged or a decompression bomb, and was not decoded."
        )
    free = free_memory()
    if pixels * BYTES_PER_PIXEL > free:
        raise _needs_memory(name, f"{width}x{height} ({pixels / 1e6:.0f} megapixels)", pixels)


def _needs_memory(name: str, size: str, pixels: int) -> ImageTooLargeError:
    return ImageTooLargeError(
        f"{name} is {size} and needs about {pixels * BYTES_PER_PIXEL / 1e9:.1f} GB of "
        f"memory to open; {free_memory() / 1e9:.1f} GB is free. Close other programs and "
        "try again."
    )


def _claimed_pixels(bomb: Exception) -> int | None:
    """The pixel count in Pillow's DecompressionBombError / Warning message."""
    found = re.search(r"\((\d+) pixels\)", str(bomb))
    return int(found.group(1)) if found else None


def _refusal(name: str, exc: BaseException, said: list[str]) -> RestorerError:
    """The one error a person sees for any decoder failure."""
    if isinstance(exc, RestorerError):
        return exc
    if isinstance(exc, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        pixels = _claimed_pixels(exc)
        claimed = f" claims {pixels / 1e6:.0f} megapixels and" if pixels else ""
        return ImageTooLargeError(
            f"{name}{claimed} is too large to open safely; Restorer opens images up to "
            f"{MAX_PIXELS / 1e6:.0f} megapixels."
        )
    if isinstance(exc, MemoryError):
        return ImageTooLargeError(
            f"There is not enough free memory to open {name}; close other programs and try again."
        )
    if isinstance(exc, UnidentifiedImageError):
        return ImageReadError(
            f"{name} could not be read as an image: it is corrupt, truncated, "
            f"or not a JPEG, PNG, TIFF, WebP, BMP, HEIC or camera RAW file."
        )
    detail = _one_line(str(exc)) or type(exc).__name__
    if said:
        detail += "; the decoder said: " + _one_line(" | ".join(said), 120)
    return ImageReadError(f"{name} is truncated or corrupt and cannot be opened ({detail}).")


@contextmanager
def _fd2_collected(said: list[str]) -> Iterator[None]:
    """Send what C code writes to file descriptor 2 into `said` meanwhile."""
    with tempfile.TemporaryFile() as sink:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError, AttributeError):
            yield  # no usable fd 2 (a windowed app): nothing to collect
            return
        try:
            os.dup2(sink.fileno(), 2)
            yield
        finally:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            text = sink.read(64 * 1024).decode("utf-8", errors="replace")
            said.extend(line.strip() for line in text.splitlines() if line.strip())


@contextmanager
def _decoding(name: str) -> Iterator[None]:
    """One error path for every decoder failure, with decoders' own output collected.

    Any exception inside becomes a `restorer.errors` exception with one readable line
    (KeyboardInterrupt and the like pass through). Warnings and fd-2 messages are folded
    into that line, or logged when the image opens. Decodes are serialised by a lock:
    file descriptor 2 and the warnings filters belong to the whole process. Nested uses
    (a format module calling back in) share the outer one.
    """
    with _CAPTURE_LOCK:
        if getattr(_capturing, "active", False):
            yield
            return
        said: list[str] = []
        failure: BaseException | None = None
        _capturing.active = True
        try:
            with _fd2_collected(said), warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    yield
                finally:
                    said[:0] = [_one_line(str(w.message)) for w in caught]
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - the one door for decoder failures
            failure = exc
        finally:
            _capturing.active = False
        if failure is not None:
            raise _refusal(name, failure, said) from failure
        for line in said:
            log.info("%s: %s", name, line)


def _webp_size(head: bytes) -> tuple[int, int] | None:
    """(width, height) from a WebP header. Pillow's WebP reader builds its decoder, and
    allocates the whole canvas, inside `Image.open`: before any size check could run."""
    if len(head) < 30 or head[:4] != b"RIFF" or head[8:12] != b"WEBP":
        return None
    kind = head[12:16]
    if kind == b"VP8X":
        width = 1 + int.from_bytes(head[24:27], "little")
        height = 1 + int.from_bytes(head[27:30], "little")
        return width, height
    if kind == b"VP8L":
        bits = int.from_bytes(head[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if kind == b"VP8 ":
        return int.from_bytes(head[26:28], "little") & 0x3FFF, (
            int.from_bytes(head[28:30], "little") & 0x3FFF
        )
    return None


def _open(path: Path, max_pixels: int) -> Image.Image:
    """Open (not decode) `path`, refusing what is missing, not an image, or too large."""
    if not path.exists():
        raise ImageReadError(f"No such file: {path}")
    if path.is_dir():
        raise ImageReadError(f"{path} is a folder, not an image file.")
    try:
        raw = io.FileIO(path, "rb")
    except OSError as exc:
        raise ImageReadError(f"Could not open {path.name}: {exc.strerror or exc}.") from exc
    stream = bounded(raw)
    try:
        claimed = _webp_size(stream.peek(32)[:32])
        if claimed is not None:
            _check_size(path.name, *claimed, max_pixels, stream.size)
        # Pillow's own check (inside `open`) follows the same limit and memory budget;
        # `_decoding`'s lock keeps other decodes from seeing this value meanwhile.
        Image.MAX_IMAGE_PIXELS = pixel_limit(max_pixels)
        try:
            image = Image.open(stream, formats=PILLOW_FORMATS)
        except Image.DecompressionBombError as exc:
            claimed = _claimed_pixels(exc)
            if claimed is not None and claimed <= max_pixels:  # within the limit: memory
                raise _needs_memory(path.name, f"{claimed / 1e6:.0f} megapixels", claimed) from exc
            raise
        finally:
            Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        width, height = image.size
        _check_size(path.name, width, height, max_pixels, stream.size)
    except BaseException:
        stream.close()
        raise
    image._restorer_stream = stream  # closed by _close
    return image


def _close(image: Image.Image) -> None:
    stream = getattr(image, "_restorer_stream", None)
    image.close()
    if stream is not None:
        stream.close()


def _decode(image: Image.Image, name: str) -> Image.Image:
    """Force the full decode, with EXIF orientation applied (inside `_decoding`)."""
    image.load()
    return ImageOps.exif_transpose(image) or image


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
    `ImageTooLargeError` (over `max_pixels`, or more than free memory holds) with one
    line naming the file; never anything else for a bad file.
    """
    path = Path(path)
    with _decoding(path.name):
        if formats.is_raw(path):
            return formats.load_raw(path, max_pixels, Photo)
        image = _open(path, max_pixels)
        try:
            return _read_photo(image, path)
        finally:
            _close(image)


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
    with _decoding(path.name):
        image = _open(path, MAX_PIXELS)
        try:
            width, height = image.size
            orientation = image.getexif().get(0x0112, 1)
            return (height, width) if orientation in (5, 6, 7, 8) else (width, height)
        finally:
            _close(image)


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
    """Call write(file) on a temporary file beside `path`, then move it over `path`.

    The temporary file has our own name (`leftovers.temp_name`) and is noted in the
    user data folder while it exists, so a save killed halfway leaves nothing that the
    next save of the same file, or the next start, does not remove.
    """
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ImageWriteError(f"Cannot save {path.name}: the folder {folder} does not exist.")
    leftovers.sweep_beside(path)
    try:
        mode = os.stat(path).st_mode & 0o7777 if path.exists() else None
    except OSError:
        mode = None
    temp = leftovers.temp_name(path)
    with leftovers.pending(temp):
        try:
            handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise ImageWriteError(f"Cannot save {path.name}: {exc.strerror or exc}.") from exc
        try:
            with os.fdopen(handle, "wb") as stream:
                write(stream)
                stream.flush()
                faults.point("save.written")
                os.fsync(stream.fileno())
            if mode is None:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
            os.chmod(temp, mode)
            faults.point("save.before_rename")
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
    with _decoding(path.name):
        image = _open(path, MAX_PIXELS)
        try:
            array = _mask_pixels(image, path.name)
        finally:
            _close(image)
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
