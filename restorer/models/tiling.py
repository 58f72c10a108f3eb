"""Running an image-to-image model over a large picture in overlapping tiles.

Each tile is run on its own; where tiles overlap they are blended with weights that are
zero for the outermost quarter of the overlap (where a tile's output is disturbed by
its own border), then rise along a cosine to one. Every pixel is covered by at least one
tile at full weight, so for a model whose receptive field fits in a quarter of the
overlap the tiled result equals the untiled one, and wider models show no seams.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from restorer.progress import Progress

DEFAULT_TILE = 512
DEFAULT_OVERLAP = 32
MIN_TILE = 64


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Start offsets of tiles of `tile` pixels covering `length` with >= `overlap` shared."""
    if length <= tile:
        return [0]
    step = max(1, tile - overlap)
    count = math.ceil((length - tile) / step) + 1
    if count == 1:
        return [0]
    # Spread the tiles evenly so every overlap is at least `overlap` wide.
    return [round(i * (length - tile) / (count - 1)) for i in range(count)]


def edge_ramp(length: int, overlap: int, at_start: bool, at_end: bool) -> np.ndarray:
    """1-D blend weights for a tile of `length` output pixels; ramps only at inner edges."""
    weights = np.ones(length, dtype=np.float32)
    if overlap <= 0:
        return weights
    dead = overlap // 4
    rise = max(1, overlap - 2 * dead)
    positions = (np.arange(overlap, dtype=np.float32) - dead + 0.5) / rise
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.clip(positions, 0.0, 1.0))
    ramp = ramp.astype(np.float32)
    span = min(overlap, length)
    if at_start:
        weights[:span] *= ramp[:span]
    if at_end:
        weights[length - span :] *= ramp[:span][::-1]
    return weights


def run_tiled(
    run: Callable[[np.ndarray], np.ndarray],
    image: np.ndarray,
    scale: int,
    progress: Progress,
    *,
    tile: int = DEFAULT_TILE,
    overlap: int = DEFAULT_OVERLAP,
    message: str = "Filtering",
) -> np.ndarray:
    """Apply `run` (HxWxC float32 -> sH x sW x C float32) to `image` tile by tile.

    `tile` and `overlap` are in input pixels; `tile` 0 means the whole image at once.
    Progress is reported after every tile; cancellation is checked before each.
    """
    height, width = image.shape[:2]
    if tile <= 0 or (height <= tile and width <= tile):
        progress.update(0.0, f"{message}: 1 tile")
        result = run(image)
        progress.update(1.0, f"{message}: done")
        return result
    overlap = max(0, min(overlap, tile // 2))
    rows = tile_starts(height, tile, overlap)
    cols = tile_starts(width, tile, overlap)
    total = len(rows) * len(cols)
    channels = image.shape[2]
    out = np.zeros((height * scale, width * scale, channels), dtype=np.float32)
    weight_sum = np.zeros((height * scale, width * scale, 1), dtype=np.float32)
    done = 0
    progress.update(0.0, f"{message}: tile 1 of {total}")
    for top in rows:
        bottom = min(height, top + tile)
        for left in cols:
            progress.check()
            right = min(width, left + tile)
            piece = run(np.ascontiguousarray(image[top:bottom, left:right]))
            wy = edge_ramp(piece.shape[0], overlap * scale, top > 0, bottom < height)
            wx = edge_ramp(piece.shape[1], overlap * scale, left > 0, right < width)
            weights = (wy[:, None] * wx[None, :])[:, :, None]
            region = (slice(top * scale, bottom * scale), slice(left * scale, right * scale))
            out[region] += piece * weights
            weight_sum[region] += weights
            done += 1
            progress.update(done / total, f"{message}: tile {min(done + 1, total)} of {total}")
    return out / np.maximum(weight_sum, 1e-8)
