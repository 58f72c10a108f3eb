"""One batch worker: an engine loaded once, then any number of photos repaired with it."""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from restorer.batch.plan import BatchItem, BatchOptions
from restorer.errors import MaskError, RestorerError
from restorer.progress import Progress

DONE, SKIPPED, FAILED = "done", "skipped", "failed"


@dataclass
class ItemResult:
    """What became of one photo; what the report lists."""

    source: str
    output: str
    status: str  # done, skipped or failed
    error: str | None = None
    seconds: float = 0.0
    megapixels: float = 0.0
    masked_pixels: int = 0
    worker: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def damage_detector():
    """`restorer.damage.detect_damage`, or a BatchError saying it is not installed."""
    from restorer.batch.plan import BatchError

    try:
        from restorer.damage import detect_damage
    except ImportError:
        raise BatchError(
            "--detect needs Restorer's damage detection (restorer.damage), which this "
            "installation does not have; give masks with --mask or --masks instead."
        ) from None
    return detect_damage


def check_options(options: BatchOptions) -> str:
    """Refuse, before any worker starts, what would fail on every file: an unknown engine
    or device, a missing shared mask, --detect without the detector. Returns the engine id."""
    from restorer.batch.plan import BatchError
    from restorer.catalog import registry
    from restorer.devices import resolve_device

    engine = registry().resolve(options.engine)
    resolve_device(options.device, engine.devices)
    if options.mask is not None and not options.mask.is_file():
        raise BatchError(f"No such mask file: {options.mask}")
    if options.detect:
        damage_detector()
    return engine.id


class BatchWorker:
    """Holds the engine (and any model it loads) for the life of the worker."""

    def __init__(self, options: BatchOptions):
        from restorer.catalog import registry
        from restorer.devices import reserve_cores, resolve_device

        self.options = options
        if options.threads:
            import cv2

            reserve_cores((os.cpu_count() or 1) - options.threads)
            cv2.setNumThreads(options.threads)
        self.engine = registry().resolve(options.engine)
        self.device = resolve_device(options.device, self.engine.devices)
        self.detect = damage_detector() if options.detect else None
        self._shared_mask: np.ndarray | None = None
        self.name = f"{os.getpid()}@{os.uname().nodename}"

    def run(
        self, item: BatchItem, run_started_ns: int = 0, progress: Progress | None = None
    ) -> ItemResult:
        """Repair one photo and write its result atomically; never raises for a bad file
        (only `Cancelled`, when `progress` is cancelled).

        An output written at or after `run_started_ns` is this run's own (a retry after a
        worker died): it is reported done, not written a second time.
        """
        start = time.perf_counter()
        result = ItemResult(str(item.source), str(item.output), DONE, worker=self.name)
        try:
            if item.output.exists():
                if run_started_ns and item.output.stat().st_mtime_ns >= run_started_ns:
                    return result
                if self.options.skip_existing:
                    result.status = SKIPPED
                    return result
            self._repair(item, result, progress or Progress())
        except (RestorerError, OSError, ValueError, MemoryError) as exc:
            result.status, result.error = FAILED, _sentence(item.source, exc)
        result.seconds = round(time.perf_counter() - start, 3)
        return result

    def _repair(self, item: BatchItem, result: ItemResult, progress: Progress) -> None:
        from restorer.formats import repaired
        from restorer.imageio import load_image, save_photo
        from restorer.regions import inpaint_regions

        photo = load_image(item.source)
        if item.edited is not None:
            photo = _with_edits(photo, item.edited)
        result.megapixels = round(photo.width * photo.height / 1e6, 3)
        mask = self._mask(item, photo.rgb)
        result.masked_pixels = int(np.count_nonzero(mask))
        filled = inpaint_regions(
            self.engine, photo.rgb, mask, progress, device=self.device, seed=self.options.seed
        )
        item.output.parent.mkdir(parents=True, exist_ok=True)
        for stale in item.output.parent.glob(f".{item.output.name}.*.tmp"):
            stale.unlink(missing_ok=True)  # left by a worker that was killed mid-write
        save_photo(item.output, repaired(photo, filled, mask), quality=self.options.quality)

    def _mask(self, item: BatchItem, rgb: np.ndarray) -> np.ndarray:
        from restorer.imageio import load_mask

        shape = rgb.shape[:2]
        if self.detect is not None:
            return np.asarray(self.detect(rgb)) > 0
        if item.mask is not None and item.mask.suffix == ".npy":  # kept by the window
            return _array_of(item.mask, shape) > 0
        if item.mask is not None:
            return load_mask(item.mask, shape=shape)
        if self.options.masks is not None:
            raise MaskError(f"No mask for {item.relative} in {self.options.masks}.")
        if self.options.mask is None:
            raise MaskError("No mask given: use --mask, --masks or --detect.")
        if self._shared_mask is None:
            self._shared_mask = load_mask(self.options.mask)
        if self._shared_mask.shape != shape:
            raise MaskError(
                f"The mask {self.options.mask.name} is {self._shared_mask.shape[1]}x"
                f"{self._shared_mask.shape[0]} but the photo is {shape[1]}x{shape[0]}."
            )
        return self._shared_mask


def _array_of(path: Path, shape: tuple[int, int]) -> np.ndarray:
    """An array the window kept for a photo (its mask or edited pixels), of the photo's size."""
    array = np.load(path, allow_pickle=False)
    if array.shape[:2] != shape:
        raise MaskError(f"The kept {path.stem} does not match the photo's size.")
    return array


def _with_edits(photo, edited: Path):
    """`photo` with the pixels it was given in the window (RGB or RGBA uint8)."""
    from dataclasses import replace

    pixels = _array_of(edited, (photo.height, photo.width))
    alpha = photo.alpha
    if pixels.shape[2] == 4 and alpha is not None:
        alpha = np.ascontiguousarray(pixels[..., 3])
    return replace(photo, rgb=np.ascontiguousarray(pixels[..., :3]), alpha=alpha)


def _sentence(source: Path, exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, OSError) and not isinstance(exc, RestorerError):
        text = f"{source.name}: {exc.strerror or text}"
    elif isinstance(exc, MemoryError):
        text = f"{source.name}: out of memory"
    return text
