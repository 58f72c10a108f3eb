"""Rectangles of pixels, as plain values.

A `Box` is (top, left, bottom, right) with bottom/right exclusive, the same order as
`restorer.jobs.changed_box` and `PatchResult.box`, so the two mix freely.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Box(NamedTuple):
    """A rectangle of pixel rows [top, bottom) and columns [left, right)."""

    top: int
    left: int
    bottom: int
    right: int

    @property
    def height(self) -> int:
        return max(0, self.bottom - self.top)

    @property
    def width(self) -> int:
        return max(0, self.right - self.left)

    @property
    def is_empty(self) -> bool:
        return self.height == 0 or self.width == 0

    @property
    def area(self) -> int:
        return self.height * self.width

    @property
    def slices(self) -> tuple[slice, slice]:
        """Index an HxW(xC) array with `array[box.slices]`."""
        return slice(self.top, self.bottom), slice(self.left, self.right)

    def union(self, other: Box | None) -> Box:
        """The smallest box holding both (an empty box adds nothing)."""
        if other is None or other.is_empty:
            return self
        if self.is_empty:
            return Box(*other)
        return Box(
            min(self.top, other.top),
            min(self.left, other.left),
            max(self.bottom, other.bottom),
            max(self.right, other.right),
        )

    def intersect(self, other: Box) -> Box:
        """The common part (possibly empty)."""
        top, left = max(self.top, other.top), max(self.left, other.left)
        bottom, right = min(self.bottom, other.bottom), min(self.right, other.right)
        return Box(top, left, max(top, bottom), max(left, right))

    def clip(self, height: int, width: int) -> Box:
        """This box limited to an image of `height` x `width`."""
        return self.intersect(Box(0, 0, height, width))

    def pad(self, amount: int) -> Box:
        return Box(self.top - amount, self.left - amount, self.bottom + amount, self.right + amount)

    def relative_to(self, outer: Box) -> Box:
        """This box in the coordinates of `outer`'s top-left corner."""
        return Box(
            self.top - outer.top,
            self.left - outer.left,
            self.bottom - outer.top,
            self.right - outer.left,
        )

    def placed_in(self, outer: Box) -> Box:
        """This box, given in `outer`'s coordinates, in the coordinates `outer` is in
        (the inverse of `relative_to`)."""
        return Box(
            self.top + outer.top,
            self.left + outer.left,
            self.bottom + outer.top,
            self.right + outer.left,
        )

    def halved(self) -> Box:
        """The box covering this one on an image of half the size (one pyramid level up)."""
        return Box(self.top // 2, self.left // 2, -(-self.bottom // 2), -(-self.right // 2))


def bounding_box(mask: np.ndarray) -> Box | None:
    """The box around the non-zero pixels of a 2-D array, or None when there are none."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return Box(int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1)
