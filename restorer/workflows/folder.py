"""Working through a folder in the window: photos kept as you move, where results go, and
Repair All over the folder. Plain Python (no Qt); the filmstrip (`ui.features.folder`)
drives it.

- `FolderSession` keeps each photo's mask and unsaved edits while the person moves on.
  The last few stay in memory; older ones are written to a temporary folder (`spill`,
  on the worker thread) so a long walk through a folder does not grow memory. What is
  kept has no undo history: the pixels and the mask as they were left.
- `OutputChoice` is where Save and Next and Repair All write: a folder, a suffix, a
  format; it never names an original unless the person allowed that.
- `OpenFolderPhotoJob` opens a photo of the folder with what was kept for it, and
  `FolderRepairJob` repairs many photos with `restorer.batch` (one engine load, one
  result per photo, nothing lost when one fails), cancellable, with time left.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from restorer import leftovers
from restorer.batch import BatchItem, BatchOptions, ItemResult, run_local
from restorer.batch.plan import FORMAT_EXTENSIONS, output_name
from restorer.geometry import bounding_box
from restorer.jobs import Job
from restorer.progress import Progress
from restorer.pyramid import Pyramid
from restorer.workflows.jobs import LoadedPhoto, OpenPhotoJob

KEEP, ASK = "keep", "ask"  # what moving on does with a photo's mask and unsaved edits
OUTPUT_FORMATS = ("same", *FORMAT_EXTENSIONS)  # same, jpg, png, tif


@dataclass(frozen=True)
class OutputChoice:
    """Where a folder's results go: `folder` (None: `restored/` inside the photos' folder),
    each photo's name plus `suffix`, in `fmt` (same, jpg, png or tif; a RAW photo's
    "same" is TIFF). `overwrite` allows writing over an original; nothing else does."""

    folder: Path | None = None
    suffix: str = ""
    fmt: str = "same"
    overwrite: bool = False

    def __post_init__(self) -> None:
        if self.fmt not in OUTPUT_FORMATS:
            raise ValueError(f"unknown output format {self.fmt!r}")

    def target(self, source: Path) -> Path:
        """The file `source`'s result is written to."""
        folder = self.folder if self.folder is not None else source.parent / "restored"
        return folder / output_name(Path(source.name), source, self.suffix, self.fmt)

    def writes_over(self, source: Path) -> bool:
        """Whether `source`'s result would replace `source` itself."""
        return self.target(source).resolve() == source.resolve()

    def allowed(self, source: Path) -> bool:
        return self.overwrite or not self.writes_over(source)


@dataclass
class KeptPhoto:
    """What is kept of a photo left with a mask or unsaved edits."""

    source: Path
    mask: np.ndarray | None  # HxW uint8 coverage; None once written to `mask_file`
    pixels: np.ndarray | None  # HxWx4 uint8 when edited; None: the file's own pixels
    edited: bool  # the pixels differ from the file's
    has_alpha: bool = False
    exif: bytes | None = None
    icc: bytes | None = None
    format: str | None = None
    deep_source: Path | None = None
    notes: list[str] = field(default_factory=list)
    mask_file: Path | None = None
    pixels_file: Path | None = None
    mask_set: bool = True  # whether the mask had set pixels when it was written out

    @property
    def in_memory(self) -> bool:
        return self.mask is not None

    @property
    def has_mask(self) -> bool:
        if self.mask is not None:
            return bool(self.mask.any())
        return self.mask_set


class FolderSession:
    """The photos of one folder kept with their masks and unsaved edits.

    `keep` and `discard` run on the GUI thread; `spill` and `arrays`, which read and
    write files, on the worker thread (jobs run one at a time, so they never overlap).
    """

    def __init__(self, in_memory: int = 3) -> None:
        self.in_memory = max(1, in_memory)
        self._kept: OrderedDict[Path, KeptPhoto] = OrderedDict()
        self._folder: Path | None = None
        self._serial = 0

    def __len__(self) -> int:
        return len(self._kept)

    def __contains__(self, source: Path) -> bool:
        return Path(source) in self._kept

    def get(self, source: Path) -> KeptPhoto | None:
        return self._kept.get(Path(source))

    def photos(self) -> list[KeptPhoto]:
        return list(self._kept.values())

    def keep(self, photo: KeptPhoto) -> list[KeptPhoto]:
        """Keep `photo` (replacing what was kept for it); returns the kept photos now
        beyond the few held in memory, to `spill` to disk."""
        old = self._kept.pop(photo.source, None)
        if old is not None:
            self._remove_files(old)
        self._kept[photo.source] = photo
        held = [kept for kept in self._kept.values() if kept.in_memory]
        return held[: max(0, len(held) - self.in_memory)]

    def discard(self, source: Path) -> None:
        kept = self._kept.pop(Path(source), None)
        if kept is not None:
            self._remove_files(kept)

    def memory_bytes(self) -> int:
        """Bytes of pixels and masks held in memory."""
        total = 0
        for kept in self._kept.values():
            for array in (kept.mask, kept.pixels):
                total += 0 if array is None else array.nbytes
        return total

    # -- on the worker thread -------------------------------------------------------
    def spill(self, photo: KeptPhoto) -> None:
        """Write `photo`'s mask (and edited pixels) to the session's folder and let go of
        the arrays. Idempotent."""
        mask, pixels = photo.mask, photo.pixels
        if mask is None:
            return
        self._serial += 1
        stem = self.folder() / f"{self._serial:05d}-{photo.source.stem}"
        if pixels is not None:
            np.save(stem.with_name(stem.name + ".pixels.npy"), pixels, allow_pickle=False)
            photo.pixels_file = stem.with_name(stem.name + ".pixels.npy")
        np.save(stem.with_name(stem.name + ".mask.npy"), mask, allow_pickle=False)
        photo.mask_set = bool(mask.any())
        photo.mask_file = stem.with_name(stem.name + ".mask.npy")
        photo.pixels = None
        photo.mask = None

    def arrays(self, photo: KeptPhoto) -> tuple[np.ndarray | None, np.ndarray]:
        """(edited pixels or None, mask) of a kept photo, from memory or from disk."""
        mask, pixels = photo.mask, photo.pixels
        if mask is None:
            assert photo.mask_file is not None
            mask = np.load(photo.mask_file, allow_pickle=False)
            if photo.pixels_file is not None:
                pixels = np.load(photo.pixels_file, allow_pickle=False)
        return pixels, mask

    def folder(self) -> Path:
        """The temporary folder spilled photos go to (made when first needed)."""
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix=leftovers.folder_session_prefix()))
        return self._folder

    def close(self) -> None:
        """Forget every kept photo and remove the temporary folder."""
        self._kept.clear()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    @staticmethod
    def _remove_files(photo: KeptPhoto) -> None:
        for path in (photo.mask_file, photo.pixels_file):
            if path is not None:
                path.unlink(missing_ok=True)


@dataclass
class SpillJob(Job):
    """Write kept photos beyond the few held in memory to the session's folder."""

    session: FolderSession
    photos: list[KeptPhoto]
    title: str = "Keeping edits"
    cancellable: bool = False

    def run(self, progress: Progress) -> int:
        for photo in self.photos:
            self.session.spill(photo)
        return len(self.photos)


@dataclass
class OpenFolderPhotoJob(Job):
    """Open a photo of the folder; with `kept`, as it was left (mask and edits)."""

    path: Path
    kept: KeptPhoto | None = None
    session: FolderSession | None = None
    title: str = "Opening"

    def run(self, progress: Progress) -> LoadedPhoto:
        kept = self.kept
        if kept is None or self.session is None:
            return OpenPhotoJob(self.path).run(progress)
        pixels, mask = self.session.arrays(kept)
        if pixels is None:
            loaded = OpenPhotoJob(self.path).run(progress.span(0.0, 0.8))
        else:
            progress.update(0.0, f"Opening {self.path.name} as you left it")
            loaded = LoadedPhoto(
                path=self.path,
                pixels=pixels,
                has_alpha=kept.has_alpha,
                mask=mask,
                image_pyramid=Pyramid(pixels),
                mask_pyramid=Pyramid(mask),
                exif=kept.exif,
                icc=kept.icc,
                format=kept.format,
                notes=list(kept.notes),
                recovered=kept.edited,  # differs from the file: unsaved
                deep_source=kept.deep_source,
            )
        if mask.shape != loaded.pixels.shape[:2]:
            return loaded  # the file changed size since: its own pixels, no mask
        loaded.mask = mask
        loaded.mask_pyramid = Pyramid(mask)
        loaded.mask_bounds = bounding_box(mask)
        progress.update(1.0, f"Opened {self.path.name} with its mask and edits")
        return loaded


@dataclass
class FolderRepairJob(Job):
    """Repair many photos of a folder in one run and write each to its output.

    `photos` are (source, output) pairs. A photo kept in `session` is repaired as it was
    left (its edited pixels, its mask); with `options.detect` its damage is found instead
    of its mask used. Each finished photo is appended to `results` as it is written (the
    window marks it), and `progress` says how many are done and the time left.
    """

    photos: list[tuple[Path, Path]]
    session: FolderSession
    options: BatchOptions
    title: str = "Repairing all photos"
    results: list[ItemResult] = field(default_factory=list)
    engine_id: str | None = None

    def __post_init__(self) -> None:
        self.engine_id = self.options.engine

    def items(self) -> list[BatchItem]:
        """The batch: each photo with its kept mask and edits (written out first)."""
        items = []
        for source, output in self.photos:
            kept = self.session.get(source)
            mask = edited = None
            if kept is not None:
                self.session.spill(kept)
                mask, edited = kept.mask_file, kept.pixels_file
            if self.options.detect:
                mask = None
            items.append(BatchItem(source, output, Path(source.name), mask, edited))
        return items

    def run(self, progress: Progress) -> list[ItemResult]:
        progress.update(0.0, f"Repairing {len(self.photos)} photos")
        items = self.items()
        started = time.perf_counter()
        total = len(items)

        def finished(result: ItemResult) -> None:
            self.results.append(result)
            done = len(self.results)
            left = (time.perf_counter() - started) / done * (total - done)
            progress.update(done / total, f"{done} of {total} photos · {time_left(left)}")

        run_local(items, self.options, jobs=1, on_result=finished, progress=progress)
        return list(self.results)


def time_left(seconds: float) -> str:
    """'about 3 min left', 'about 20 s left', 'done'."""
    if seconds <= 0.5:
        return "done"
    if seconds < 90:
        return f"about {max(1, round(seconds))} s left"
    if seconds < 90 * 60:
        return f"about {round(seconds / 60)} min left"
    return f"about {seconds / 3600:.1f} h left"
