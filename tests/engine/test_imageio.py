"""Loading and saving: every format, metadata, odd modes, and every kind of bad file."""

from __future__ import annotations

import io
import os
import stat

import numpy as np
import pytest
from PIL import Image, ImageCms

from restorer.errors import ImageReadError, ImageTooLargeError, ImageWriteError, MaskError
from restorer.imageio import (
    image_info,
    load_image,
    load_mask,
    save_image,
    save_mask,
    save_photo,
)
from tests.support.helpers import gradient_photo

FORMATS = [("png", "PNG"), ("jpg", "JPEG"), ("tif", "TIFF"), ("webp", "WEBP"), ("bmp", "BMP")]


@pytest.mark.parametrize(("ext", "fmt"), FORMATS)
def test_every_format_round_trips(tmp_path, ext, fmt):
    rgb = gradient_photo()
    path = save_image(tmp_path / f"photo.{ext}", rgb, quality=100)
    photo = load_image(path)
    assert photo.format == fmt
    assert photo.rgb.shape == rgb.shape and photo.rgb.dtype == np.uint8
    if fmt in ("PNG", "TIFF", "BMP"):
        assert np.array_equal(photo.rgb, rgb)
    else:  # lossy formats stay close
        assert np.abs(photo.rgb.astype(int) - rgb).mean() < 4


def _exif_with_orientation(value: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = value
    exif[0x010F] = "Restorer Test Camera"
    return exif.tobytes()


def test_exif_orientation_is_applied_and_reset(tmp_path):
    rgb = np.zeros((20, 40, 3), np.uint8)
    rgb[:, :10] = (255, 0, 0)  # red band on the left of the stored pixels
    path = tmp_path / "rotated.jpg"
    Image.fromarray(rgb).save(path, exif=_exif_with_orientation(6), quality=100)
    photo = load_image(path)
    # Orientation 6 means "rotate 90° clockwise to display": the photo is now tall,
    # and the red band is at the top.
    assert photo.rgb.shape[:2] == (40, 20)
    assert photo.rgb[:5, :, 0].mean() > 200 and photo.rgb[-5:, :, 0].mean() < 60
    assert image_info(path) == (20, 40)
    # The orientation tag is reset to 1 so a saved copy is not rotated twice; other tags stay.
    saved = save_photo(tmp_path / "out.jpg", photo)
    exif = Image.open(saved).getexif()
    assert exif[0x0112] == 1
    assert exif[0x010F] == "Restorer Test Camera"
    assert load_image(saved).rgb.shape[:2] == (40, 20)


def test_icc_profile_is_kept(tmp_path):
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = tmp_path / "with_icc.png"
    Image.fromarray(gradient_photo()).save(path, icc_profile=icc)
    photo = load_image(path)
    assert photo.icc == icc
    for ext in ("jpg", "png", "tif", "webp"):
        out = save_photo(tmp_path / f"copy.{ext}", photo)
        assert Image.open(out).info.get("icc_profile") == icc, ext


def test_alpha_is_kept(tmp_path):
    rgba = np.dstack([gradient_photo(), np.full((96, 128), 255, np.uint8)])
    rgba[10:30, 10:30, 3] = 0
    path = tmp_path / "alpha.png"
    Image.fromarray(rgba, "RGBA").save(path)
    photo = load_image(path)
    assert photo.alpha is not None
    assert np.array_equal(photo.alpha, rgba[:, :, 3])
    back = load_image(save_photo(tmp_path / "alpha_copy.png", photo))
    assert np.array_equal(back.alpha, rgba[:, :, 3])
    assert np.array_equal(back.rgb, rgba[:, :, :3])
    # JPEG cannot hold alpha: it is dropped, the colours are kept.
    jpeg = load_image(save_photo(tmp_path / "alpha.jpg", photo))
    assert jpeg.alpha is None


def test_opaque_alpha_is_dropped(tmp_path):
    rgba = np.dstack([gradient_photo(), np.full((96, 128), 255, np.uint8)])
    path = tmp_path / "opaque.png"
    Image.fromarray(rgba, "RGBA").save(path)
    assert load_image(path).alpha is None


def test_sixteen_bit_gray_is_scaled(tmp_path):
    ramp = (np.arange(256 * 8, dtype=np.uint32).reshape(8, 256) * 32).astype(np.uint16)
    path = tmp_path / "deep.png"
    Image.fromarray(ramp).save(path)
    photo = load_image(path)
    assert photo.bits_per_channel == 16
    assert photo.rgb.shape == (8, 256, 3)
    expected = np.round(ramp.astype(np.float64) * 255 / 65535).astype(np.uint8)
    assert np.abs(photo.rgb[:, :, 0].astype(int) - expected).max() <= 1
    assert np.array_equal(photo.rgb[:, :, 0], photo.rgb[:, :, 2])


def test_palette_with_transparency(tmp_path):
    palette_image = Image.new("P", (16, 8))
    palette_image.putpalette([255, 0, 0, 0, 0, 255] + [0] * (256 * 3 - 6))
    pixels = np.zeros((8, 16), np.uint8)
    pixels[:, 8:] = 1
    palette_image.putdata(pixels.ravel().tolist())
    palette_image.info["transparency"] = 1
    path = tmp_path / "palette.png"
    palette_image.save(path, transparency=1)
    photo = load_image(path)
    assert tuple(photo.rgb[0, 0]) == (255, 0, 0)
    assert photo.alpha is not None and photo.alpha[0, 12] == 0 and photo.alpha[0, 2] == 255


def test_cmyk_and_grayscale_become_rgb(tmp_path):
    cmyk = Image.new("CMYK", (10, 10), (0, 255, 255, 0))  # pure red in CMYK
    cmyk.save(tmp_path / "cmyk.jpg", quality=100)
    photo = load_image(tmp_path / "cmyk.jpg")
    red = photo.rgb[5, 5].astype(int)
    assert red[0] > 200 and red[1] < 60 and red[2] < 60
    Image.new("L", (10, 10), 77).save(tmp_path / "gray.png")
    gray = load_image(tmp_path / "gray.png")
    assert gray.rgb.shape == (10, 10, 3) and (gray.rgb == 77).all()


# -- bad files -----------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(ImageReadError, match="No such file"):
        load_image(tmp_path / "nope.jpg")


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(ImageReadError, match="folder"):
        load_image(tmp_path)


def test_not_an_image(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("this is a shopping list, not a photo")
    with pytest.raises(ImageReadError, match="could not be read as an image"):
        load_image(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(ImageReadError):
        load_image(path)


@pytest.mark.parametrize("ext", ["png", "jpg", "webp", "tif"])
def test_truncated_file(tmp_path, ext):
    full = save_image(tmp_path / f"full.{ext}", gradient_photo(160, 160))
    data = full.read_bytes()
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageReadError, match=r"truncated|corrupt|cannot|Could not"):
        load_image(cut)


def test_corrupt_png_body(tmp_path):
    full = save_image(tmp_path / "full.png", gradient_photo(160, 160))
    data = bytearray(full.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)
    bad = tmp_path / "bad.png"
    bad.write_bytes(bytes(data))
    with pytest.raises(ImageReadError):
        load_image(bad)


def test_decompression_bomb_is_refused_before_decoding(tmp_path):
    # A 1-bit PNG claiming 30000x30000 pixels is a few kilobytes on disk.
    bomb = Image.new("1", (30000, 30000))
    path = tmp_path / "bomb.png"
    bomb.save(path, optimize=True)
    assert os.path.getsize(path) < 2_000_000
    with pytest.raises(ImageTooLargeError, match="megapixels|too large"):
        load_image(path, max_pixels=100_000_000)


def test_max_pixels_limit(tmp_path):
    path = save_image(tmp_path / "photo.png", gradient_photo(100, 100))
    with pytest.raises(ImageTooLargeError, match="megapixels"):
        load_image(path, max_pixels=5000)


# -- saving ----------------------------------------------------------------------


def test_save_unknown_extension(tmp_path):
    with pytest.raises(ImageWriteError, match=r"\.xyz"):
        save_image(tmp_path / "photo.xyz", gradient_photo())
    assert not list(tmp_path.iterdir())


def test_save_into_missing_folder(tmp_path):
    with pytest.raises(ImageWriteError, match="does not exist"):
        save_image(tmp_path / "missing" / "photo.png", gradient_photo())


def test_failed_save_keeps_previous_file_and_leaves_no_temp(tmp_path, monkeypatch):
    target = save_image(tmp_path / "photo.png", gradient_photo(seed=1))
    before = target.read_bytes()

    def broken_save(self, fp, format=None, **params):
        fp.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(Image.Image, "save", broken_save)
    with pytest.raises(ImageWriteError, match="disk full"):
        save_image(target, gradient_photo(seed=2))
    monkeypatch.undo()
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["photo.png"]


def test_save_keeps_permissions_of_replaced_file(tmp_path):
    target = save_image(tmp_path / "photo.png", gradient_photo())
    os.chmod(target, 0o640)
    save_image(target, gradient_photo(seed=3))
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640


# -- masks -----------------------------------------------------------------------


def test_mask_round_trip(tmp_path):
    mask = np.zeros((30, 40), bool)
    mask[5:10, 7:20] = True
    path = save_mask(tmp_path / "mask.png", mask)
    assert np.array_equal(load_mask(path, shape=(30, 40)), mask)


def test_mask_kinds(tmp_path):
    zero_one = np.zeros((8, 8), np.uint8)
    zero_one[2:4, 2:4] = 1
    Image.fromarray(zero_one).save(tmp_path / "01.png")
    assert load_mask(tmp_path / "01.png").sum() == 4
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[5:7, 5:7, 3] = 255  # alpha-only mask, as some editors export
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    assert load_mask(tmp_path / "alpha.png").sum() == 4


def test_mask_of_wrong_size(tmp_path):
    path = save_mask(tmp_path / "mask.png", np.ones((10, 10), bool))
    with pytest.raises(MaskError, match="10x10.*same size"):
        load_mask(path, shape=(20, 30))


def test_mask_must_be_png(tmp_path):
    with pytest.raises(ImageWriteError, match="PNG"):
        save_mask(tmp_path / "mask.jpg", np.ones((4, 4), bool))


def test_corrupt_mask(tmp_path):
    path = tmp_path / "mask.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    with pytest.raises(ImageReadError):
        load_mask(path)


def test_in_memory_bytes_are_not_needed(tmp_path):
    # load_image takes paths; a BytesIO is a programming error, not a user error.
    with pytest.raises(TypeError):
        load_image(io.BytesIO(b""))  # type: ignore[arg-type]
