"""The `auto` engine: picks the engine for each brushed area by the area's shape.

Each connected part of the mask is measured: its thickness (twice the largest distance
from an inside pixel to the edge, `cv2.distanceTransform`) and its size. Thin
scratches, hairs and dust specks go to `thin_engine`; wider strokes and objects go to
an installed inpainting model when there is one (a learned model invents plausible
structure where copying patches cannot), otherwise to `object_engine`.

Which engine is best for thin damage was measured (benchmarks/inpaint_quality.py,
results/inpaint_quality.json; nine photos, 2-5 px scratches): PSNR in the hole
PatchMatch 25.31 dB, Navier-Stokes 24.76, Telea 24.15; texture distance 0.51 / 1.15 /
1.43 (lower is better) — so `patchmatch` for scratches. Dust specks (1-2 px dots,
`python benchmarks/auto_engine.py --quick`, two crops of the sample photo): PatchMatch
23.87 dB, Navier-Stokes 23.13, Telea 22.18, with Navier-Stokes some hundred times
faster (0.02 s against 9.8 s for 40 specks on a busy 2-core machine) — so specks go to
`navier-stokes`: 0.7 dB for a fill that is instant however many specks there are.

The engines are looked up when a repair runs (`lookup`), so models added later count;
`run` applies one engine to the crop (the catalog passes the region strategy, which
honours each engine's size requirements). This module knows no registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from restorer.engines.base import Engine
from restorer.progress import Progress

THIN_WIDTH = 7.0  # px: parts no thicker than this are scratches, hairs or dust
SPECK_AREA = 36  # px: parts no larger than this (and thin) are dust specks

EngineRun = Callable[[Engine, np.ndarray, np.ndarray, Progress, str, int], np.ndarray]


@dataclass(frozen=True)
class MaskParts:
    """A mask split by shape: each pixel of the mask is in exactly one part."""

    specks: np.ndarray  # HxW bool: tiny dust specks
    thin: np.ndarray  # HxW bool: scratches, hairs (thin, not tiny)
    objects: np.ndarray  # HxW bool: wider strokes and objects


def split_by_shape(
    mask: np.ndarray, thin_width: float = THIN_WIDTH, speck_area: int = SPECK_AREA
) -> MaskParts:
    """Split `mask` (HxW bool) into dust specks, thin damage and objects, by connected
    part (8-connected)."""
    import cv2

    hole = np.ascontiguousarray(np.asarray(mask, bool)).astype(np.uint8)
    empty = np.zeros(hole.shape, bool)
    if not hole.any():
        return MaskParts(empty, empty.copy(), empty.copy())
    count, labels = cv2.connectedComponents(hole, connectivity=8)
    # Distance from each hole pixel to the nearest kept pixel; the photo's border is
    # not an edge of the hole (a padded copy keeps it from counting as one).
    padded = cv2.copyMakeBorder(hole, 1, 1, 1, 1, cv2.BORDER_REPLICATE)
    distance = cv2.distanceTransform(padded, cv2.DIST_L2, 3)[1:-1, 1:-1]
    np.minimum(distance, 1e6, out=distance)  # a mask with no kept pixel: all 'far'
    inside = hole.astype(bool)
    ids = labels[inside]
    thickest = np.zeros(count, np.float32)
    np.maximum.at(thickest, ids, distance[inside])
    areas = np.bincount(ids, minlength=count)
    # A line w px wide has its centre about w/2 from the edge (distanceTransform counts
    # the pixel itself as 1).
    thin = 2 * thickest - 1 <= thin_width
    speck = thin & (areas <= speck_area)
    thin &= ~speck
    return MaskParts(
        specks=speck[labels] & inside,
        thin=thin[labels] & inside,
        objects=~(speck | thin)[labels] & inside,
    )


def _direct(
    engine: Engine, image: np.ndarray, mask: np.ndarray, progress: Progress, device: str, seed: int
) -> np.ndarray:
    return engine.inpaint(image, mask, progress, device=device, seed=seed)


class AutoEngine(Engine):
    """Chooses per brushed area: see the module docstring."""

    id = "auto"
    label = "Auto (picks by the mask's shape)"
    description = (
        "Looks at each brushed area: thin scratches and dust go to the engine measured "
        "best for them, objects to an installed inpainting model or to PatchMatch."
    )
    devices = ("cpu", "cuda")
    rank = 30  # the default
    context_scale = 1.0
    context_min = 40

    speck_engine = "navier-stokes"
    thin_engine = "patchmatch"
    object_engine = "patchmatch"

    def __init__(self, lookup: Callable[[], list[Engine]], run: EngineRun | None = None) -> None:
        self._lookup = lookup
        self._run = run or _direct

    def _engines(self) -> dict[str, Engine]:
        return {engine.id: engine for engine in self._lookup() if engine.id != self.id}

    def choices(self) -> dict[str, Engine]:
        """The engine for each kind of part ('specks', 'thin', 'objects') right now."""
        engines = self._engines()
        fallback = next(iter(engines.values()))
        models = [engine for engine in engines.values() if engine.needs_weights]

        def pick(engine_id: str) -> Engine:
            return engines.get(engine_id) or engines.get(self.object_engine) or fallback

        return {
            "specks": pick(self.speck_engine),
            "thin": pick(self.thin_engine),
            "objects": models[0] if models else pick(self.object_engine),
        }

    def context_cap(self, hole: np.ndarray) -> int | None:
        parts = split_by_shape(hole)
        if parts.objects.any():
            return self.choices()["objects"].context_cap(hole)
        return self.choices()["thin"].context_cap(hole)

    def inpaint(
        self,
        image: np.ndarray,
        mask: np.ndarray,
        progress: Progress,
        *,
        device: str = "cpu",
        seed: int = 0,
    ) -> np.ndarray:
        parts = split_by_shape(mask)
        chosen = self.choices()
        work = [
            (kind, getattr(parts, kind))
            for kind in ("objects", "thin", "specks")
            if getattr(parts, kind).any()
        ]
        total = sum(int(part.sum()) for _kind, part in work) or 1
        result = np.array(image, copy=True)
        done = 0.0
        for kind, part in work:
            engine = chosen[kind]
            share = part.sum() / total
            span = progress.span(done, done + share)
            done += share
            span.update(0.0, f"Auto: {kind} with {engine.label}")
            on = device if device in engine.devices else "cpu"
            filled = self._run(engine, result, part, _whole_crop_previews(span, result), on, seed)
            result[part] = np.asarray(filled)[part]
        progress.update(1.0, "Auto: done")
        return result

    def release(self) -> None:
        for engine in self._engines().values():
            engine.release()


def _whole_crop_previews(progress: Progress, image: np.ndarray) -> Progress:
    """Previews of a nested region run (a box and its pixels) drawn into a copy of
    `image`, so the caller sees a preview of the whole crop it handed over."""

    def place(preview):
        box = getattr(preview, "box", None)
        pixels = getattr(preview, "pixels", None)
        if box is None or pixels is None:
            return preview
        canvas = image.copy()
        top, left = box[0], box[1]
        rows, cols = pixels.shape[:2]
        canvas[top : top + rows, left : left + cols] = pixels[..., :3]
        return canvas

    return progress.map_preview(place)
