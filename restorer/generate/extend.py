"""Extend canvas (outpainting): add pixels on chosen sides and fill them with an engine.

    >>> from restorer.generate.extend import extend_canvas
    >>> wider = extend_canvas(image, left=128, right=128)   # default engine

The photo is padded and the new border is filled through the region strategy
(`restorer.regions.inpaint_regions`), so the original pixels stay exactly where they
were, only shifted by the top and left borders.

Before the engine runs, the border is seeded with a mirror image of the photo that is
blurred more the farther it lies from the photo (near: its texture, far: its local
average colours). A thin rim of that seed along the outer edge is kept as known
context during the fill, so diffusion engines (Telea, Navier–Stokes), which march
inwards from every known pixel, blend from the photo's edge towards plausible colours
instead of smearing one edge colour to the frame; the rim itself is filled last from
its neighbours. Engines that read the masked pixels start from the seed.

A photo that would grow beyond `ONE_PASS_PIXELS` is filled side by side on strips with
context from the photo (`strips`), so memory follows the border, not the whole photo,
and a cancel takes effect between sides.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from restorer.errors import RestorerError
from restorer.geometry import Box
from restorer.jobs import Job
from restorer.progress import Progress

MAX_BORDER = 8192  # pixels added on one side
MAX_RESULT_SIDE = 32768
MAX_RESULT_PIXELS = 150_000_000
# Up to this many pixels (the extended photo) the border is filled in one pass; larger
# photos are filled side by side on strips (`strips`), so the engine never holds it all.
ONE_PASS_PIXELS = 4_000_000
RIM = 2  # seeded pixels kept as context along the extended outer edges
_RIM_FROM = 4 * RIM  # borders thinner than this are filled by the engine alone


class ExtendError(RestorerError):
    """The requested extension is impossible (negative, nothing to add, too large)."""


@dataclass(frozen=True)
class Borders:
    """Pixels to add on each side."""

    top: int = 0
    bottom: int = 0
    left: int = 0
    right: int = 0

    @property
    def total(self) -> int:
        return self.top + self.bottom + self.left + self.right

    def new_size(self, height: int, width: int) -> tuple[int, int]:
        """(height, width) of the extended photo."""
        return height + self.top + self.bottom, width + self.left + self.right


def check_borders(shape: tuple[int, int], borders: Borders) -> None:
    """Raise `ExtendError` with a readable message if `borders` cannot be added."""
    for name in ("top", "bottom", "left", "right"):
        value = getattr(borders, name)
        if not isinstance(value, int | np.integer) or value < 0:
            raise ExtendError(f"The {name} border must be a whole number of pixels, 0 or more.")
        if value > MAX_BORDER:
            raise ExtendError(
                f"The {name} border of {value} px is more than the {MAX_BORDER} px "
                "Restorer adds on one side."
            )
    if borders.total == 0:
        raise ExtendError("Nothing to add: give at least one side a border of 1 px or more.")
    height, width = borders.new_size(*shape)
    if max(height, width) > MAX_RESULT_SIDE or height * width > MAX_RESULT_PIXELS:
        raise ExtendError(
            f"The extended photo would be {width} x {height} px; Restorer makes photos of up "
            f"to {MAX_RESULT_SIDE} px a side and {MAX_RESULT_PIXELS // 1_000_000} megapixels."
        )


def new_area(shape: tuple[int, int], borders: Borders) -> np.ndarray:
    """HxW bool of the extended size: True on the added pixels."""
    height, width = borders.new_size(*shape)
    mask = np.ones((height, width), bool)
    mask[borders.top : borders.top + shape[0], borders.left : borders.left + shape[1]] = False
    return mask


def _distance_outside(
    shape: tuple[int, int], borders: Borders, rows: slice | None = None
) -> np.ndarray:
    """float32 distance of each pixel (of the extended size) from the original rectangle.

    0 inside it; `rows` limits the result to a band of rows.
    """
    height, width = borders.new_size(*shape)
    start, stop, _ = (rows or slice(0, height)).indices(height)
    row = np.arange(start, stop, dtype=np.float32)
    col = np.arange(width, dtype=np.float32)
    top, left = borders.top, borders.left
    dy = np.maximum(np.maximum(top - row, row - (top + shape[0] - 1)), 0)
    dx = np.maximum(np.maximum(left - col, col - (left + shape[1] - 1)), 0)
    return np.maximum(dy[:, None], dx[None, :])


_BAND = 256  # rows blended at a time, so a large photo needs no full-size float copies


def seed_border(image: np.ndarray, borders: Borders) -> np.ndarray:
    """The photo padded by mirroring, blurred more with distance from it (see module doc)."""
    import cv2

    padded = cv2.copyMakeBorder(
        image, borders.top, borders.bottom, borders.left, borders.right, cv2.BORDER_REFLECT_101
    )
    widest = max(borders.top, borders.bottom, borders.left, borders.right)
    near = cv2.GaussianBlur(padded, (0, 0), sigmaX=1.0 + widest / 32.0)
    # The far seed: local average colours, cheaply through a small copy.
    height, width = padded.shape[:2]
    factor = max(1, min(height, width) // 16)
    small = cv2.resize(
        padded, (max(1, width // factor), max(1, height // factor)), interpolation=cv2.INTER_AREA
    )
    small = cv2.GaussianBlur(small, (0, 0), sigmaX=2.0)
    far = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    out = near
    for start in range(0, height, _BAND):
        rows = slice(start, min(height, start + _BAND))
        distance = _distance_outside(image.shape[:2], borders, rows)
        weight = np.clip(distance / max(1, widest), 0.0, 1.0)[:, :, None]
        blended = near[rows].astype(np.float32) * (1.0 - weight) + far[rows] * weight
        out[rows] = np.clip(blended + 0.5, 0, 255).astype(np.uint8)
    top, left = borders.top, borders.left
    out[top : top + image.shape[0], left : left + image.shape[1]] = image
    return out


def _rim(shape: tuple[int, int], borders: Borders) -> np.ndarray:
    """HxW bool: the outermost `RIM` pixels of each side with a wide enough border."""
    height, width = borders.new_size(*shape)
    rim = np.zeros((height, width), bool)
    if borders.top >= _RIM_FROM:
        rim[:RIM] = True
    if borders.bottom >= _RIM_FROM:
        rim[height - RIM :] = True
    if borders.left >= _RIM_FROM:
        rim[:, :RIM] = True
    if borders.right >= _RIM_FROM:
        rim[:, width - RIM :] = True
    return rim & new_area(shape, borders)


def strips(shape: tuple[int, int], borders: Borders) -> list[tuple[str, Box, Box]]:
    """(side, crop, fill) per extended side, in the extended photo's coordinates.

    Each side is filled on its own strip, so the engine never works on the whole
    extended photo: top and bottom first, just above and below the photo; then left
    and right over the full height, corners included (their neighbours above and below
    are filled by then). `crop` adds context from the photo: twice the border, at
    least 64 px.
    """
    height, width = shape
    new_height, new_width = borders.new_size(height, width)
    top, bottom, left, right = borders.top, borders.bottom, borders.left, borders.right
    columns = (left, left + width)

    def context(border: int, side: int) -> int:
        return min(side, max(64, 2 * border))

    result = []
    if top:
        crop = Box(0, columns[0], top + context(top, height), columns[1])
        result.append(("top", crop, Box(0, columns[0], top, columns[1])))
    if bottom:
        crop = Box(
            new_height - bottom - context(bottom, height), columns[0], new_height, columns[1]
        )
        result.append(
            ("bottom", crop, Box(new_height - bottom, columns[0], new_height, columns[1]))
        )
    if left:
        crop = Box(0, 0, new_height, left + context(left, width))
        result.append(("left", crop, Box(0, 0, new_height, left)))
    if right:
        crop = Box(0, new_width - right - context(right, width), new_height, new_width)
        result.append(("right", crop, Box(0, new_width - right, new_height, new_width)))
    return result


def extend_canvas(
    image: np.ndarray,
    *,
    top: int = 0,
    bottom: int = 0,
    left: int = 0,
    right: int = 0,
    engine: str | None = None,
    device: str = "auto",
    progress: Progress | None = None,
    seed: int = 0,
) -> np.ndarray:
    """`image` (HxWx3 uint8 RGB) with borders added and filled; returns a new array.

    `engine=None` uses the registry's default engine. The original pixels appear
    unchanged at rows `top:top+H`, columns `left:left+W`.
    """
    import cv2

    from restorer.api import as_rgb
    from restorer.catalog import registry
    from restorer.devices import resolve_device
    from restorer.regions import inpaint_regions

    progress = progress or Progress()
    rgb = as_rgb(image)
    borders = Borders(int(top), int(bottom), int(left), int(right))
    check_borders(rgb.shape[:2], borders)
    chosen = registry().resolve(engine)
    run_device = resolve_device(device, chosen.devices)
    name = chosen.label or chosen.id
    progress.update(0.0, "Preparing the new border")
    canvas = seed_border(rgb, borders)
    rim = _rim(rgb.shape[:2], borders)
    added = new_area(rgb.shape[:2], borders)
    if added.size <= ONE_PASS_PIXELS:
        passes = [("new", Box(0, 0, *added.shape), None)]
    else:
        passes = strips(rgb.shape[:2], borders)
    total = sum(crop.area if fill is None else fill.area for _, crop, fill in passes)
    done = 0
    for side, crop, fill in passes:
        area = crop.area if fill is None else fill.area
        share = progress.span(0.05 + 0.93 * done / total, 0.05 + 0.93 * (done + area) / total)
        done += area
        share.update(0.0, f"{name}: filling the {side} border")
        if fill is None:
            hole = added[crop.slices]
        else:
            hole = np.zeros((crop.height, crop.width), bool)
            hole[fill.relative_to(crop).slices] = True
        edge = rim[crop.slices] & hole
        pixels = np.ascontiguousarray(canvas[crop.slices])
        filled = inpaint_regions(
            chosen, pixels, hole & ~edge, share.span(0.0, 0.95), device=run_device, seed=seed
        )
        if edge.any():
            around = cv2.inpaint(filled, edge.astype(np.uint8) * 255, 3, cv2.INPAINT_TELEA)
            filled[edge] = around[edge]
        canvas[crop.slices] = np.where(hole[:, :, None], filled, canvas[crop.slices])
        share.update(1.0)
    height, width = rgb.shape[:2]
    canvas[borders.top : borders.top + height, borders.left : borders.left + width] = rgb
    progress.update(1.0, f"Extended to {canvas.shape[1]} x {canvas.shape[0]} px")
    return canvas


@dataclass
class ExtendResult:
    """The extended photo and how it was made."""

    pixels: np.ndarray  # HxWx3 uint8
    borders: Borders
    engine_id: str
    device: str
    seconds: float


@dataclass
class ExtendJob(Job):
    """Extend a photo's canvas on the worker (see `extend_canvas`)."""

    image: np.ndarray  # HxWx3 (or HxWx4: alpha is not used)
    borders: Borders
    engine_id: str | None = None
    device: str = "auto"
    seed: int = 0
    title: str = field(default="Extending the canvas")

    def run(self, progress: Progress) -> ExtendResult:
        from restorer.catalog import registry
        from restorer.devices import resolve_device

        engine = registry().resolve(self.engine_id)
        started = time.perf_counter()
        pixels = extend_canvas(
            self.image,
            top=self.borders.top,
            bottom=self.borders.bottom,
            left=self.borders.left,
            right=self.borders.right,
            engine=engine.id,
            device=self.device,
            progress=progress,
            seed=self.seed,
        )
        return ExtendResult(
            pixels,
            self.borders,
            engine.id,
            resolve_device(self.device, engine.devices),
            time.perf_counter() - started,
        )
