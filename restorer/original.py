"""The photo as it was opened, kept only where it has since changed (for before/after views).

Before any pixel of the working photo is written, `keep(pixels, box)` copies each
128x128 tile under `box` the first time it is touched. The original photo is then the
working photo with those tiles laid over it, so comparing costs memory only for the
parts that were repaired. `level(key, n)` gives a tile halved `n` times, matching the
zoom pyramid of the working photo (`restorer.pyramid`).
"""

from __future__ import annotations

import numpy as np

from restorer.geometry import Box
from restorer.pyramid import half_size

TILE = 128


class OriginalTiles:
    """Copies of the original photo's tiles that have been written over since."""

    def __init__(self, height: int, width: int) -> None:
        self.height = height
        self.width = width
        self.tiles: dict[tuple[int, int], np.ndarray] = {}
        self._levels: dict[tuple[int, int, int], np.ndarray] = {}

    def tile_box(self, key: tuple[int, int]) -> Box:
        row, col = key
        return Box(row * TILE, col * TILE, (row + 1) * TILE, (col + 1) * TILE).clip(
            self.height, self.width
        )

    def keys_in(self, box: Box) -> list[tuple[int, int]]:
        """Every tile position (kept or not) that `box` overlaps."""
        box = box.clip(self.height, self.width)
        if box.is_empty:
            return []
        return [
            (row, col)
            for row in range(box.top // TILE, (box.bottom - 1) // TILE + 1)
            for col in range(box.left // TILE, (box.right - 1) // TILE + 1)
        ]

    def keep(self, pixels: np.ndarray, box: Box) -> None:
        """Copy the tiles under `box` not kept yet (call before writing into `box`)."""
        for key in self.keys_in(box):
            if key not in self.tiles:
                self.tiles[key] = pixels[self.tile_box(key).slices].copy()

    def copies_for(
        self, pixels: np.ndarray, box: Box, kept: frozenset = frozenset()
    ) -> dict[tuple[int, int], np.ndarray]:
        """Copies of the tiles under `box` not in `kept` (made by a job, off the GUI
        thread; see `adopt`)."""
        return {
            key: pixels[self.tile_box(key).slices].copy()
            for key in self.keys_in(box)
            if key not in kept
        }

    def adopt(self, copies: dict[tuple[int, int], np.ndarray]) -> None:
        """Keep the tiles of `copies` not kept yet. The copies must show the photo as it
        is now (a tile not kept yet was never written, so it is still the original)."""
        for key, tile in copies.items():
            self.tiles.setdefault(key, tile)

    def kept_in(self, box: Box) -> list[tuple[int, int]]:
        """The kept tiles that overlap `box`."""
        if len(self.tiles) < 64:
            return [key for key in self.tiles if not self.tile_box(key).intersect(box).is_empty]
        return [key for key in self.keys_in(box) if key in self.tiles]

    def level(self, key: tuple[int, int], level: int) -> np.ndarray:
        """Tile `key` halved `level` times (cached)."""
        if level == 0:
            return self.tiles[key]
        cached = self._levels.get((*key, level))
        if cached is None:
            cached = half_size(self.level(key, level - 1))
            self._levels[(*key, level)] = cached
        return cached

    @property
    def nbytes(self) -> int:
        return sum(tile.nbytes for tile in self.tiles.values())

    def compose(self, pixels: np.ndarray) -> np.ndarray:
        """The whole original photo (a copy of `pixels` with the kept tiles put back)."""
        out = pixels.copy()
        for key, tile in self.tiles.items():
            out[self.tile_box(key).slices] = tile
        return out
