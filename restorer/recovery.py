"""Crash recovery: the working state of the open photo, kept in the user data folder.

Each running app owns a folder `autosave/<pid>/` holding a lock file with its process
id. Each `save` is one *generation*: the photo (raw RGBA `.npy`, written in bands of
rows so the save can be stopped between two bands when the app needs the pixels), the
coverage mask (grey PNG) and a metadata JSON are written into a fresh hidden folder
`.gen-N.partial/`, which becomes `gen-N/` with a single rename once all three are
complete; older generations are removed after that. A crash at any moment leaves the
newest complete generation as it was: never the pixels of one save with the mask of
another. While the photo still equals the file it was
opened from, only the mask is written and the metadata names the file (with its size
and time, so a file changed since is noticed). A normal exit removes the folder. On the next
start, a folder whose process is gone and that holds a complete state is a session
that crashed: `stale_sessions` finds it, `load` reads it back exactly.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from restorer import faults
from restorer.paths import autosave_dir

LOCK = "lock.json"
META = "state.json"
IMAGE = "image.npy"
BAND_ROWS = 256  # rows of the photo written between two checks of `should_stop`
MASK = "mask.png"
FORMAT_VERSION = 2  # 2: one folder per generation; 1 (files in the session folder) still loads
GENERATION = "gen-"
PARTIAL = ".partial"


class SaveStopped(Exception):
    """`save` was asked to stop; the previous complete state is untouched."""


@dataclass
class RecoveredState:
    """What was being edited when the app stopped."""

    pixels: np.ndarray  # HxWx4 uint8
    mask: np.ndarray  # HxW uint8 coverage
    meta: dict = field(default_factory=dict)

    @property
    def source_path(self) -> Path | None:
        value = self.meta.get("path")
        return Path(value) if value else None

    @property
    def has_alpha(self) -> bool:
        return bool(self.meta.get("has_alpha", False))

    def blob(self, key: str) -> bytes | None:
        value = self.meta.get(key)
        return base64.b64decode(value) if value else None


def _process_alive(pid: int) -> bool:
    import psutil

    return pid == os.getpid() or psutil.pid_exists(pid)


def _generations(folder: Path) -> list[tuple[int, Path]]:
    """The complete generations in a session folder, oldest first."""
    found = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    for entry in entries:
        number = entry.name[len(GENERATION) :]
        if entry.name.startswith(GENERATION) and number.isdigit() and entry.is_dir():
            found.append((int(number), entry))
    return sorted(found)


def state_folder(folder: Path) -> Path:
    """Where a session's newest complete state lies: its newest generation, or the
    session folder itself for a state saved by an older version."""
    folder = Path(folder)
    generations = _generations(folder)
    return generations[-1][1] if generations else folder


def _fsync_folder(folder: Path) -> None:
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows cannot open a folder; its renames are durable enough
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


class RecoveryStore:
    """This process's autosave folder, and the folders crashed sessions left behind."""

    def __init__(self, root: Path | None = None, pid: int | None = None) -> None:
        self.root = Path(root) if root is not None else autosave_dir()
        self.pid = os.getpid() if pid is None else pid
        self.folder = self.root / str(self.pid)

    def claim(self) -> None:
        """Create this process's folder and lock file."""
        self.folder.mkdir(parents=True, exist_ok=True)
        lock = {"pid": self.pid, "started": time.time()}
        (self.folder / LOCK).write_text(json.dumps(lock), encoding="utf-8")

    def save(
        self,
        pixels: np.ndarray | None,
        mask: np.ndarray,
        meta: dict,
        should_stop: Callable[[], bool] | None = None,
        pixels_done: Callable[[], None] | None = None,
    ) -> Path:
        """Write the working state (photo, mask, metadata) atomically; returns the folder.

        `pixels` None: the photo is the file named by `meta["path"]`, unchanged.
        `should_stop()` is asked between bands of rows; True raises `SaveStopped`.
        `pixels_done()` is called once `pixels` are no longer read.
        """
        from PIL import Image

        self.claim()
        meta = dict(meta)
        generations = _generations(self.folder)
        number = generations[-1][0] + 1 if generations else 1
        partial = self.folder / f".{GENERATION}{number:06d}{PARTIAL}"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        try:
            if pixels is None:
                source = Path(meta["path"])
                stat = source.stat()
                meta["image_file"] = str(source)
                meta["image_stat"] = [stat.st_size, stat.st_mtime_ns]
            else:
                try:
                    _write_bands(partial / IMAGE, pixels, should_stop)
                finally:
                    if pixels_done is not None:
                        pixels_done()
            grey = Image.fromarray(np.ascontiguousarray(mask), "L")
            with open(partial / MASK, "wb") as stream:
                grey.save(stream, "PNG", compress_level=1)
                _sync(stream)
            faults.point("autosave.mask")
            record = dict(meta, version=FORMAT_VERSION, saved=time.time())
            record["size"] = [int(mask.shape[1]), int(mask.shape[0])]
            with open(partial / META, "w", encoding="utf-8") as stream:
                stream.write(json.dumps(record))
                _sync(stream)
            faults.point("autosave.meta")
            _fsync_folder(partial)
            # The switch: one rename makes the whole generation visible at once.
            os.rename(partial, self.folder / f"{GENERATION}{number:06d}")
            _fsync_folder(self.folder)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        faults.point("autosave.switched")
        self._remove_older_than(number)
        return self.folder

    def _remove_older_than(self, number: int) -> None:
        """Drop earlier generations, stray partial folders and files of the old layout."""
        for entry in self.folder.iterdir():
            name = entry.name
            if name.startswith(GENERATION) and name[len(GENERATION) :].isdigit():
                if int(name[len(GENERATION) :]) < number:
                    shutil.rmtree(entry, ignore_errors=True)
            elif name.endswith(PARTIAL) or name.endswith(".tmp") or name in (META, IMAGE, MASK):
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)

    def clear_state(self) -> None:
        """Forget the saved state (the work was saved or closed) but keep the lock."""
        if self.folder.is_dir():
            self._remove_older_than(1 << 62)

    def release(self) -> None:
        """A normal exit: remove this process's folder."""
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- crashed sessions -------------------------------------------------------
    def stale_sessions(self) -> list[Path]:
        """Folders of processes that are gone and left a complete state, newest first.

        Called at start; it also removes the temporary files that image saves killed
        halfway left beside the user's photos (`leftovers.sweep_journal`) and the folders of
        kept photos a crashed window left (`leftovers.sweep_folder_sessions`).
        """
        from restorer import leftovers

        leftovers.sweep_journal()
        leftovers.sweep_folder_sessions()
        found = []
        if not self.root.is_dir():
            return []
        for folder in self.root.iterdir():
            if not folder.is_dir() or folder == self.folder:
                continue
            try:
                pid = int(json.loads((folder / LOCK).read_text(encoding="utf-8"))["pid"])
            except (OSError, ValueError, KeyError, TypeError):
                pid = None
            if pid is not None and _process_alive(pid):
                continue
            if _complete(folder):
                found.append(((state_folder(folder) / META).stat().st_mtime, folder))
            else:
                shutil.rmtree(folder, ignore_errors=True)  # nothing worth keeping
        return [folder for _, folder in sorted(found, reverse=True)]

    @staticmethod
    def describe(folder: Path) -> dict:
        """The metadata of a crashed session (name, size, time), without reading pixels."""
        return json.loads((state_folder(folder) / META).read_text(encoding="utf-8"))

    @staticmethod
    def load(folder: Path) -> RecoveredState:
        """Read a crashed session's state back exactly."""
        from PIL import Image

        from restorer.errors import ImageReadError

        folder = state_folder(Path(folder))
        try:
            meta = json.loads((folder / META).read_text(encoding="utf-8"))
            if meta.get("image_file"):
                pixels = _photo_file(meta)
            else:
                pixels = np.load(folder / IMAGE, allow_pickle=False)
                if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 4:
                    raise ValueError(f"unexpected photo array {pixels.shape} {pixels.dtype}")
            with Image.open(folder / MASK) as image:
                mask = np.asarray(image.convert("L")).copy()
        except (OSError, ValueError) as error:
            raise ImageReadError(f"The recovered work could not be read: {error}") from error
        if mask.shape != pixels.shape[:2]:
            raise ImageReadError("The recovered mask does not match the recovered photo.")
        return RecoveredState(pixels, mask, meta)

    @staticmethod
    def discard(folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)


def _write_bands(path: Path, pixels: np.ndarray, should_stop) -> None:
    """Write `pixels` as an .npy file, band by band, stopping when asked."""
    with open(path, "wb") as stream:
        header = {"descr": "|u1", "fortran_order": False, "shape": pixels.shape}
        np.lib.format.write_array_header_1_0(stream, header)
        for row in range(0, pixels.shape[0], BAND_ROWS):
            if should_stop is not None and should_stop():
                raise SaveStopped
            stream.write(np.ascontiguousarray(pixels[row : row + BAND_ROWS]).tobytes())
            if row == 0:
                faults.point("autosave.pixels")
        _sync(stream)


def _sync(stream) -> None:
    stream.flush()
    os.fsync(stream.fileno())


def _complete(folder: Path) -> bool:
    """A state whose metadata, mask and photo (a file of its own, or named) are all there."""
    folder = state_folder(folder)
    if not (folder / META).is_file() or not (folder / MASK).is_file():
        return False
    if (folder / IMAGE).is_file():
        return True
    try:
        return bool(json.loads((folder / META).read_text(encoding="utf-8")).get("image_file"))
    except (OSError, ValueError):
        return False


def _photo_file(meta: dict) -> np.ndarray:
    """The unchanged photo a state names, as RGBA, if the file is still the same."""
    from restorer.errors import ImageReadError
    from restorer.imageio import load_image

    path = Path(meta["image_file"])
    try:
        stat = path.stat()
    except OSError as error:
        raise ImageReadError(f"The photo {path.name} is no longer there.") from error
    if [stat.st_size, stat.st_mtime_ns] != list(meta.get("image_stat", [])):
        raise ImageReadError(f"The photo {path.name} was changed since; its mask was not restored.")
    photo = load_image(path)
    pixels = np.empty((*photo.rgb.shape[:2], 4), np.uint8)
    pixels[..., :3] = photo.rgb
    pixels[..., 3] = 255 if photo.alpha is None else photo.alpha
    return pixels


def encode_blob(data: bytes | None) -> str | None:
    """Bytes (EXIF, ICC profile) as text for the metadata JSON."""
    return base64.b64encode(data).decode("ascii") if data else None
