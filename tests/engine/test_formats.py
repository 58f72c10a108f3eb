"""HEIC, camera RAW and 16-bit photos: read, repaired, saved without losing a bit."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
from PIL import Image

from restorer import api
from restorer.errors import ImageReadError, ImageWriteError
from restorer.formats import repaired
from restorer.formats.deep import lift, to_view8
from restorer.imageio import load_image, save_image, save_photo

ICC = b"\x00\x00\x01\x00fake-icc-profile" * 8
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/>restorer-test</x:xmpmeta>'


def scan16(height: int = 64, width: int = 96) -> np.ndarray:
    """A 16-bit scan: smooth colour gradients with fine grain below one 8-bit step."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    base = np.dstack([8000 + 40 * x, 20000 + 30 * y, 40000 - 20 * (x + y)])
    grain = np.random.default_rng(1).integers(-60, 60, base.shape)
    return np.clip(base + grain, 0, 65535).astype(np.uint16)


def block_mask(height: int = 64, width: int = 96) -> np.ndarray:
    mask = np.zeros((height, width), bool)
    mask[20:36, 30:54] = True
    return mask


def test_16bit_tiff_round_trip_keeps_every_unmasked_value(tmp_path):
    original = scan16()
    source = tmp_path / "scan.tif"
    tifffile.imwrite(
        source, original, photometric="rgb", iccprofile=ICC, metadata=None,
        extratags=[(700, "B", len(XMP), XMP, True)],
    )  # fmt: skip
    photo = load_image(source)
    assert photo.bits_per_channel == 16
    assert np.array_equal(photo.rgb16, original)
    assert np.array_equal(photo.rgb, to_view8(original))
    assert photo.icc == ICC and photo.xmp == XMP

    mask = block_mask()
    result = api.inpaint(photo.rgb, mask, engine="telea")
    out = save_photo(tmp_path / "out.tif", repaired(photo, result, mask))

    again = load_image(out)
    assert again.rgb16 is not None and again.rgb16.dtype == np.uint16
    assert np.array_equal(again.rgb16[~mask], original[~mask])  # bit for bit
    assert np.array_equal(again.rgb[mask], result[mask])  # the engine's fill, at 8 bits
    fill = again.rgb16[mask]
    assert np.count_nonzero(fill % 257) > fill.size // 2  # full depth, not 8 bits * 257
    assert again.icc == ICC and again.xmp == XMP
    assert not np.array_equal(again.rgb16[mask], original[mask])


def test_16bit_png_with_alpha_and_metadata_round_trip(tmp_path):
    original = scan16(40, 50)
    alpha = np.full((40, 50), 65535, np.uint16)
    alpha[:, :10] = 12345
    exif = Image.Exif()
    exif[271] = "ScannerCo"
    import cv2

    cv2.imwrite(str(tmp_path / "plain.png"), np.dstack([original[:, :, ::-1], alpha]))
    photo = load_image(tmp_path / "plain.png")
    assert np.array_equal(photo.rgb16, original) and np.array_equal(photo.alpha16, alpha)
    photo.exif, photo.icc, photo.xmp = exif.tobytes(), ICC, XMP
    save_photo(tmp_path / "meta.png", photo)
    again = load_image(tmp_path / "meta.png")
    assert np.array_equal(again.rgb16, original) and np.array_equal(again.alpha16, alpha)
    assert again.icc == ICC and again.xmp == XMP
    assert Image.Exif().load(again.exif) is None or again.exif is not None
    with Image.open(tmp_path / "meta.png") as image:
        assert image.getexif()[271] == "ScannerCo"


@pytest.mark.parametrize("orientation", [2, 3, 4, 5, 6, 7, 8])
def test_16bit_orientation_matches_the_8bit_reading(tmp_path, orientation):
    deep = scan16(10, 14)
    deep[0, :3] = 65535  # a marked corner, so every turn and flip looks different
    turned = [(274, "H", 1, orientation, True)]
    tifffile.imwrite(
        tmp_path / "deep.tif", deep, photometric="rgb", metadata=None, extratags=turned
    )
    tifffile.imwrite(
        tmp_path / "view.tif", to_view8(deep), photometric="rgb", metadata=None, extratags=turned
    )
    photo = load_image(tmp_path / "deep.tif")
    expected = load_image(tmp_path / "view.tif").rgb  # Pillow turns 8-bit RGB correctly
    assert photo.rgb16 is not None
    assert np.array_equal(to_view8(photo.rgb16), expected)
    assert np.array_equal(photo.rgb, expected)


def test_16bit_gray_scan_stays_one_channel_of_16_bits(tmp_path):
    gray = scan16()[:, :, 1]
    tifffile.imwrite(tmp_path / "gray.tif", gray, metadata=None)
    photo = load_image(tmp_path / "gray.tif")
    assert np.array_equal(photo.rgb16[:, :, 0], gray) and photo.bits_per_channel == 16
    mask = block_mask()
    result = api.inpaint(photo.rgb, mask, engine="telea")
    for name in ("out.tif", "out.png"):
        save_photo(tmp_path / name, repaired(photo, result, mask))
        with Image.open(tmp_path / name) as image:
            assert image.mode.startswith("I;16")  # one channel, 16 bits
            pixels = np.asarray(image)
        assert np.array_equal(pixels[~mask], gray[~mask])


def test_lift_removes_banding_in_a_smooth_gradient():
    ramp = np.linspace(10000, 13000, 400)
    true = np.repeat(np.repeat(ramp[None, :, None], 100, 0), 3, 2)
    damaged = np.rint(true).astype(np.uint16)
    mask = np.zeros((100, 400), bool)
    mask[30:70, 100:300] = True
    fill8 = to_view8(damaged)  # the ideal 8-bit fill of the gradient
    damaged[mask] = 0
    lifted = lift(damaged, fill8, mask)
    assert np.array_equal(lifted[~mask], damaged[~mask])
    assert np.array_equal(to_view8(lifted)[mask], fill8[mask])
    steps = np.abs(np.diff(lifted[50, 100:300, 0].astype(int)))
    assert steps.max() < 64  # an 8-bit fill * 257 would step by 257
    error = lifted[mask].astype(float) - true[mask]
    assert np.sqrt((error**2).mean()) < 20  # naive * 257: about 74


def test_heic_read_and_write_keeps_pixels_and_metadata(tmp_path):
    pytest.importorskip("pillow_heif")
    y, x = np.mgrid[0:48, 0:64]
    rgb = np.dstack([x * 3, y * 4, np.full((48, 64), 90)]).astype(np.uint8)
    exif = Image.Exif()
    exif[271] = "PhoneCo"
    Image.fromarray(rgb).save(
        tmp_path / "phone.heic", format="HEIF", quality=95, exif=exif.tobytes()
    )
    photo = load_image(tmp_path / "phone.heic")
    assert photo.format == "HEIF" and photo.rgb.shape == (48, 64, 3)
    assert np.abs(photo.rgb.astype(int) - rgb).mean() < 4
    photo.xmp = XMP
    save_photo(tmp_path / "saved.heic", photo)
    again = load_image(tmp_path / "saved.heic")
    assert np.abs(again.rgb.astype(int) - rgb).mean() < 6
    assert again.xmp == XMP
    with Image.open(tmp_path / "saved.heic") as image:
        assert image.getexif()[271] == "PhoneCo"


def write_dng(path, height: int = 64, width: int = 96) -> None:
    """A minimal Bayer (RGGB) DNG, 12-bit, that LibRaw develops."""
    y, x = np.mgrid[0:height, 0:width]
    r, g, b = 600 + 30 * x, 900 + 40 * y, 400 + 10 * (x + y)
    cfa = np.where((y % 2 == 0) & (x % 2 == 0), r, np.where((y % 2 == 1) & (x % 2 == 1), b, g))
    tags = [
        (50706, "B", 4, (1, 4, 0, 0), True),  # DNGVersion
        (50708, "s", 0, "Restorer Test Camera", True),  # UniqueCameraModel
        (271, "s", 0, "RestorerCam", True),  # Make
        (33421, "H", 2, (2, 2), True),  # CFARepeatPatternDim
        (33422, "B", 4, (0, 1, 1, 2), True),  # CFAPattern: RGGB
        (50717, "I", 1, (4095,), True),  # WhiteLevel
        (50721, "2i", 9, (1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1), True),
        (50778, "H", 1, (21,), True),  # CalibrationIlluminant1: D65
        (50728, "2I", 3, (1, 1, 1, 1, 1, 1), True),  # AsShotNeutral
    ]
    tifffile.imwrite(path, cfa.astype(np.uint16), photometric=32803, extratags=tags, metadata=None)


def test_raw_dng_opens_as_16bit_and_saves_elsewhere_never_over_itself(tmp_path):
    pytest.importorskip("rawpy")
    source = tmp_path / "IMG_0001.dng"
    write_dng(source)
    before = source.read_bytes()
    photo = load_image(source)
    assert photo.format == "RAW" and photo.bits_per_channel == 16
    assert photo.rgb16.dtype == np.uint16 and photo.rgb16.shape == (64, 96, 3)
    assert np.array_equal(photo.rgb, to_view8(photo.rgb16))
    assert photo.rgb16[:, :, 0].std() > 100  # the red gradient came through development
    with pytest.raises(ImageWriteError):
        save_photo(source, photo)
    assert source.read_bytes() == before
    save_photo(tmp_path / "IMG_0001.tif", photo)
    assert np.array_equal(load_image(tmp_path / "IMG_0001.tif").rgb16, photo.rgb16)
    save_photo(tmp_path / "IMG_0001.jpg", photo)
    assert load_image(tmp_path / "IMG_0001.jpg").rgb.shape == (64, 96, 3)
    with Image.open(tmp_path / "IMG_0001.jpg") as jpeg:
        assert jpeg.getexif()[271] == "RestorerCam"  # the camera's EXIF came along


def test_damaged_raw_and_heic_give_one_clear_sentence(tmp_path):
    bad_raw = tmp_path / "broken.nef"
    bad_raw.write_bytes(b"not a raw file at all" * 20)
    bad_heic = tmp_path / "broken.heic"
    bad_heic.write_bytes(b"\x00\x00\x00\x18ftypheic" + b"\x00" * 50)
    for path in (bad_raw, bad_heic):
        with pytest.raises(ImageReadError) as caught:
            load_image(path)
        assert path.name in str(caught.value) and "\n" not in str(caught.value)


def test_8bit_photos_are_unchanged_by_the_16bit_path(tmp_path):
    rgb = (np.arange(30 * 40 * 3) % 256).astype(np.uint8).reshape(30, 40, 3)
    save_image(tmp_path / "eight.tif", rgb, xmp=XMP)
    photo = load_image(tmp_path / "eight.tif")
    assert photo.rgb16 is None and photo.bits_per_channel == 8 and photo.xmp == XMP
    save_photo(tmp_path / "again.png", photo)
    again = load_image(tmp_path / "again.png")
    assert np.array_equal(again.rgb, rgb) and again.xmp == XMP
