"""Geometric changes of a whole photo: rotate 90°, flip, crop, resize, straighten.

Each change is a small value (`Rotate90`, `Flip`, `Crop`, `Resize`, `Straighten`) that
applies to any array laid out as HxW or HxWxC — the RGBA photo and its coverage mask
go through the same change, so the mask stays on what it covered. Plain numpy and
OpenCV: the window runs them in a job (`restorer.workflows.transform`), the tests
directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from restorer.errors import RestorerError
from restorer.geometry import Box

MAX_STRAIGHTEN_DEGREES = 45.0


class TransformError(RestorerError):
    """A crop, resize or straighten that cannot be done (a message a person can read)."""


def _cv2():
    import cv2

    return cv2


@dataclass(frozen=True)
class Rotate90:
    """A quarter turn, clockwise (right) or counter-clockwise (left)."""

    clockwise: bool = True

    def size(self, height: int, width: int) -> tuple[int, int]:
        return width, height

    def apply(self, array: np.ndarray, is_mask: bool = False) -> np.ndarray:
        return np.ascontiguousarray(np.rot90(array, -1 if self.clockwise else 1, axes=(0, 1)))

    def text(self) -> str:
        return "Rotate 90° " + ("right" if self.clockwise else "left")


@dataclass(frozen=True)
class Flip:
    """A mirror image, left-right (horizontal) or top-bottom (vertical)."""

    horizontal: bool = True

    def size(self, height: int, width: int) -> tuple[int, int]:
        return height, width

    def apply(self, array: np.ndarray, is_mask: bool = False) -> np.ndarray:
        flipped = array[:, ::-1] if self.horizontal else array[::-1]
        return np.ascontiguousarray(flipped)

    def text(self) -> str:
        return "Flip " + ("horizontal" if self.horizontal else "vertical")


@dataclass(frozen=True)
class Crop:
    """Keep `box` (top, left, bottom, right in photo pixels) and drop the rest."""

    box: Box

    def check(self, height: int, width: int) -> None:
        box = self.box
        if box.is_empty or box.top < 0 or box.left < 0 or box.bottom > height or box.right > width:
            raise TransformError(
                f"The crop {box.width} × {box.height} px at ({box.left}, {box.top}) does not "
                f"lie inside the {width} × {height} px photo."
            )

    def size(self, height: int, width: int) -> tuple[int, int]:
        return self.box.height, self.box.width

    def apply(self, array: np.ndarray, is_mask: bool = False) -> np.ndarray:
        self.check(array.shape[0], array.shape[1])
        return np.ascontiguousarray(array[self.box.slices])

    def text(self) -> str:
        return f"Crop to {self.box.width} × {self.box.height} px"


@dataclass(frozen=True)
class Resize:
    """Scale to `width` × `height` (Lanczos for the photo; the mask keeps soft edges)."""

    width: int
    height: int

    def size(self, height: int, width: int) -> tuple[int, int]:
        return self.height, self.width

    def apply(self, array: np.ndarray, is_mask: bool = False) -> np.ndarray:
        if self.width < 1 or self.height < 1:
            raise TransformError("The new size must be at least 1 × 1 px.")
        cv2 = _cv2()
        if array.shape[:2] == (self.height, self.width):
            return array.copy()
        shrinking = self.width * self.height < array.shape[0] * array.shape[1]
        if is_mask:
            method = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
        else:
            method = cv2.INTER_AREA if shrinking else cv2.INTER_LANCZOS4
        return cv2.resize(array, (self.width, self.height), interpolation=method)

    def text(self) -> str:
        return f"Resize to {self.width} × {self.height} px"


def inner_rectangle(height: int, width: int, degrees: float) -> tuple[int, int]:
    """(height, width) of the largest axis-aligned rectangle inside a `width` × `height`
    rectangle turned by `degrees` (centred on it): what straightening can keep."""
    angle = math.radians(abs(degrees)) % math.pi
    if angle > math.pi / 2:
        angle = math.pi - angle
    if width <= 0 or height <= 0:
        return 0, 0
    sin, cos = math.sin(angle), math.cos(angle)
    long_side, short_side = max(width, height), min(width, height)
    if short_side <= 2 * sin * cos * long_side or abs(sin - cos) < 1e-10:
        # Half constrained: two corners of the inner rectangle touch the longer side.
        half = 0.5 * short_side
        if width >= height:
            inner_w, inner_h = half / sin, half / cos
        else:
            inner_w, inner_h = half / cos, half / sin
    else:
        cos_2a = cos * cos - sin * sin
        inner_w = (width * cos - height * sin) / cos_2a
        inner_h = (height * cos - width * sin) / cos_2a
    return max(1, int(math.floor(inner_h + 1e-6))), max(1, int(math.floor(inner_w + 1e-6)))


@dataclass(frozen=True)
class Straighten:
    """Turn the photo by `degrees` (positive: counter-clockwise, as a horizon that falls
    to the right is lifted) and crop to the largest rectangle with no empty corners."""

    degrees: float

    def check(self) -> None:
        if not abs(self.degrees) <= MAX_STRAIGHTEN_DEGREES:
            raise TransformError(
                f"Straighten turns by at most {MAX_STRAIGHTEN_DEGREES:g}°; "
                f"use Rotate 90° for larger turns."
            )

    def size(self, height: int, width: int) -> tuple[int, int]:
        return inner_rectangle(height, width, self.degrees)

    def apply(self, array: np.ndarray, is_mask: bool = False) -> np.ndarray:
        self.check()
        height, width = array.shape[:2]
        if self.degrees == 0:
            return array.copy()
        cv2 = _cv2()
        inner_h, inner_w = self.size(height, width)
        centre = ((width - 1) / 2, (height - 1) / 2)
        matrix = cv2.getRotationMatrix2D(centre, self.degrees, 1.0)
        # Move the photo's centre to the centre of the (smaller) output.
        matrix[0, 2] += (inner_w - 1) / 2 - centre[0]
        matrix[1, 2] += (inner_h - 1) / 2 - centre[1]
        method = cv2.INTER_LINEAR if is_mask else cv2.INTER_CUBIC
        return cv2.warpAffine(
            array,
            matrix,
            (inner_w, inner_h),
            flags=method,
            borderMode=cv2.BORDER_REPLICATE,
        )

    def text(self) -> str:
        return f"Straighten by {self.degrees:+.1f}°"


Transform = Rotate90 | Flip | Crop | Resize | Straighten


def transform_photo(
    pixels: np.ndarray, mask: np.ndarray | None, change: Transform
) -> tuple[np.ndarray, np.ndarray | None]:
    """Apply `change` to the photo (HxWxC) and its mask (HxW, or None) alike."""
    new_pixels = change.apply(pixels)
    new_mask = None if mask is None else change.apply(mask, is_mask=True)
    return new_pixels, new_mask


def ratio_box(height: int, width: int, ratio: float | None, box: Box | None = None) -> Box:
    """The largest box of `ratio` (width / height) centred on `box` (default: the photo)
    that fits inside `box`; with no ratio, `box` itself."""
    box = box or Box(0, 0, height, width)
    if ratio is None or ratio <= 0:
        return box
    new_w = min(box.width, max(1, round(box.height * ratio)))
    new_h = min(box.height, max(1, round(new_w / ratio)))
    new_w = min(box.width, max(1, round(new_h * ratio)))
    top = box.top + (box.height - new_h) // 2
    left = box.left + (box.width - new_w) // 2
    return Box(top, left, top + new_h, left + new_w)


def horizon_angle(x0: float, y0: float, x1: float, y1: float) -> float:
    """The `Straighten` angle that makes the line (x0, y0)–(x1, y1) level (or plumb, for a
    line closer to vertical), in image coordinates (y down)."""
    dx, dy = x1 - x0, y1 - y0
    if dx == 0 and dy == 0:
        return 0.0
    degrees = math.degrees(math.atan2(dy, dx))  # clockwise tilt as seen on screen
    # The nearest of level (0°, 180°) or plumb (±90°).
    nearest = round(degrees / 90) * 90
    return degrees - nearest
