"""Undo records that hold only what changed: a rectangle and the values inside it.

`MaskEdit` keeps a coverage mask rectangle (0..255) before and after, zlib-compressed in
bands of rows: masks are long runs of 0 and 255, so a stroke's record costs a few
percent of its area, and a large edit can be applied band by band.
`PixelEdit` keeps, for a rectangle of an image, which pixels changed (packed bits) and
their old and new values only, so a repair of a few scattered spots on a 24-megapixel
photo costs kilobytes, not a copy of the photo. Both apply by assignment (not by
difference), so undoing and redoing in any order the undo stack allows is exact.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from restorer.geometry import Box, bounding_box

BAND_ROWS = 64  # rows per compressed band of a mask edit


def _pack(bits: np.ndarray) -> np.ndarray:
    return np.packbits(np.asarray(bits, dtype=bool).ravel())


def _unpack(packed: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    count = shape[0] * shape[1]
    return np.unpackbits(packed, count=count).reshape(shape)


@dataclass(frozen=True)
class MaskEdit:
    """A rectangle of a coverage mask (uint8), before and after an edit."""

    box: Box
    before: tuple[bytes, ...]  # zlib-compressed bands of BAND_ROWS rows
    after: tuple[bytes, ...]

    @classmethod
    def from_arrays(cls, box: Box, before: np.ndarray, after: np.ndarray) -> MaskEdit | None:
        """Record the change of `box` from `before` to `after` (uint8 or bool arrays).

        Bool arrays mean 0/255. The box is shrunk to the pixels that really differ;
        None when none do.
        """
        before = _coverage(before)
        after = _coverage(after)
        changed = bounding_box(before != after)
        if changed is None:
            return None
        inner = changed.slices
        box = changed.placed_in(box)
        return cls(box, _squeeze(before[inner]), _squeeze(after[inner]))

    def _write(self, mask: np.ndarray, bands: tuple[bytes, ...], start: int, end: int) -> Box:
        box = self.box
        start, end = max(start, box.top), min(end, box.bottom)
        for index in range((start - box.top) // BAND_ROWS, (end - box.top - 1) // BAND_ROWS + 1):
            top = box.top + index * BAND_ROWS
            values = np.frombuffer(zlib.decompress(bands[index]), np.uint8)
            values = values.reshape(-1, box.width)
            first, last = max(start, top), min(end, top + values.shape[0])
            mask[first:last, box.left : box.right] = values[first - top : last - top]
        return Box(start, box.left, end, box.right)

    def undo(self, mask: np.ndarray) -> Box:
        """Put the old values back into `mask`; returns the box touched."""
        return self._write(mask, self.before, self.box.top, self.box.bottom)

    def redo(self, mask: np.ndarray) -> Box:
        """Put the new values into `mask`; returns the box touched."""
        return self._write(mask, self.after, self.box.top, self.box.bottom)

    def redo_rows(self, mask: np.ndarray, start: int, end: int) -> Box:
        """Put the new values of image rows start..end into `mask` (for writing in steps)."""
        return self._write(mask, self.after, start, end)

    def undo_rows(self, mask: np.ndarray, start: int, end: int) -> Box:
        """Put the old values of image rows start..end back into `mask` (in steps)."""
        return self._write(mask, self.before, start, end)

    @property
    def nbytes(self) -> int:
        return sum(map(len, self.before)) + sum(map(len, self.after))


def _coverage(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values)
    if values.dtype == bool:
        return values.view(np.uint8) * np.uint8(255)
    return values.astype(np.uint8, copy=False)


def _squeeze(values: np.ndarray) -> tuple[bytes, ...]:
    """Compress in bands of rows, so part of a large edit can be applied on its own."""
    return tuple(
        zlib.compress(np.ascontiguousarray(values[row : row + BAND_ROWS]).tobytes(), 1)
        for row in range(0, values.shape[0], BAND_ROWS)
    )


@dataclass(frozen=True)
class PixelEdit:
    """The pixels of an image rectangle that an edit changed, with old and new values."""

    box: Box
    where: np.ndarray  # packed bits over the box: which pixels changed
    before: np.ndarray  # N x C values of those pixels before
    after: np.ndarray  # N x C values after

    @classmethod
    def from_arrays(cls, box: Box, before: np.ndarray, after: np.ndarray) -> PixelEdit | None:
        """Record the change of an HxWxC rectangle `box` from `before` to `after`.

        Only differing pixels are stored; None when the two are equal.
        """
        if before.shape != after.shape:
            raise ValueError(f"before {before.shape} and after {after.shape} differ in shape")
        differ = before != after
        if differ.ndim == 3:
            differ = differ.any(axis=2)
        changed = bounding_box(differ)
        if changed is None:
            return None
        inner = changed.slices
        differ = differ[inner]
        box = changed.placed_in(box)
        return cls(box, _pack(differ), before[inner][differ].copy(), after[inner][differ].copy())

    def _changed(self) -> np.ndarray:
        return _unpack(self.where, (self.box.height, self.box.width)).view(bool)

    def redo_rows(self, pixels: np.ndarray, start: int, end: int, offset: int) -> tuple[Box, int]:
        """Write the new values of the box's rows start..end only (for writing in steps).

        `offset` is how many changed pixels lie in the rows before `start` (0 for the
        first band; each call returns the offset for the next band).
        """
        return self._write_rows(pixels, self.after, start, end, offset)

    def undo_rows(self, pixels: np.ndarray, start: int, end: int, offset: int) -> tuple[Box, int]:
        """Write the old values of the box's rows start..end back (see `redo_rows`)."""
        return self._write_rows(pixels, self.before, start, end, offset)

    def _write_rows(
        self, pixels: np.ndarray, values: np.ndarray, start: int, end: int, offset: int
    ) -> tuple[Box, int]:
        box = self.box
        width = box.width
        first_bit, last_bit = (start - box.top) * width, (end - box.top) * width
        packed = self.where[first_bit // 8 : (last_bit + 7) // 8]
        skip = first_bit % 8
        bits = np.unpackbits(packed, count=skip + last_bit - first_bit)[skip:].view(bool)
        changed = bits.reshape(end - start, width)
        count = int(np.count_nonzero(changed))
        band = Box(start, box.left, end, box.right)
        region = pixels[band.slices]
        region[changed] = values[offset : offset + count]
        return band, offset + count

    def undo(self, pixels: np.ndarray) -> Box:
        """Write the old values back into `pixels` (HxWxC, may be a channel view)."""
        region = pixels[self.box.slices]
        region[self._changed()] = self.before
        return self.box

    def redo(self, pixels: np.ndarray) -> Box:
        """Write the new values into `pixels`."""
        region = pixels[self.box.slices]
        region[self._changed()] = self.after
        return self.box

    @property
    def nbytes(self) -> int:
        return int(self.where.nbytes + self.before.nbytes + self.after.nbytes)
