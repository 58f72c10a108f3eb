"""Hostile image files built from a fixed seed: mutated photos and decompression bombs.

Shared by the fuzz tests (a few hundred files) and `benchmarks/robustness.py` (tens of
thousands). Every file is built here from small pictures Pillow writes, so nothing is
downloaded and every run sees the same bytes for the same seed.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator

import numpy as np
from PIL import Image, TiffImagePlugin

# Every format the app opens, with the variants of it a photographer meets.
FORMATS = ("png", "jpg", "tif", "webp", "bmp")


def _picture(seed: int, height: int = 20, width: int = 24) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 255, width, dtype=np.float32)[None, :, None]
    noise = rng.integers(0, 40, (height, width, 3))
    return np.clip(ramp + noise, 0, 255).astype(np.uint8)


def _exif() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "Fuzz Camera"
    return exif.tobytes()


def originals() -> dict[str, list[bytes]]:
    """Small valid files of every format and the modes each format carries."""
    rgb = _picture(1)
    out: dict[str, list[bytes]] = {fmt: [] for fmt in FORMATS}

    def save(fmt: str, image: Image.Image, **options: object) -> None:
        buffer = io.BytesIO()
        image.save(buffer, {"jpg": "JPEG", "tif": "TIFF"}.get(fmt, fmt.upper()), **options)
        out[fmt].append(buffer.getvalue())

    image = Image.fromarray(rgb)
    rgba = Image.fromarray(np.dstack([rgb, rgb[:, :, 0]]), "RGBA")
    save("png", image)
    save("png", rgba)
    save("png", image.convert("L"))
    save("png", image.convert("P"), transparency=3)
    save("png", Image.fromarray(rgb[:, :, 0].astype(np.uint16) * 257))
    save("jpg", image, quality=90, exif=_exif())
    save("jpg", image.convert("L"), quality=80)
    save("jpg", image.convert("CMYK"), quality=80)
    save("jpg", image, quality=70, progressive=True)
    info = TiffImagePlugin.ImageFileDirectory_v2()
    info[65000] = "private tag"
    save("tif", image, compression="tiff_lzw")
    save("tif", rgba, compression="tiff_adobe_deflate")
    save("tif", image, tiffinfo=info)
    save("tif", Image.fromarray(rgb[:, :, 1].astype(np.uint16) * 257))
    save("webp", image, quality=80)
    save("webp", rgba, lossless=True)
    save("bmp", image)
    save("bmp", image.convert("P"))
    return out


# -- mutations -------------------------------------------------------------------


def _flip(data: bytearray, rng: np.random.Generator) -> bytearray:
    for _ in range(int(rng.integers(1, 12))):
        data[int(rng.integers(0, len(data)))] = int(rng.integers(0, 256))
    return data


def _truncate(data: bytearray, rng: np.random.Generator) -> bytearray:
    return data[: int(rng.integers(0, len(data)))]


def _insert(data: bytearray, rng: np.random.Generator) -> bytearray:
    at = int(rng.integers(0, len(data)))
    return data[:at] + bytearray(rng.bytes(int(rng.integers(1, 64)))) + data[at:]


def _repeat(data: bytearray, rng: np.random.Generator) -> bytearray:
    start = int(rng.integers(0, len(data)))
    stop = min(len(data), start + int(rng.integers(1, 256)))
    return data[:stop] + data[start:stop] + data[stop:]


_EXTREMES = (0, 1, 0x7FFFFFFF, 0xFFFFFFFF, 0x80000000, 0xFFFF, 0x10000)


def _extreme_word(data: bytearray, rng: np.random.Generator) -> bytearray:
    """A 16- or 32-bit field (a length, a size, an offset) set to an extreme value."""
    at = int(rng.integers(0, max(1, len(data) - 4)))
    value = _EXTREMES[int(rng.integers(0, len(_EXTREMES)))]
    if rng.random() < 0.5:
        data[at : at + 4] = struct.pack(rng.choice([">I", "<I"]), value)
    else:
        data[at : at + 2] = struct.pack(rng.choice([">H", "<H"]), value & 0xFFFF)
    return data


def _png_chunk_length(data: bytearray, rng: np.random.Generator) -> bytearray:
    """A PNG chunk whose length field is wrong (0, huge, one off)."""
    offsets, at = [], 8
    while at + 8 <= len(data):
        offsets.append(at)
        at += 12 + struct.unpack(">I", data[at : at + 4])[0]
    if not offsets:
        return _flip(data, rng)
    at = offsets[int(rng.integers(0, len(offsets)))]
    length = struct.unpack(">I", data[at : at + 4])[0]
    value = [0, 0xFFFFFFFF, length + 1, max(0, length - 1), 0x7FFFFFFF][int(rng.integers(0, 5))]
    value = min(value, 0xFFFFFFFF)
    data[at : at + 4] = struct.pack(">I", value)
    return data


def _tiff_entry(data: bytearray, rng: np.random.Generator) -> bytearray:
    """A TIFF directory entry with a wrong type, count or value."""
    if data[:2] not in (b"II", b"MM") or len(data) < 16:
        return _flip(data, rng)
    order = "<" if data[:2] == b"II" else ">"
    ifd = struct.unpack(order + "I", data[4:8])[0]
    if ifd + 2 > len(data):
        return _flip(data, rng)
    count = struct.unpack(order + "H", data[ifd : ifd + 2])[0]
    if count == 0:
        return _flip(data, rng)
    entry = ifd + 2 + 12 * int(rng.integers(0, count))
    if entry + 12 > len(data):
        return _flip(data, rng)
    field = int(rng.integers(0, 3))
    if field == 0:  # type: any of the 13 TIFF types, or none of them
        data[entry + 2 : entry + 4] = struct.pack(order + "H", int(rng.integers(0, 20)))
    elif field == 1:  # count
        data[entry + 4 : entry + 8] = struct.pack(order + "I", int(rng.choice(_EXTREMES)))
    else:  # value or offset
        data[entry + 8 : entry + 12] = struct.pack(order + "I", int(rng.choice(_EXTREMES)))
    return data


_GENERIC = (_flip, _truncate, _insert, _repeat, _extreme_word)
_SPECIFIC = {"png": (_png_chunk_length,), "tif": (_tiff_entry,)}


def mutated(count: int, seed: int = 14) -> Iterator[tuple[str, bytes]]:
    """`count` (extension, bytes) pairs: valid files of every format, mutated."""
    rng = np.random.default_rng(seed)
    sources = originals()
    for index in range(count):
        fmt = FORMATS[index % len(FORMATS)]
        base = sources[fmt][int(rng.integers(0, len(sources[fmt])))]
        mutations = _GENERIC + _SPECIFIC.get(fmt, ())
        data = bytearray(base)
        for _ in range(int(rng.integers(1, 3))):
            if not data:
                break
            data = mutations[int(rng.integers(0, len(mutations)))](data, rng)
        yield fmt, bytes(data)


# -- decompression bombs -----------------------------------------------------------


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_bomb(width: int, height: int, bits: int = 1) -> bytes:
    """A grey PNG of the given size whose rows are all zero: kilobytes on disk."""
    colour = 0
    ihdr = struct.pack(">IIBBBBB", width, height, bits, colour, 0, 0, 0)
    row = b"\0" + bytes((width * bits + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(min(height, 64)))
    body += compressor.flush()  # only the first rows: the header is what matters
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", body)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_bomb(width: int, height: int) -> bytes:
    """A JPEG whose frame header claims `width` x `height` (at most 65535 each)."""
    buffer = io.BytesIO()
    Image.new("L", (16, 16)).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    at = data.index(b"\xff\xc0")
    data[at + 5 : at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def tiff_bomb(width: int, height: int) -> bytes:
    """A TIFF whose directory claims `width` x `height`."""
    buffer = io.BytesIO()
    Image.new("L", (16, 16)).save(buffer, "TIFF", compression="tiff_adobe_deflate")
    data = bytearray(buffer.getvalue())
    ifd = struct.unpack("<I", data[4:8])[0]
    for index in range(struct.unpack("<H", data[ifd : ifd + 2])[0]):
        entry = ifd + 2 + 12 * index
        tag, kind = struct.unpack("<HH", data[entry : entry + 4])
        value = {256: width, 257: height, 278: height}.get(tag)
        if value is not None:
            packed = struct.pack("<H", value) + b"\0\0" if kind == 3 else struct.pack("<I", value)
            data[entry + 8 : entry + 12] = packed
    return bytes(data)


def webp_bomb() -> bytes:
    """A lossless WebP claiming 16383 x 16383 (268 MP), the format's largest size."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buffer, "WEBP", lossless=True)
    data = bytearray(buffer.getvalue())
    at = data.index(b"VP8L") + 9  # 14 bits width-1, 14 bits height-1 after the signature
    bits = (16382) | (16382 << 14) | (int.from_bytes(data[at : at + 4], "little") & ~0xFFFFFFF)
    data[at : at + 4] = bits.to_bytes(4, "little")
    return bytes(data)


def bmp_bomb(width: int, height: int) -> bytes:
    """A BMP whose header claims `width` x `height` with almost no pixel data."""
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "BMP")
    data = bytearray(buffer.getvalue())
    data[18:26] = struct.pack("<ii", width, height)
    return bytes(data)


def bombs() -> dict[str, bytes]:
    """Each kind of decompression bomb, by name -> file bytes (the name ends in the
    extension to give the file)."""
    return {
        "png-900mp.png": png_bomb(30_000, 30_000),
        "png-260mp.png": png_bomb(16_125, 16_125),
        "png-4gp-rgb.png": png_bomb(65_535, 65_535, bits=8),
        "jpeg-4gp.jpg": jpeg_bomb(65_535, 65_535),
        "jpeg-300mp.jpg": jpeg_bomb(20_000, 15_000),
        "tiff-4gp.tif": tiff_bomb(65_535, 65_535),
        "tiff-300mp.tif": tiff_bomb(20_000, 15_000),
        "webp-268mp.webp": webp_bomb(),
        "bmp-2gp.bmp": bmp_bomb(50_000, 40_000),
        "bmp-300mp-topdown.bmp": bmp_bomb(20_000, -15_000),
    }
