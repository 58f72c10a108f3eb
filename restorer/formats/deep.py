"""16 bits per channel: read at full depth, lift an 8-bit repair back to 16 bits, save.

Engines work on an 8-bit view of a 16-bit photo. After a repair, every pixel the repair
did not touch is taken from the original 16-bit array (bit-identical); the repaired area
is `fill8 * 257` plus a correction of at most half an 8-bit step, taken from a smoothed
copy of the repaired picture in which the surroundings keep their true 16-bit values.
In smooth areas (skies, gradients in scans) that removes the staircase an 8-bit fill
would leave; in texture the correction fades out, so detail is what the engine made.
`benchmarks/deep_banding.py` measures the banding this removes.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import cv2
import numpy as np

STEP = 257  # one 8-bit level in 16-bit units
_SIGMA = 12.0  # px: wide enough to rebuild gradients whose 8-bit steps are ~30 px apart
_DEEP_FORMATS = {"PNG", "TIFF"}


def to_view8(deep: np.ndarray) -> np.ndarray:
    """The 8-bit view engines see: each 16-bit value rounded to the nearest 8-bit level."""
    return ((deep.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)


def is_deep_file(image, path: Path) -> bool:
    """Whether a Pillow-opened PNG or TIFF stores 16 bits per channel."""
    if image.format == "TIFF":
        bits = image.tag_v2.get(258, (8,))
        bits = bits if isinstance(bits, tuple) else (bits,)
        return 16 in bits and image.tag_v2.get(339, 1) in (1, (1,))  # unsigned integers
    if image.format == "PNG":
        with open(path, "rb") as stream:
            header = stream.read(26)
        return len(header) >= 25 and header[24] == 16
    return False


# Pillow's ImageOps.exif_transpose, on arrays.
_ORIENT = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.swapaxes(0, 1),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: a[::-1, ::-1].swapaxes(0, 1),
    8: lambda a: np.rot90(a, 1),
}


def read_deep(
    path: Path, orientation: int, upright8: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None] | None:
    """(HxWx3 uint16 RGB, HxW uint16 alpha or None) of a 16-bit PNG/TIFF, oriented upright.

    `upright8` is Pillow's 8-bit reading with EXIF orientation applied. OpenCV turns some
    files by their orientation tag itself and not others, so the 16-bit pixels are taken
    as read or turned, whichever matches `upright8`. None when OpenCV cannot decode the
    file at 16 bits (the 8-bit reading then stands alone).
    """
    data = np.fromfile(path, dtype=np.uint8)
    array = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if array is None or array.dtype != np.uint16:
        return None
    alpha = None
    if array.ndim == 2:
        rgb = np.repeat(array[:, :, None], 3, axis=2)
    elif array.shape[2] == 2:
        rgb, alpha = np.repeat(array[:, :, :1], 3, axis=2), array[:, :, 1]
    elif array.shape[2] == 4:
        rgb, alpha = array[:, :, 2::-1], array[:, :, 3]
    else:
        rgb = array[:, :, ::-1]
    turn = _ORIENT.get(orientation)
    if turn is not None and _distance(turn(rgb), upright8) < _distance(rgb, upright8):
        rgb = turn(rgb)
        alpha = None if alpha is None else turn(alpha)
    if rgb.shape[:2] != upright8.shape[:2]:
        return None
    if alpha is not None and bool((alpha == 65535).all()):
        alpha = None
    return np.ascontiguousarray(rgb), None if alpha is None else np.ascontiguousarray(alpha)


def _distance(rgb16: np.ndarray, upright8: np.ndarray) -> float:
    if rgb16.shape[:2] != upright8.shape[:2]:
        return float("inf")
    return float(np.abs(to_view8(rgb16).astype(np.int16) - upright8).mean())


def lift(original16: np.ndarray, result8: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Bring an 8-bit repair of `to_view8(original16)` back to 16 bits.

    Outside `mask` (default: wherever `result8` differs from the view) the original
    16-bit values are returned unchanged. Inside, the fill is `result8 * 257` moved by at
    most half an 8-bit step towards a smoothed picture whose known pixels are the
    original's, so the fill joins its surroundings and smooth gradients without steps.
    """
    view8 = to_view8(original16)
    changed = (result8 != view8).any(axis=2)
    hole = changed if mask is None else (np.asarray(mask, dtype=bool) | changed)
    out = original16.copy()
    if not hole.any():
        return out
    margin = int(3 * _SIGMA) + 1
    count, labels, stats, _ = cv2.connectedComponentsWithStats(hole.astype(np.uint8), 8)
    height, width = hole.shape
    for index in range(1, count):
        x, y, w, h = stats[index, :4]
        y0, y1 = max(0, y - margin), min(height, y + h + margin)
        x0, x1 = max(0, x - margin), min(width, x + w + margin)
        part = hole[y0:y1, x0:x1] & (labels[y0:y1, x0:x1] == index)
        out[y0:y1, x0:x1][part] = _fill16(
            original16[y0:y1, x0:x1], result8[y0:y1, x0:x1], hole[y0:y1, x0:x1]
        )[part]
    return out


def _fill16(original16: np.ndarray, result8: np.ndarray, hole: np.ndarray) -> np.ndarray:
    coarse = result8.astype(np.float32) * STEP
    known = original16.astype(np.float32)
    picture = np.where(hole[:, :, None], coarse, known)
    smooth = cv2.GaussianBlur(picture, (0, 0), _SIGMA, borderType=cv2.BORDER_REFLECT)
    delta = smooth - coarse
    # Full correction within half a step; faded out to none at 1.5 steps (texture, edges).
    half = STEP / 2.0
    weight = np.clip((3 * half - np.abs(delta)) / (2 * half), 0.0, 1.0)
    correction = np.clip(delta, -half + 0.5, half - 0.5) * weight
    return np.clip(np.rint(coarse + correction), 0, 65535).astype(np.uint16)


# -- writing -------------------------------------------------------------------


def can_save_deep(fmt: str) -> bool:
    return fmt in _DEEP_FORMATS


def encode_deep(
    fmt: str,
    rgb16: np.ndarray,
    alpha16: np.ndarray | None,
    *,
    exif: bytes | None,
    icc: bytes | None,
    xmp: bytes | None,
    gray: bool = False,
) -> bytes:
    """A 16-bit PNG or TIFF file's bytes, with the metadata the format can hold.

    `gray`: write one channel when the three are equal (a gray scan stays gray)."""
    if gray and alpha16 is None and _all_gray(rgb16):
        pixels = np.ascontiguousarray(rgb16[:, :, 0])
    else:
        pixels = rgb16 if alpha16 is None else np.dstack([rgb16, alpha16])
        pixels = np.ascontiguousarray(pixels, dtype=np.uint16)
    if fmt == "TIFF":
        return _tiff16(pixels, exif=exif, icc=icc, xmp=xmp)
    return _png16(pixels, exif=exif, icc=icc, xmp=xmp)


def _all_gray(rgb: np.ndarray) -> bool:
    return bool((rgb[:, :, 0] == rgb[:, :, 1]).all() and (rgb[:, :, 1] == rgb[:, :, 2]).all())


def _png16(pixels: np.ndarray, *, exif, icc, xmp) -> bytes:
    if pixels.ndim == 3:
        pixels = pixels[:, :, [2, 1, 0, 3][: pixels.shape[2]]]  # OpenCV writes BGR(A)
    ok, encoded = cv2.imencode(".png", pixels, [cv2.IMWRITE_PNG_COMPRESSION, 6])
    if not ok:
        raise ValueError("the PNG encoder failed")
    data = encoded.tobytes()
    chunks = b""
    if icc:
        chunks += _chunk(b"iCCP", b"ICC Profile\x00\x00" + zlib.compress(icc))
    if exif:
        chunks += _chunk(b"eXIf", exif[6:] if exif.startswith(b"Exif\x00\x00") else exif)
    if xmp:
        chunks += _chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + xmp)
    ihdr_end = 8 + 8 + 13 + 4  # signature, IHDR length+type, IHDR data, CRC
    return data[:ihdr_end] + chunks + data[ihdr_end:]


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


# EXIF tags that TIFF keeps in its first IFD (the rest of EXIF has no place in a plain TIFF).
_TIFF_TEXT_TAGS = (270, 271, 272, 306, 315, 33432)


def _tiff16(pixels: np.ndarray, *, exif, icc, xmp) -> bytes:
    import io

    import tifffile

    extratags = []
    if exif:
        from PIL import Image

        parsed = Image.Exif()
        parsed.load(exif)
        for tag in _TIFF_TEXT_TAGS:
            value = parsed.get(tag)
            if isinstance(value, str) and value:
                extratags.append((tag, "s", 0, value, True))
    if xmp:
        extratags.append((700, "B", len(xmp), xmp, True))
    stream = io.BytesIO()
    tifffile.imwrite(
        stream,
        pixels,
        photometric="rgb" if pixels.ndim == 3 else "minisblack",
        extrasamples=[2] if pixels.ndim == 3 and pixels.shape[2] == 4 else None,
        compression="zlib",
        iccprofile=icc or None,
        extratags=extratags,
        metadata=None,
    )
    return stream.getvalue()
