"""Restore filters: image-to-image models (super-resolution, denoise/deblur/JPEG, faces).

    >>> from restorer.filters import apply_filter
    >>> bigger = apply_filter(image, "realesrgan-x4")              # whole photo, 4x larger
    >>> cleaner = apply_filter(image, "scunet", region_mask=mask)  # only inside the mask

Whole photo: the model runs tile by tile with blended seams (see `models.tiling`); the
result is `scale` times larger.

Masked area: only pixels inside the mask change, blended in with a feathered edge, and
the photo keeps its size. A soft mask (0..255 coverage, as a soft brush paints) is its
own feather: the result is blended by its coverage, as a repair is. A super-resolution model applied to an area is run on a crop
around it and its output is reduced back to the photo's resolution: the area gets the
model's restored detail without the rest of the photo being resampled. (Enlarging only
part of a photo would leave no sensible photo; enlarging is a whole-photo operation.)

Face models (GFPGAN, CodeFormer, RestoreFormer) expect one face filling a square frame:
the area (the mask's bounding square, or the whole photo) is resized to the model's
size, restored, and resized back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from restorer.api import as_mask, as_rgb
from restorer.devices import resolve_device
from restorer.errors import ModelError
from restorer.jobs import Job, PatchResult, changed_box
from restorer.maskops import blend_by_coverage
from restorer.models.info import ModelInfo
from restorer.models.runtime import (
    Attempt,
    LoadedModel,
    model_cache,
    run_with_fallbacks,
    short_precision,
)
from restorer.models.tiling import DEFAULT_OVERLAP, DEFAULT_TILE, MIN_TILE, run_tiled
from restorer.progress import Progress

FEATHER = 6  # pixels over which a masked result fades into the untouched photo
FACE_SIZE = 512  # the frame face models were trained on


def filter_models() -> list[ModelInfo]:
    """The models in the models folder that work as filters (not inpainting)."""
    from restorer.models.store import list_models

    return [info for info in list_models() if info.is_filter]


def effective_tile(info: ModelInfo, requested: int | None) -> int:
    """The tile size for `info`: 0 = whole image; otherwise fits its size requirements."""
    if info.tiling == "internal":
        return 0
    tile = DEFAULT_TILE if requested is None else int(requested)
    if tile <= 0:
        return 0
    if info.tiling == "discouraged" and requested is None:
        tile = max(tile, 1024)
    tile = max(tile, MIN_TILE, info.min_side)
    multiple = max(1, info.multiple_of)
    return -(-tile // multiple) * multiple


def feathered_alpha(mask: np.ndarray, feather: int = FEATHER) -> np.ndarray:
    """HxW float32: 1 deep inside `mask`, falling to 0 at its edge, exactly 0 outside."""
    import cv2

    inside = mask.astype(np.uint8)
    if feather <= 1:
        return inside.astype(np.float32)
    distance = cv2.distanceTransform(inside, cv2.DIST_L2, 3)
    if not (~mask).any():
        return np.ones(mask.shape, dtype=np.float32)
    return np.clip(distance / float(feather), 0.0, 1.0).astype(np.float32) * inside


def soft_coverage(region_mask: np.ndarray) -> np.ndarray | None:
    """The mask's 0..255 coverage when it is soft (some values between), else None."""
    array = np.asarray(region_mask)
    if array.ndim != 2 or array.dtype != np.uint8:
        return None
    return array if ((array > 0) & (array < 255)).any() else None


def _run_model(loaded: LoadedModel, pixels: np.ndarray) -> np.ndarray:
    """HxWxC float32 [0, 1] through the model -> sH x sW x C float32 [0, 1]."""
    import torch

    tensor = torch.from_numpy(np.ascontiguousarray(pixels.transpose(2, 0, 1)))[None]
    output = loaded(tensor)
    return output[0].numpy().transpose(1, 2, 0)


def _to_model_space(rgb: np.ndarray, info: ModelInfo) -> tuple[np.ndarray, np.ndarray | None]:
    """float32 input for the model, plus the colour to put back for gray models."""
    if info.input_channels == 3:
        return rgb.astype(np.float32) / 255.0, None
    import cv2

    ycrcb = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    return ycrcb[:, :, :1].astype(np.float32) / 255.0, ycrcb[:, :, 1:]


def _from_model_space(
    output: np.ndarray, chroma: np.ndarray | None, size: tuple[int, int]
) -> np.ndarray:
    """uint8 RGB of `size` (h, w) from the model's float output."""
    pixels = np.clip(output * 255.0 + 0.5, 0, 255).astype(np.uint8)
    if chroma is None:
        return pixels
    import cv2

    height, width = size
    if chroma.shape[:2] != (height, width):
        chroma = cv2.resize(chroma, (width, height), interpolation=cv2.INTER_CUBIC)
    ycrcb = np.dstack([pixels[:height, :width, :1], chroma])
    return cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2RGB)


def _square_box(
    box: tuple[int, int, int, int] | None, shape: tuple[int, int], margin: float = 0.15
) -> tuple[int, int, int, int]:
    """A square around `box` (or the whole image), grown by `margin`, clipped to `shape`."""
    height, width = shape
    top, left, bottom, right = box if box is not None else (0, 0, height, width)
    side = int(max(bottom - top, right - left) * (1 + 2 * margin)) if box else max(height, width)
    cy, cx = (top + bottom) // 2, (left + right) // 2
    top, left = max(0, cy - side // 2), max(0, cx - side // 2)
    return top, left, min(height, top + side), min(width, left + side)


def _face_pass(
    loaded: LoadedModel, crop: np.ndarray, info: ModelInfo, progress: Progress
) -> np.ndarray:
    """Restore a face crop: pad to a square, resize to the model's frame, and back."""
    import cv2

    height, width = crop.shape[:2]
    side = max(height, width)
    square = cv2.copyMakeBorder(crop, 0, side - height, 0, side - width, cv2.BORDER_REPLICATE)
    frame = max(FACE_SIZE, info.min_side)
    resized = cv2.resize(
        square,
        (frame, frame),
        interpolation=cv2.INTER_AREA if side > frame else cv2.INTER_CUBIC,
    )
    progress.update(0.1, f"{info.label}: restoring the face on {loaded.label}")
    model_input, chroma = _to_model_space(resized, info)
    restored = _from_model_space(_run_model(loaded, model_input), chroma, (frame, frame))
    back = cv2.resize(
        restored, (side, side), interpolation=cv2.INTER_AREA if frame > side else cv2.INTER_CUBIC
    )
    progress.update(1.0, f"{info.label}: done")
    return back[:height, :width]


def _tiled_pass(
    loaded: LoadedModel, crop: np.ndarray, info: ModelInfo, tile: int, progress: Progress
) -> np.ndarray:
    model_input, chroma = _to_model_space(crop, info)
    output = run_tiled(
        lambda piece: _run_model(loaded, piece),
        model_input,
        info.scale,
        progress,
        tile=tile,
        overlap=DEFAULT_OVERLAP,
        message=f"{info.label} on {loaded.label}",
    )
    size = (crop.shape[0] * info.scale, crop.shape[1] * info.scale)
    return _from_model_space(output, chroma, size)


@dataclass(frozen=True)
class FilterRun:
    """How a filter actually ran: after running out of memory it may have used smaller
    tiles or the CPU rather than what was asked for."""

    device: str  # "cpu", "cuda", "cuda:1"
    precision: str  # "float32", "float16", "bfloat16" (after any fall back to float32)
    tile: int  # tile side in pixels; 0: in one piece
    fell_back: bool = False  # not the first attempt: memory ran out before
    description: str = ""  # "on the CPU in 256-pixel tiles"

    @property
    def precision_label(self) -> str:
        """'fp32', 'fp16' or 'bf16'."""
        return short_precision(self.precision)


def _attempts(
    info: ModelInfo, crop: np.ndarray, device: str, tile: int, progress: Progress
) -> list[Attempt]:
    """On the GPU: as asked, then smaller tiles, then the CPU. On the CPU: as asked, smaller.

    Each attempt returns its output and the `FilterRun` saying how it ran.
    """

    def attempt(run_device: str, run_tile: int, fell_back: bool) -> Attempt:
        where = "on the GPU" if run_device.startswith("cuda") else "on the CPU"
        tiles = "in one piece" if run_tile <= 0 else f"in {run_tile}-pixel tiles"
        description = f"{where} {tiles}"

        def run(step: Progress) -> tuple[np.ndarray, FilterRun]:
            step.update(0.0, f"Loading {info.label}")
            loaded = model_cache().get(info, run_device)
            if info.purpose == "face":
                output = _face_pass(loaded, crop, info, step)
            else:
                output = _tiled_pass(loaded, crop, info, run_tile, step)
            used_tile = 0 if info.purpose == "face" else run_tile
            return output, FilterRun(
                run_device, loaded.precision, used_tile, fell_back, description
            )

        return Attempt(description, run)

    smaller = []
    largest = tile if tile > 0 else max(crop.shape[:2])
    for divisor in (2, 4):
        size = effective_tile(info, largest // divisor)
        if info.purpose != "face" and info.tiling != "internal" and size < largest:
            smaller.append(size)
    attempts = [attempt(device, tile, False)]
    attempts += [attempt(device, size, True) for size in dict.fromkeys(smaller)]
    if device.startswith("cuda"):
        attempts.append(attempt("cpu", tile, True))
    return attempts


def apply_filter(
    image: np.ndarray,
    model_id: str,
    progress: Progress | None = None,
    device: str = "auto",
    region_mask: np.ndarray | None = None,
    *,
    tile: int | None = None,
) -> np.ndarray:
    """Run filter model `model_id` on `image` (HxWx3 uint8 RGB); return uint8 RGB.

    Without `region_mask` the whole photo is filtered and the result is `scale` times
    larger. With it, only masked pixels change (feathered; a soft 0..255 mask blends by
    its coverage instead), and the size stays the same.
    `tile` is the tile size in pixels (None: 512, 0: whole image at once).
    """
    return filter_image(image, model_id, progress, device, region_mask, tile=tile)[0]


def filter_image(
    image: np.ndarray,
    model_id: str | ModelInfo,
    progress: Progress | None = None,
    device: str = "auto",
    region_mask: np.ndarray | None = None,
    *,
    tile: int | None = None,
) -> tuple[np.ndarray, FilterRun | None]:
    """`apply_filter`, plus how the model actually ran (None when nothing was run).
    `model_id` may also be the description of a model file not in the models folder
    (a trained model evaluated before the person keeps it)."""
    from restorer.models.store import get

    progress = progress or Progress()
    info = model_id if isinstance(model_id, ModelInfo) else get(model_id)
    if not info.is_filter:
        raise ModelError(
            f"'{model_id}' is an {info.purpose} model; choose it as the repair engine instead."
        )
    rgb = as_rgb(image)
    mask = None if region_mask is None else as_mask(region_mask, rgb.shape[:2])
    run_device = resolve_device(device, ("cpu", "cuda"))
    tile_size = effective_tile(info, tile)

    if mask is None:
        box = (0, 0, rgb.shape[0], rgb.shape[1])
    else:
        found = changed_box(mask)
        if found is None:
            progress.update(1.0, "Nothing to filter: the mask is empty")
            return rgb.copy(), None
        box = _context_box(found, rgb.shape[:2], info)
    top, left, bottom, right = box
    crop = np.ascontiguousarray(rgb[top:bottom, left:right])
    attempts = _attempts(info, crop, run_device, tile_size, progress)
    result, used = run_with_fallbacks(attempts, progress)

    if mask is None:
        return result, used
    return _blend_into(rgb, result, mask, box, soft_coverage(region_mask)), used


def _context_box(
    found: tuple[int, int, int, int], shape: tuple[int, int], info: ModelInfo
) -> tuple[int, int, int, int]:
    """The crop a masked filter works on: the mask's box plus context for the model."""
    if info.purpose == "face":
        return _square_box(found, shape)
    margin = DEFAULT_OVERLAP + FEATHER
    top, left, bottom, right = found
    return (
        max(0, top - margin),
        max(0, left - margin),
        min(shape[0], bottom + margin),
        min(shape[1], right + margin),
    )


def _blend_into(
    rgb: np.ndarray,
    result: np.ndarray,
    mask: np.ndarray,
    box: tuple[int, int, int, int],
    coverage: np.ndarray | None = None,
) -> np.ndarray:
    """Put `result` (for `box`, maybe larger) back into `rgb` inside the feathered mask,
    or blended by `coverage` (0..255) when the mask is soft."""
    import cv2

    top, left, bottom, right = box
    height, width = bottom - top, right - left
    if result.shape[:2] != (height, width):
        result = cv2.resize(result, (width, height), interpolation=cv2.INTER_AREA)
    if coverage is not None:
        out = rgb.copy()
        inside = (slice(top, bottom), slice(left, right))
        out[inside] = blend_by_coverage(rgb[inside], result, coverage[inside])
        return out
    alpha = feathered_alpha(mask)[top:bottom, left:right, None]
    original = rgb[top:bottom, left:right].astype(np.float32)
    blended = original + (result.astype(np.float32) - original) * alpha
    out = rgb.copy()
    out[top:bottom, left:right] = np.clip(blended + 0.5, 0, 255).astype(np.uint8)
    out[~mask] = rgb[~mask]
    return out


@dataclass
class ImageResult:
    """A whole new image (the photo changed size, e.g. after super-resolution)."""

    pixels: np.ndarray  # HxWx3 uint8
    scale: int
    model_id: str = ""
    device: str = "cpu"
    seconds: float = 0.0
    run: FilterRun | None = None  # how the model actually ran


@dataclass
class FilterPatch(PatchResult):
    """A filter's new pixels for one rectangle; `device` is the one actually used."""

    run: FilterRun | None = None  # how the model actually ran


@dataclass
class FilterJob(Job):
    """Run a filter model on the whole photo, or only on its masked area."""

    image: np.ndarray
    model_id: str
    device: str = "auto"
    mask: np.ndarray | None = None  # None: whole photo
    tile: int | None = None
    title: str = field(default="Filtering")

    def run(self, progress: Progress) -> FilterPatch | ImageResult | None:
        """A `FilterPatch` when the size is unchanged, an `ImageResult` when it grew.

        Both name the device the model really ran on (the CPU after the GPU ran out of
        memory, say) and carry the `FilterRun`.
        """
        started = time.perf_counter()
        device = resolve_device(self.device, ("cpu", "cuda"))
        if self.mask is not None and changed_box(np.asarray(self.mask, dtype=bool)) is None:
            return None
        result, used = filter_image(
            self.image, self.model_id, progress, device, self.mask, tile=self.tile
        )
        if used is not None:
            device = used.device
        seconds = time.perf_counter() - started
        if result.shape[:2] != self.image.shape[:2]:
            scale = result.shape[0] // self.image.shape[0]
            return ImageResult(result, scale, self.model_id, device, seconds, used)
        box = (0, 0, result.shape[0], result.shape[1])
        if self.mask is not None:
            box = changed_box(np.asarray(self.mask, dtype=bool)) or box
        top, left, bottom, right = box
        return FilterPatch(
            box=box,
            pixels=np.ascontiguousarray(result[top:bottom, left:right]),
            engine_id=self.model_id,
            device=device,
            seconds=seconds,
            run=used,
        )
