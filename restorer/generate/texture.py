"""Texture synthesis: a seamless texture of any size grown from a rectangle of a photo.

Texture optimisation (Kwatra et al. 2005; Wexler et al. 2007), coarse to fine as in
Kaspar et al. 2015, on the PatchMatch search and voting of `restorer.exemplar.search`:

1. Build a pyramid of the exemplar; the output gets the same scale at every level.
2. At the coarsest level start from a collage of randomly placed exemplar blocks.
3. At each level alternate: find, for every output patch, the most similar exemplar
   patch (`nnf_search`), then rebuild the output as the average of the patches found
   (`vote`). A few rounds per level; the field then moves up to the next level.

Every output patch wraps round the output's edges (toroidal), in the search and in the
vote, so the texture has no edge: tiled, the seam is as invisible as any other column.
Runs on the CPU or CUDA; the result depends only on the inputs and the seed.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from restorer.errors import OutOfMemoryError, RestorerError
from restorer.geometry import Box
from restorer.jobs import Job
from restorer.progress import Progress

PATCH = 7
# The exemplar must hold a few patches to give the search a choice.
MIN_EXEMPLAR_SIDE = 4 * PATCH
MAX_EXEMPLAR_PIXELS = 2048 * 2048
MIN_OUTPUT_SIDE = 2 * PATCH
MAX_OUTPUT_SIDE = 8192
MAX_OUTPUT_PIXELS = 4096 * 4096
# Pyramid levels halve the exemplar down to about this size (structure the size of the
# exemplar is settled at the coarsest level, detail at the finest). Much smaller and the
# coarsest exemplar holds barely two patches a side: the output becomes a visible lattice
# of repeats of it.
COARSEST_EXEMPLAR_SIDE = 24
# (rounds of search + vote, PatchMatch iterations per search) at each level. The
# coarsest level starts from a collage and needs the most; finer levels start from the
# field of the level below, which is already close, and only refine it.
COARSEST_SCHEDULE = (8, 2)
MIDDLE_SCHEDULE = (3, 1)
FINEST_SCHEDULE = (1, 1)


class TextureError(RestorerError):
    """Texture synthesis cannot run with these inputs (sizes, rectangle)."""


# -- checking the inputs ---------------------------------------------------------------


def exemplar_box(x: int, y: int, width: int, height: int, image_size: tuple[int, int]) -> Box:
    """The rectangle (x, y, width, height) of an image (`image_size` = (width, height)).

    Raises `TextureError` when it is empty, reaches outside the image, or is too small
    or too large to serve as an exemplar.
    """
    image_w, image_h = image_size
    if width <= 0 or height <= 0:
        raise TextureError(
            f"The exemplar rectangle must have a positive size, not {width}x{height}."
        )
    if x < 0 or y < 0 or x + width > image_w or y + height > image_h:
        raise TextureError(
            f"The exemplar rectangle {x},{y},{width},{height} (x,y,width,height) reaches "
            f"outside the {image_w}x{image_h} image."
        )
    check_exemplar_size(width, height)
    return Box(y, x, y + height, x + width)


def check_exemplar_size(width: int, height: int) -> None:
    """Raise `TextureError` unless a width x height exemplar can be used."""
    if min(width, height) < MIN_EXEMPLAR_SIDE:
        raise TextureError(
            f"The exemplar is {width}x{height} pixels; it must be at least "
            f"{MIN_EXEMPLAR_SIDE}x{MIN_EXEMPLAR_SIDE} ({MIN_EXEMPLAR_SIDE // PATCH} patches of "
            f"{PATCH} pixels) so there is texture to copy. Select a larger area."
        )
    if width * height > MAX_EXEMPLAR_PIXELS:
        raise TextureError(
            f"The exemplar is {width}x{height} pixels; texture synthesis takes areas up to "
            f"{MAX_EXEMPLAR_PIXELS / 1e6:.1f} megapixels. Select a smaller area."
        )


def check_output_size(width: int, height: int) -> None:
    """Raise `TextureError` unless a width x height texture can be made."""
    if min(width, height) < MIN_OUTPUT_SIDE:
        raise TextureError(
            f"A texture of {width}x{height} is too small: each side must be at least "
            f"{MIN_OUTPUT_SIDE} pixels."
        )
    if max(width, height) > MAX_OUTPUT_SIDE or width * height > MAX_OUTPUT_PIXELS:
        raise TextureError(
            f"A texture of {width}x{height} is too large: the limit is {MAX_OUTPUT_SIDE} "
            f"pixels a side and {MAX_OUTPUT_PIXELS / 1e6:.1f} megapixels in all "
            f"(e.g. {math.isqrt(MAX_OUTPUT_PIXELS)}x{math.isqrt(MAX_OUTPUT_PIXELS)})."
        )


# -- the synthesis -----------------------------------------------------------------------


@dataclass
class _Level:
    source: object  # C x Hs x Ws float tensor
    size: tuple[int, int]  # output (height, width)
    rounds: int = 0
    iterations: int = 0


def _levels(exemplar: np.ndarray, height: int, width: int, device: str) -> list[_Level]:
    """Coarsest first: the exemplar halved, the output halved alike."""
    import cv2
    import torch

    count = 1
    while (
        min(exemplar.shape[:2]) / 2**count >= COARSEST_EXEMPLAR_SIDE
        and min(height, width) / 2**count >= 2 * PATCH
    ):
        count += 1
    image = exemplar.astype(np.float32) / 255.0
    levels = []
    for index in range(count):
        scale = 2**index
        if index:
            image = cv2.resize(
                image,
                (max(PATCH, image.shape[1] // 2), max(PATCH, image.shape[0] // 2)),
                interpolation=cv2.INTER_AREA,
            )
        source = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1))).to(device)
        size = (max(PATCH, round(height / scale)), max(PATCH, round(width / scale)))
        levels.append(_Level(source, size))
    levels.reverse()
    for index, level in enumerate(levels):
        if index == 0:
            level.rounds, level.iterations = COARSEST_SCHEDULE
        elif index == len(levels) - 1:
            level.rounds, level.iterations = FINEST_SCHEDULE
        else:
            level.rounds, level.iterations = MIDDLE_SCHEDULE
    return levels


def _block_collage(level: _Level, generator) -> object:
    """A field copying randomly placed exemplar blocks, each a couple of patches wide."""
    import torch

    height, width = level.size
    source_h, source_w = level.source.shape[1:]
    radius = PATCH // 2
    span_y, span_x = source_h - 2 * radius, source_w - 2 * radius  # allowed centres
    block = max(1, min(2 * PATCH, span_y, span_x))
    rows, cols = -(-height // block), -(-width // block)
    device = level.source.device
    top = torch.randint(span_y - block + 1, (rows, cols), generator=generator, device=device)
    left = torch.randint(span_x - block + 1, (rows, cols), generator=generator, device=device)
    ys = torch.arange(height, device=device)
    xs = torch.arange(width, device=device)
    field_y = top[ys // block][:, xs // block] + (ys % block)[:, None] + radius
    field_x = left[ys // block][:, xs // block] + (xs % block)[None, :] + radius
    return torch.stack([field_y, field_x])


def _unsettled(field, source_w: int) -> object:
    """The output pixels a search could still improve (HxW bool), or None for all.

    Where every patch within `PATCH - 1` pixels continues its neighbours' matches (a
    coherent copy of one exemplar area), the vote reproduces that area exactly, every
    patch there matches with distance 0 and no search can do better: only the pixels
    near a seam between copied areas are searched.
    """
    import torch
    import torch.nn.functional as F  # noqa: N812 - the usual name

    match = field[0] * source_w + field[1]
    seam = torch.zeros(match.shape, dtype=torch.bool, device=match.device)
    for dy, dx in ((0, 1), (1, 0)):
        neighbour = torch.roll(match, shifts=(-dy, -dx), dims=(0, 1))
        broken = neighbour != match + (dy * source_w + dx)
        seam |= broken | torch.roll(broken, shifts=(dy, dx), dims=(0, 1))
    reach = PATCH - 1
    padded = F.pad(seam[None, None].float(), (reach,) * 4, mode="circular")
    near = F.max_pool2d(padded, 2 * reach + 1, stride=1)[0, 0] > 0
    return None if bool(near.all()) else near


class _RoundProgress:
    """Moves the bar along during one search (called between its steps), and cancels.

    The search calls back about 17 times per iteration (4 directions x 4 jumps of
    propagation, then random search); the bar stops short of the round's end if it
    calls more often.
    """

    def __init__(
        self, progress: Progress, start: float, width: float, message: str, iterations: int
    ) -> None:
        self.steps = 17 * iterations
        self.progress = progress
        self.start = start
        self.width = width
        self.message = message
        self.calls = 0

    def step(self) -> None:
        self.calls += 1
        share = min(0.9, self.calls / self.steps)
        self.progress.update(self.start + self.width * share, self.message)


def _to_image(tensor) -> np.ndarray:
    """C x H x W float in [0, 1] -> H x W x 3 uint8."""
    import torch

    array = (tensor.clamp(0, 1) * 255.0).round().to("cpu", dtype=torch.uint8).numpy()
    return np.ascontiguousarray(array.transpose(1, 2, 0))


def synthesize_texture(
    exemplar: np.ndarray,
    size: tuple[int, int],
    progress: Progress | None = None,
    *,
    seed: int = 0,
    device: str = "cpu",
) -> np.ndarray:
    """A seamless `size` = (width, height) texture grown from an HxWx3 uint8 exemplar.

    Reports each round to `progress` with a preview of the texture so far, and stops
    with `Cancelled` when asked. The same inputs and seed give the same texture.
    Running out of memory raises `OutOfMemoryError` with the size that was asked for.
    """
    from restorer.models.runtime import free_memory, is_out_of_memory

    try:
        return _synthesize(exemplar, size, progress, seed=seed, device=device)
    except (RuntimeError, MemoryError) as error:
        if not (is_out_of_memory(error) or "can't allocate memory" in str(error)):
            raise
        free_memory()
        raise OutOfMemoryError(
            f"A {size[0]}x{size[1]} texture needs more memory than {device.upper()} has free; "
            "make a smaller one (tile it to cover more)."
        ) from error


def _synthesize(
    exemplar: np.ndarray,
    size: tuple[int, int],
    progress: Progress | None,
    *,
    seed: int,
    device: str,
) -> np.ndarray:
    """`synthesize_texture` itself: check the sizes, then the levels, coarsest first."""
    import torch

    from restorer.exemplar.search import (
        PreparedSource,
        nnf_search,
        patch_basis,
        upsample_nnf,
        vote,
    )

    progress = progress or Progress()
    exemplar = np.asarray(exemplar)
    if exemplar.dtype != np.uint8 or exemplar.ndim != 3 or exemplar.shape[2] != 3:
        raise TextureError(f"The exemplar must be HxWx3 uint8 RGB, not {exemplar.shape}.")
    width, height = int(size[0]), int(size[1])
    check_output_size(width, height)
    check_exemplar_size(exemplar.shape[1], exemplar.shape[0])
    progress.update(0.0, "Preparing the exemplar")
    generator = torch.Generator(device=device).manual_seed(int(seed))
    levels = _levels(exemplar, height, width, device)
    work = [lvl.size[0] * lvl.size[1] * lvl.rounds * lvl.iterations for lvl in levels]
    done = 0.0
    field = None
    target = None
    with torch.inference_mode():
        for number, level in enumerate(levels, start=1):
            source = level.source
            if field is None:
                field = _block_collage(level, generator)
            else:
                field = upsample_nnf(field, level.size, tuple(source.shape[1:]), patch=PATCH)
            target = vote(field, source, patch=PATCH, wrap=True)
            prepared = PreparedSource(
                source, PATCH, patch_basis(source, PATCH, generator=generator)
            )
            for round_ in range(level.rounds):
                message = (
                    f"Level {number} of {len(levels)}: {level.size[1]}x{level.size[0]}, "
                    f"round {round_ + 1} of {level.rounds}"
                )
                step = work[number - 1] / level.rounds / sum(work)
                within = _RoundProgress(progress, done / sum(work), step, message, level.iterations)
                field = nnf_search(
                    target,
                    source,
                    patch=PATCH,
                    iterations=level.iterations,
                    generator=generator,
                    init=field,
                    wrap=True,
                    check=within.step,
                    prepared=prepared,
                    target_active=_unsettled(field, source.shape[2]),
                )
                target = vote(field, source, patch=PATCH, wrap=True)
                done += work[number - 1] / level.rounds
                progress.update(done / sum(work), message, preview=_to_image(target))
    assert target is not None
    return _to_image(target)


def seam_ratio(image: np.ndarray) -> float:
    """How visible the wrap-around seam is when `image` is tiled: about 1 means not at all.

    The mean absolute difference across the wrapped edges (last column to first, last
    row to first) divided by the mean across every interior neighbour column and row.
    """
    pixels = np.asarray(image, dtype=np.float64)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    interior = np.abs(np.diff(pixels, axis=1)).mean() + np.abs(np.diff(pixels, axis=0)).mean()
    seam = np.abs(pixels[:, 0] - pixels[:, -1]).mean() + np.abs(pixels[0] - pixels[-1]).mean()
    return float(seam / max(interior, 1e-12))


# -- as a job ------------------------------------------------------------------------------


@dataclass
class TextureResult:
    """A synthesised texture and how it was made."""

    pixels: np.ndarray  # HxWx3 uint8
    device: str
    seconds: float


@dataclass
class TextureJob(Job):
    """Synthesise a texture from the `box` rectangle of an HxWx3 (or x4) uint8 image."""

    image: np.ndarray
    box: Box
    size: tuple[int, int]  # (width, height)
    seed: int = 0
    device: str = "auto"
    title: str = field(default="Synthesising texture")

    def run(self, progress: Progress) -> TextureResult:
        from restorer.devices import resolve_device

        device = resolve_device(self.device)
        started = time.perf_counter()
        exemplar = np.ascontiguousarray(self.image[self.box.slices][..., :3])
        pixels = synthesize_texture(exemplar, self.size, progress, seed=self.seed, device=device)
        return TextureResult(pixels, device, time.perf_counter() - started)
