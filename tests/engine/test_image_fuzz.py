"""Bad image files of every kind: each opens or is refused with one line, nothing else.

A few hundred files mutated from a fixed seed, the corrupt files of issue 14 rebuilt
byte by byte, every kind of decompression bomb, and what decoders print on the way.
`benchmarks/robustness.py` runs the same with tens of thousands of files.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import textwrap
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from restorer.errors import ImageReadError, ImageTooLargeError, RestorerError
from restorer.imageio import MAX_PIXELS, image_info, load_image, load_mask
from tests.engine.fuzzing import bombs, mutated

ROOT = Path(__file__).resolve().parents[2]


def _chunk(kind: bytes, payload: bytes, length: int | None = None) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    size = len(payload) if length is None else length
    return struct.pack(">I", size) + kind + payload + struct.pack(">I", crc)


def _png(ihdr: bytes | None = None, extra: bytes = b"", idat_length: int | None = None) -> bytes:
    width = height = 64
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0) if ihdr is None else ihdr
    rows = zlib.compress(b"".join(b"\0" + bytes(width * 3) for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + extra
        + _chunk(b"IDAT", rows, idat_length)
        + _chunk(b"IEND", b"")
    )


def _tiff_with_width_type(kind: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "TIFF")
    data = bytearray(buffer.getvalue())
    ifd = struct.unpack("<I", data[4:8])[0]
    for index in range(struct.unpack("<H", data[ifd : ifd + 2])[0]):
        entry = ifd + 2 + 12 * index
        if struct.unpack("<H", data[entry : entry + 2])[0] == 256:  # ImageWidth
            data[entry + 2 : entry + 4] = struct.pack("<H", kind)
    return bytes(data)


def _corrupt_lzw_tiff() -> bytes:
    """An LZW TIFF whose strip is damaged: libtiff prints to fd 2 while refusing it."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (9, 90, 200)).save(buffer, "TIFF", compression="tiff_lzw")
    data = bytearray(buffer.getvalue())
    data[10:20] = b"\xff" * 10
    return bytes(data)


def _jpeg_with_corrupt_exif() -> bytes:
    buffer = io.BytesIO()
    exif = b"Exif\0\0II*\0\x08\0\0\0\xff\xff"  # an IFD claiming 65535 entries
    Image.new("RGB", (16, 16), (200, 30, 30)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def _refusal_is_one_line(error: RestorerError, name: str) -> None:
    text = str(error)
    assert "\n" not in text and len(text) < 400
    assert name in text


def test_a_few_hundred_mutated_files_open_or_are_refused_cleanly(tmp_path, capfd):
    opened = refused = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning escaping the loader fails the test
        for index, (fmt, data) in enumerate(mutated(300, seed=14)):
            path = tmp_path / f"fuzz{index}.{fmt}"
            path.write_bytes(data)
            try:
                photo = load_image(path)
            except (ImageReadError, ImageTooLargeError) as error:
                _refusal_is_one_line(error, path.name)
                refused += 1
                continue
            assert photo.rgb.dtype == np.uint8 and photo.rgb.ndim == 3
            assert photo.rgb.shape[2] == 3
            opened += 1
    assert opened + refused == 300
    assert opened > 30 and refused > 30  # the mutations reach both outcomes
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # nothing printed by Pillow, libtiff or us


def test_mutated_masks_load_or_are_refused_cleanly(tmp_path):
    for index, (fmt, data) in enumerate(mutated(60, seed=41)):
        path = tmp_path / f"mask{index}.{fmt}"
        path.write_bytes(data)
        try:
            mask = load_mask(path)
        except RestorerError as error:
            _refusal_is_one_line(error, path.name)
        else:
            assert mask.dtype == bool and mask.ndim == 2


@pytest.mark.parametrize(
    ("name", "data", "detail"),
    [
        ("short-ihdr.png", _png(ihdr=struct.pack(">II", 64, 64)), "IHDR"),
        ("short-trns.png", _png(extra=_chunk(b"tRNS", b"\0")), "tRNS"),
        ("width-ascii.tif", _tiff_with_width_type(2), "dimensions"),
        ("width-rational.tif", _tiff_with_width_type(5), "corrupt"),
    ],
)
def test_the_corrupt_files_that_escaped_are_refused_with_one_line(tmp_path, name, data, detail):
    path = tmp_path / name
    path.write_bytes(data)
    for read in (load_image, load_mask, image_info):
        with pytest.raises(ImageReadError, match=detail) as caught:
            read(path)
        _refusal_is_one_line(caught.value, name)


def test_a_huge_chunk_length_is_not_a_memory_error_under_a_memory_limit(tmp_path):
    """IDAT length 0xFFFFFFFF made Python allocate 4 GiB before reading: under an
    address-space limit that was a MemoryError traceback."""
    path = tmp_path / "idat.png"
    path.write_bytes(_png(idat_length=0xFFFFFFFF))
    script = textwrap.dedent(
        f"""
        import resource, json
        import psutil
        from restorer.imageio import load_image
        from restorer.errors import RestorerError
        vms = psutil.Process().memory_info().vms
        resource.setrlimit(resource.RLIMIT_AS, (vms + 600 * 2**20, vms + 600 * 2**20))
        try:
            photo = load_image({str(path)!r})
            print(json.dumps(["opened", list(photo.rgb.shape)]))
        except RestorerError as error:
            print(json.dumps(["refused", str(error)]))
        """
    )
    result = _python(script)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome[0] in ("opened", "refused")
    assert result.stderr == ""


def test_decoder_warnings_do_not_reach_stderr_and_open_the_photo(tmp_path, capfd, caplog):
    path = tmp_path / "bad-exif.jpg"
    path.write_bytes(_jpeg_with_corrupt_exif())
    caplog.set_level("INFO", logger="restorer.imageio")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        photo = load_image(path)
    assert photo.rgb.shape == (16, 16, 3)
    assert capfd.readouterr().err == ""
    assert any("bad-exif.jpg" in record.getMessage() for record in caplog.records)


def test_libtiff_messages_on_fd_2_are_folded_into_the_one_line(tmp_path, capfd):
    path = tmp_path / "damaged.tif"
    path.write_bytes(_corrupt_lzw_tiff())
    with pytest.raises(ImageReadError) as caught:
        load_image(path)
    _refusal_is_one_line(caught.value, "damaged.tif")
    assert "the decoder said:" in str(caught.value)
    assert capfd.readouterr().err == ""
    # fd 2 is ours again afterwards
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"


@pytest.mark.parametrize("name", sorted(bombs()))
def test_every_kind_of_bomb_is_refused_before_decoding(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(bombs()[name])
    with pytest.raises(ImageTooLargeError, match="megapixels|bomb") as caught:
        load_image(path)
    _refusal_is_one_line(caught.value, name)


def test_bombs_are_refused_within_100_mb_of_memory(tmp_path):
    """In a process allowed 100 MB more than it holds, every bomb is refused (the
    decode was never started) and a small photo still opens."""
    for name, data in bombs().items():
        (tmp_path / name).write_bytes(data)
    Image.new("RGB", (300, 200), (1, 2, 3)).save(tmp_path / "small.png")
    script = textwrap.dedent(
        f"""
        import json, resource, pathlib
        import psutil
        from restorer.imageio import load_image
        from restorer.errors import ImageTooLargeError
        folder = pathlib.Path({str(tmp_path)!r})
        vms = psutil.Process().memory_info().vms
        resource.setrlimit(resource.RLIMIT_AS, (vms + 100 * 2**20, vms + 100 * 2**20))
        outcome = {{}}
        for path in sorted(folder.iterdir()):
            try:
                outcome[path.name] = list(load_image(path).rgb.shape)
            except ImageTooLargeError as error:
                outcome[path.name] = "refused"
        print(json.dumps(outcome))
        """
    )
    result = _python(script)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome.pop("small.png") == [200, 300, 3]
    assert set(outcome.values()) == {"refused"} and len(outcome) == len(bombs())


def test_the_limit_is_250_megapixels_and_pillow_agrees():
    assert MAX_PIXELS == 250_000_000
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS


def test_a_108_megapixel_photo_is_not_refused(tmp_path):
    """12 000 x 9 000 (medium format, 1 200 dpi scans) was refused at Pillow's 89.5 MP."""
    from tests.engine.fuzzing import jpeg_bomb

    path = tmp_path / "medium-format.jpg"
    path.write_bytes(jpeg_bomb(12_000, 9_000) + bytes(20_000))  # a header of that size
    assert image_info(path) == (12_000, 9_000)
    path = tmp_path / "scan.png"
    Image.new("1", (12_000, 9_000)).save(path)
    assert image_info(path) == (12_000, 9_000)


def test_a_photo_larger_than_free_memory_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "large.png"
    Image.new("1", (6_000, 5_000)).save(path)  # 30 MP: needs about 360 MB to open
    script = textwrap.dedent(
        f"""
        import resource
        import psutil
        from restorer.imageio import load_image
        from restorer.errors import ImageTooLargeError
        vms = psutil.Process().memory_info().vms
        resource.setrlimit(resource.RLIMIT_AS, (vms + 150 * 2**20, vms + 150 * 2**20))
        try:
            load_image({str(path)!r})
        except ImageTooLargeError as error:
            print(error)
        """
    )
    result = _python(script)
    assert result.returncode == 0, result.stderr
    assert "needs about" in result.stdout and "GB is free" in result.stdout


def _python(script: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.mark.parametrize(("fmt", "name"), [("EPS", "holiday.jpg"), ("GIF", "scan.png")])
def test_formats_the_app_does_not_open_are_refused_whatever_their_name(tmp_path, fmt, name):
    """Pillow would open an EPS by running Ghostscript: a file is only ever handed to
    the readers of the formats Restorer opens."""
    path = tmp_path / name
    Image.new("RGB", (8, 8), (1, 2, 3)).save(path, fmt)
    with pytest.raises(ImageReadError, match="could not be read as an image"):
        load_image(path)
