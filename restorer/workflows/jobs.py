"""The jobs the window hands to its worker thread: open, save, masks, repair, device probe.

Plain Python (no Qt), so each runs and is tested without a window. Everything that can
take long on a 24-megapixel photo — decoding, building the zoom pyramid, encoding,
copying the pixels an engine needs — happens here, on the worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from restorer.edits import MaskEdit, PixelEdit
from restorer.geometry import Box, bounding_box
from restorer.jobs import InpaintJob, Job, PatchResult
from restorer.maskops import blend_by_coverage
from restorer.original import OriginalTiles
from restorer.progress import Progress
from restorer.pyramid import Pyramid

if TYPE_CHECKING:
    from restorer.regions import RegionPreview


@dataclass
class LoadedPhoto:
    """A decoded photo in the layout the document keeps: RGBA pixels, a 0/1 mask, pyramids."""

    path: Path
    pixels: np.ndarray  # HxWx4 uint8, alpha 255 when the file had none
    has_alpha: bool
    mask: np.ndarray  # HxW uint8 coverage, 0 = keep, 255 = repair
    image_pyramid: Pyramid
    mask_pyramid: Pyramid
    exif: bytes | None = None
    icc: bytes | None = None
    format: str | None = None
    notes: list[str] = field(default_factory=list)
    recovered: bool = False  # restored after a crash: differs from any file
    mask_bounds: Box | None = None  # where `mask` has set pixels, if it has any
    # Set for an image made in the app (no file yet): its name, and `path` a suggestion.
    untitled_name: str | None = None
    # The file holding the photo at 16 bits (`pixels` is its 8-bit view): saving to
    # PNG/TIFF reads it again and writes 16 bits (see `SavePhotoJob`).
    deep_source: Path | None = None


@dataclass
class OpenPhotoJob(Job):
    """Decode a photo file and prepare everything the canvas needs to show it."""

    path: Path
    title: str = "Opening"

    def run(self, progress: Progress) -> LoadedPhoto:
        from restorer.imageio import load_image

        progress.update(0.0, f"Opening {self.path.name}")
        photo = load_image(self.path)
        progress.update(0.6, f"Preparing {self.path.name}")
        height, width = photo.rgb.shape[:2]
        pixels = np.empty((height, width, 4), np.uint8)
        pixels[..., :3] = photo.rgb
        pixels[..., 3] = 255 if photo.alpha is None else photo.alpha
        photo.rgb = None  # type: ignore[assignment]  # free the decoded copy early
        progress.update(0.8)
        mask = np.zeros((height, width), np.uint8)
        loaded = LoadedPhoto(
            path=self.path,
            pixels=pixels,
            has_alpha=photo.alpha is not None,
            mask=mask,
            image_pyramid=Pyramid(pixels),
            mask_pyramid=Pyramid(mask),
            exif=photo.exif,
            icc=photo.icc,
            format=photo.format,
            notes=list(photo.notes),
            deep_source=self.path if photo.rgb16 is not None else None,
        )
        progress.update(1.0, f"Opened {self.path.name}")
        return loaded


@dataclass
class SavePhotoJob(Job):
    """Write the document's pixels to a file (atomically; the format follows the name)."""

    path: Path
    pixels: np.ndarray  # HxWx4 snapshot, not written to while the job runs
    has_alpha: bool
    exif: bytes | None = None
    icc: bytes | None = None
    title: str = "Saving"
    cancellable: bool = False  # a save either completes or leaves the old file untouched
    deep_source: Path | None = None  # the 16-bit file the pixels are an 8-bit view of

    def run(self, progress: Progress) -> Path:
        from restorer.formats.deep import can_save_deep
        from restorer.imageio import save_format, save_image, save_photo

        fmt = save_format(self.path)  # a bad extension fails before any copying
        progress.update(0.0, f"Saving {self.path.name}")
        rgb = np.ascontiguousarray(self.pixels[..., :3])
        alpha = np.ascontiguousarray(self.pixels[..., 3]) if self.has_alpha else None
        progress.update(0.2)
        deep = self._deep_photo(rgb, alpha) if can_save_deep(fmt) else None
        if deep is not None:
            path = save_photo(self.path, deep)
        else:
            path = save_image(self.path, rgb, alpha=alpha, exif=self.exif, icc=self.icc)
        progress.update(1.0, f"Saved {self.path.name}")
        return path

    def _deep_photo(self, rgb: np.ndarray, alpha: np.ndarray | None):
        """The 16-bit original with these pixels: every pixel equal to the original's 8-bit
        view keeps its 16-bit value, changed ones are lifted to 16 bits. None when there is
        no 16-bit original (or it no longer matches), so the save is 8-bit."""
        from dataclasses import replace

        from restorer.errors import RestorerError
        from restorer.formats import repaired
        from restorer.imageio import load_image

        if self.deep_source is None:
            return None
        try:
            photo = load_image(self.deep_source)
        except (RestorerError, OSError):
            return None
        if photo.rgb16 is None or photo.rgb.shape != rgb.shape:
            return None
        photo = repaired(photo, rgb)
        return replace(photo, alpha=alpha, exif=self.exif, icc=self.icc)


@dataclass
class OpenMaskJob(Job):
    """Read a mask file (white = repair, grey = partly) that must match the photo's size:
    uint8 coverage, soft edges kept."""

    path: Path
    shape: tuple[int, int]
    title: str = "Opening mask"

    def run(self, progress: Progress) -> np.ndarray:
        from restorer.imageio import load_mask

        progress.update(0.0, f"Opening mask {self.path.name}")
        mask = load_mask(self.path, self.shape, coverage=True)
        progress.update(1.0)
        return mask


@dataclass
class SaveMaskJob(Job):
    """Write the mask as an 8-bit grey PNG (its coverage: soft edges kept)."""

    path: Path
    mask: np.ndarray
    title: str = "Saving mask"
    cancellable: bool = False

    def run(self, progress: Progress) -> Path:
        from restorer.imageio import save_mask

        progress.update(0.0, f"Saving mask {self.path.name}")
        path = save_mask(self.path, self.mask)
        progress.update(1.0, f"Saved mask {self.path.name}")
        return path


@dataclass
class RepairOutcome:
    """An engine's patch, and the undo record of applying it to the snapshot it was given."""

    patch: PatchResult
    edit: PixelEdit | None
    mask_edit: MaskEdit | None = None  # the repaired area leaving the mask snapshot
    # Tiles of the snapshot under the repair, for `OriginalTiles.adopt` (compare view).
    tiles: dict = field(default_factory=dict)
    # The coverage the pixels were blended with, over the patch's box, when the repair
    # area was grown past the mask (`RepairJob.grow`); None: the job's own mask.
    coverage: np.ndarray | None = None


@dataclass
class RepairOverlay:
    """A running repair's preview, ready to draw over the photo: `rgba` (C-contiguous
    HxWx4 uint8) over `box` of the photo, its alpha the job's mask coverage there. A
    coarse preview is smaller than its box and is drawn scaled up."""

    box: Box
    rgba: np.ndarray


def repair_overlay(job: RepairJob, preview: RegionPreview) -> RepairOverlay | None:
    """The overlay for one of `job`'s previews (made on the worker thread, so the GUI
    thread only wraps it); None when it does not fit the job's photo. A full-size
    preview is cut to the part its mask covers."""
    import cv2

    height, width = job.mask.shape[:2]
    crop = Box(0, 0, height, width) if job.crop is None else job.crop.clip(height, width)
    box = preview.box.placed_in(crop)
    pixels = preview.pixels
    if box.is_empty or box.bottom > height or box.right > width:
        return None
    if pixels.ndim != 3 or pixels.shape[2] < 3 or pixels.dtype != np.uint8:
        return None
    coverage = job.mask[box.slices]
    coverage = coverage.astype(np.uint8) * 255 if coverage.dtype == bool else coverage
    rows, cols = pixels.shape[:2]
    if (rows, cols) != coverage.shape:  # a coarse preview: drawn scaled up to the box
        coverage = cv2.resize(coverage, (cols, rows), interpolation=cv2.INTER_AREA)
    else:
        covered = bounding_box(coverage)
        if covered is None:
            return None
        box = covered.placed_in(box)
        pixels, coverage = pixels[covered.slices], coverage[covered.slices]
        rows, cols = pixels.shape[:2]
    rgba = np.empty((rows, cols, 4), np.uint8)
    rgba[..., :3] = pixels[..., :3]
    rgba[..., 3] = coverage
    return RepairOverlay(box, rgba)


@dataclass
class RepairJob(Job):
    """Repair the masked pixels of an RGBA snapshot with one engine (see `InpaintJob`).

    The engine repairs `mask > 0`; its pixels are blended in by the mask's coverage,
    so a soft brush edge gives a soft seam. Also prepares the undo record (only the
    pixels that changed), so the GUI thread merely pushes it. With `crop`, the engine
    sees only that part of the photo (a stroke and its surroundings, for healing as
    you paint), and the results are still in whole-photo coordinates.
    """

    pixels: np.ndarray  # HxWx4 snapshot
    mask: np.ndarray  # HxW uint8 coverage snapshot (or bool: full coverage)
    engine_id: str | None = None
    device: str = "auto"
    seed: int = 0
    title: str = "Repairing"
    crop: Box | None = None
    kept: frozenset = frozenset()  # original tiles the document already keeps
    mask_version: int = -1  # the document's mask version `mask` was taken at
    engine_label: str | None = None  # for the undo step's name
    grow: int = 0  # pixels to grow the repair area past the mask (edge-aware), 0: none

    def run(self, progress: Progress) -> RepairOutcome | None:
        height, width = self.pixels.shape[:2]
        crop = Box(0, 0, height, width) if self.crop is None else self.crop.clip(height, width)
        rgb = np.ascontiguousarray(self.pixels[crop.slices][..., :3])
        mask = self.mask[crop.slices]
        area = mask
        if self.grow > 0:
            from restorer.grow_area import grow_repair_area

            area = grow_repair_area(rgb, mask, self.grow)
        job = InpaintJob(rgb, area > 0, self.engine_id, self.device, self.seed)
        patch = job.run(progress)
        if patch is None:
            return None
        inner = Box(*patch.box)
        box = inner.placed_in(crop)
        patch.box = tuple(box)
        before = rgb[inner.slices]
        coverage = area[inner.slices]
        after = blend_by_coverage(before, patch.pixels, coverage)
        mask_edit = None  # from a bool mask, the document works it out from its own
        if mask.dtype == np.uint8:
            painted = mask[inner.slices]
            mask_edit = MaskEdit.from_arrays(box, painted, np.zeros_like(painted))
        pixel_edit = PixelEdit.from_arrays(box, before, after)
        tiles = {}
        if pixel_edit is not None:
            tiles = OriginalTiles(height, width).copies_for(self.pixels, pixel_edit.box, self.kept)
        grown = coverage if area is not mask else None
        return RepairOutcome(patch, pixel_edit, mask_edit, tiles, grown)

    def prepare_preview(self, preview: object) -> object:
        """An engine's `RegionPreview` becomes a `RepairOverlay` here, on the worker."""
        from restorer.regions import RegionPreview

        if isinstance(preview, RegionPreview):
            return repair_overlay(self, preview)
        return preview


@dataclass
class DeviceInfo:
    """What compute devices this machine offers, found off the GUI thread (torch is slow to import)."""

    cuda: bool
    cuda_label: str | None = None


@dataclass
class ProbeDevicesJob(Job):
    title: str = "Looking for a GPU"
    cancellable: bool = False

    def run(self, progress: Progress) -> DeviceInfo:
        from restorer.devices import cuda_available, device_label

        if cuda_available():
            return DeviceInfo(True, device_label("cuda"))
        return DeviceInfo(False)
