"""How an engine is applied to a photo: the region strategy.

Every engine goes through `inpaint_regions`. A large photo is not handed over whole:
each group of brushed areas becomes a crop with enough surroundings to fill from
(`context_min + context_scale * sqrt(hole pixels)` on every side, per the engine), and
crops that overlap are merged. Each crop is then shaped to what the engine needs
(`SizeRequirements`): shrunk when longer than `max_working_side` (the fill is scaled
back up and used only inside the hole), grown or padded to `min_side`, padded to a
multiple of `multiple_of`. The fill is joined to its surroundings by
`restorer.blend.match_border`, so no seam shows, and pixels outside the mask are
returned bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np

from restorer.blend import match_border
from restorer.engines.base import Engine, SizeRequirements
from restorer.geometry import Box, bounding_box
from restorer.progress import Progress


class RegionPreview(NamedTuple):
    """A partial result for one region: its box in the photo and its pixels."""

    box: Box
    pixels: np.ndarray


@dataclass(frozen=True)
class Region:
    """One crop to fill: `box` in photo coordinates, holding `holes` brushed groups."""

    box: Box
    holes: int


def plan_regions(mask: np.ndarray, engine: Engine) -> list[Region]:
    """The crops to fill for `mask`: one per group of nearby brushed areas."""
    height, width = mask.shape
    around = bounding_box(mask)
    if around is None:
        return []
    holes = np.ascontiguousarray(mask[around.slices], dtype=np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(holes, connectivity=8)
    boxes: list[tuple[Box, int]] = []
    for label in range(1, count):
        left, top, w, h, pixels = (int(v) for v in stats[label])
        context = context_for(pixels, engine)
        cap = engine.context_cap(labels[top : top + h, left : left + w] == label)
        if cap is not None:
            context = min(context, cap)
        top, left = top + around.top, left + around.left
        box = Box(top, left, top + h, left + w).pad(context).clip(height, width)
        boxes.append((_grown_to(box, engine.requirements.min_side, (height, width)), 1))
    return [Region(box, holes) for box, holes in _merge(boxes)]


def context_for(pixels: int, engine: Engine) -> int:
    """Surroundings (px) kept on each side of a hole of `pixels` pixels."""
    return int(engine.context_min + engine.context_scale * math.sqrt(pixels))


def _merge(boxes: list[tuple[Box, int]]) -> list[tuple[Box, int]]:
    """Union overlapping boxes until none overlap."""
    merged = list(boxes)
    changed = True
    while changed:
        changed = False
        result: list[tuple[Box, int]] = []
        for box, holes in merged:
            for index, (other, other_holes) in enumerate(result):
                if not box.intersect(other).is_empty:
                    result[index] = (other.union(box), other_holes + holes)
                    changed = True
                    break
            else:
                result.append((box, holes))
        merged = result
    return sorted(merged, key=lambda item: (item[0].top, item[0].left))


def inpaint_regions(
    engine: Engine,
    image: np.ndarray,
    mask: np.ndarray,
    progress: Progress,
    *,
    device: str = "cpu",
    seed: int = 0,
) -> np.ndarray:
    """Fill `mask` in `image` with `engine`; only masked pixels differ from `image`."""
    if not mask.any():
        progress.update(1.0, "Nothing to repair: the mask is empty")
        return image.copy()
    mask = mask.astype(bool, copy=False)
    regions = plan_regions(mask, engine)
    total = sum(region.box.area for region in regions)
    out = image.copy()
    done = 0
    for number, region in enumerate(regions, start=1):
        progress.check()
        share = region.box.area / total
        span = progress.span(done, done + share)
        done += share
        if len(regions) > 1:
            span.message = f"Region {number} of {len(regions)}"
        crop_mask = mask[region.box.slices]
        filled = fill_crop(
            engine,
            image,
            mask,
            region.box,
            _previews(span, region.box, image, crop_mask),
            device,
            seed,
        )
        out[region.box.slices][crop_mask] = filled[crop_mask]
    progress.update(1.0, f"{engine.label or engine.id}: done")
    return out


def _previews(progress: Progress, box: Box, image: np.ndarray, hole: np.ndarray) -> Progress:
    """`progress` whose previews become `RegionPreview`s: the crop, changed only in the hole."""
    original = image[box.slices]

    def wrap(preview):
        if not isinstance(preview, np.ndarray) or preview.ndim != 3:
            return preview
        if preview.shape[:2] != hole.shape:
            preview = cv2.resize(
                preview, (hole.shape[1], hole.shape[0]), interpolation=cv2.INTER_LINEAR
            )
        pixels = original.copy()
        pixels[hole] = preview[hole]
        return RegionPreview(box, pixels)

    return progress.map_preview(wrap)


def fill_crop(
    engine: Engine,
    image: np.ndarray,
    mask: np.ndarray,
    box: Box,
    progress: Progress,
    device: str,
    seed: int,
) -> np.ndarray:
    """The engine's fill of the crop `box`, honouring its size requirements; returns the
    crop's pixels (HxWx3 uint8), joined seamlessly, equal to `image` outside the hole."""
    needs = engine.requirements
    crop, hole = image[box.slices], mask[box.slices]
    scale = _working_scale(crop.shape[:2], needs)
    work, work_hole = crop, hole
    if scale < 1.0:
        size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
        work = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
        coverage = cv2.resize(hole.astype(np.float32), size, interpolation=cv2.INTER_AREA)
        work_hole = coverage > 0  # any part of a hole pixel beneath makes a hole
    padded, padded_hole, (rows, cols) = _pad_for(work, work_hole, needs)
    result = engine.inpaint(padded, padded_hole, progress, device=device, seed=seed)
    result = np.asarray(result)[:rows, :cols]
    if result.shape[:2] != crop.shape[:2]:
        result = cv2.resize(result, (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_CUBIC)
    return match_border(result, crop, hole)


def _grown_to(box: Box, min_side: int, shape: tuple[int, int]) -> Box:
    """`box` enlarged (within the photo) until each side is at least `min_side`."""
    height, width = shape
    top, left, bottom, right = box
    if bottom - top < min_side:
        extra = min(height, min_side) - (bottom - top)
        top = max(0, top - extra // 2)
        bottom = min(height, top + max(min_side, bottom - top))
        top = max(0, bottom - max(min_side, box.height))
    if right - left < min_side:
        extra = min(width, min_side) - (right - left)
        left = max(0, left - extra // 2)
        right = min(width, left + max(min_side, right - left))
        left = max(0, right - max(min_side, box.width))
    return Box(top, left, bottom, right)


def _working_scale(shape: tuple[int, int], needs: SizeRequirements) -> float:
    limit = needs.max_working_side
    if limit is None or max(shape) <= limit:
        return 1.0
    return limit / max(shape)


def _pad_for(
    image: np.ndarray, hole: np.ndarray, needs: SizeRequirements
) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Pad (reflecting) to at least `min_side` and a multiple of `multiple_of`."""
    rows, cols = image.shape[:2]
    multiple = max(1, needs.multiple_of)
    target_rows = -(-max(rows, needs.min_side) // multiple) * multiple
    target_cols = -(-max(cols, needs.min_side) // multiple) * multiple
    if (target_rows, target_cols) == (rows, cols):
        return image, hole, (rows, cols)
    pad_rows, pad_cols = target_rows - rows, target_cols - cols
    mode = "reflect" if rows > 1 and cols > 1 and pad_rows < rows and pad_cols < cols else "edge"
    padded = np.pad(image, ((0, pad_rows), (0, pad_cols), (0, 0)), mode=mode)
    padded_hole = np.pad(hole, ((0, pad_rows), (0, pad_cols)), mode=mode)
    return padded, padded_hole, (rows, cols)
