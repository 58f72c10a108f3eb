"""Opening and saving photos and masks, without blocking the window.

Decoding and encoding run as jobs. Unsaved changes are guarded: before the photo is
replaced or the window closes, the person chooses Save / Discard / Cancel, and "Save"
continues with the original action only once the save succeeded. Saving over the file
that was opened asks first. An image made in the app (a texture, a generated picture)
opens as an unsaved document with `open_image`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QWidget

from restorer.imageio import READ_EXTENSIONS, SAVE_FORMATS
from restorer.workflows.jobs import (
    LoadedPhoto,
    OpenMaskJob,
    OpenPhotoJob,
    SaveMaskJob,
    SavePhotoJob,
)
from restorer.workflows.new_image import NewImageJob, suggested_file_name
from ui.core import dialogs
from ui.core.settings import settings

if TYPE_CHECKING:
    from ui.core.jobs import Jobs
    from ui.document import Document

MAX_RECENT = 10

OPEN_FILTER = (
    "Images (" + " ".join(f"*{ext}" for ext in READ_EXTENSIONS) + ");;"
    "JPEG (*.jpg *.jpeg);;PNG (*.png);;TIFF (*.tif *.tiff);;WebP (*.webp);;BMP (*.bmp);;"
    "All files (*)"
)
SAVE_FILTERS = {
    "PNG (*.png)": ".png",
    "JPEG (*.jpg *.jpeg)": ".jpg",
    "TIFF (*.tif *.tiff)": ".tif",
    "WebP (*.webp)": ".webp",
    "BMP (*.bmp)": ".bmp",
}
MASK_FILTER = "PNG mask (*.png);;Images (" + " ".join(f"*{e}" for e in READ_EXTENSIONS) + ")"


def with_extension(path: Path, selected_filter: str) -> Path:
    """Add the chosen filter's extension when the name has no known one."""
    if path.suffix.lower() in SAVE_FORMATS:
        return path
    return path.with_name(path.name + SAVE_FILTERS.get(selected_filter, ".png"))


class FilesHost(Protocol):
    """What `DocumentFiles` needs of the window."""

    @property
    def document(self) -> Document | None: ...

    @property
    def jobs(self) -> Jobs: ...

    def widget(self) -> QWidget: ...

    def show_photo(self, loaded: LoadedPhoto) -> None: ...

    def status(self, message: str, timeout_ms: int = 0) -> None: ...


class DocumentFiles(QObject):
    """Opening, saving and guarding the window's document."""

    def __init__(self, host: FilesHost) -> None:
        super().__init__(host.widget())
        self.host = host
        self._opened_path: Path | None = None  # the file the photo came from
        self._overwrite_confirmed = False
        self.open_job: int | None = None

    # -- unsaved changes ------------------------------------------------------
    def settle_unsaved(self, before: str, then: Callable[[], None]) -> bool:
        """True when there is nothing unsaved to lose (or the person discards it).

        If the person chooses Save, the save starts, `then` runs once it succeeded,
        and False is returned (the caller stops for now). Cancel also returns False.
        """
        document = self.host.document
        if document is None or not document.is_modified:
            return True
        answer = dialogs.ask_save_changes(
            self.host.widget(), document.name, before, never_saved=document.untitled
        )
        if answer == dialogs.DISCARD:
            return True
        if answer == dialogs.SAVE:
            if document.untitled:
                self.ask_save_as(then)
            else:
                self.save_to(document.path, then=then)
        return False

    # -- photos ---------------------------------------------------------------
    def open_dialog(self) -> None:
        start = str(self.host.document.path.parent) if self.host.document else ""
        name, _ = QFileDialog.getOpenFileName(self.host.widget(), "Open Photo", start, OPEN_FILTER)
        if name:
            self.open_path(Path(name))

    def open_path(self, path: Path) -> int | None:
        """Open a photo in the window (after settling unsaved changes); returns the job id."""
        path = Path(path)
        if not self.settle_unsaved("opening another photo", lambda: self.open_path(path)):
            return None
        self.host.jobs.cancel_all()
        self.host.status(f"Opening {path.name}…")

        def opened(loaded: LoadedPhoto) -> None:
            self._opened_path = loaded.path
            self._overwrite_confirmed = False
            self.remember(loaded.path)
            self.host.show_photo(loaded)

        def failed(message: str) -> None:
            self.host.status("")
            dialogs.show_error(self.host.widget(), "Could not open the photo", message)

        def ended() -> None:
            self.open_job = None

        self.open_job = self.host.jobs.submit(
            OpenPhotoJob(path), opened, on_failed=failed, on_end=ended
        )
        return self.open_job

    def show_untitled(self, loaded: LoadedPhoto) -> None:
        """Make an image made in the app (no file yet) the open document."""
        self._opened_path = None
        self._overwrite_confirmed = False
        self.host.show_photo(loaded)

    def save(self) -> int | None:
        """Save over the document's file (asking first when it is the opened original).

        A document without a file yet goes to Save As.
        """
        document = self.host.document
        if document is None:
            return None
        if document.untitled:
            return self.save_as_dialog()
        if document.path == self._opened_path and not self._overwrite_confirmed:
            if not dialogs.confirm_overwrite(self.host.widget(), document.name):
                return None
            self._overwrite_confirmed = True
        return self.save_to(document.path)

    def save_as_dialog(self) -> int | None:
        """Ask where to save; returns the save job's id, None when the person cancelled."""
        return self.ask_save_as()

    def ask_save_as(self, then: Callable[[], None] | None = None) -> int | None:
        """Save As, then run `then` once the save succeeded."""
        document = self.host.document
        if document is None:
            return None
        suggestion = document.path.with_name(f"{document.path.stem}-repaired{document.path.suffix}")
        if document.untitled:
            suggestion = document.path
        chosen_filter = next(
            (f for f, ext in SAVE_FILTERS.items() if ext == document.path.suffix.lower()),
            "PNG (*.png)",
        )
        name, selected = QFileDialog.getSaveFileName(
            self.host.widget(), "Save As", str(suggestion), ";;".join(SAVE_FILTERS), chosen_filter
        )
        if not name:
            return None
        return self.save_to(with_extension(Path(name), selected), then=then)

    def save_to(self, path: Path, then: Callable[[], None] | None = None) -> int | None:
        """Save the photo to `path` (format from the extension), keeping EXIF/ICC/alpha."""
        document = self.host.document
        if document is None:
            return None
        path = Path(path)
        snapshot = document.share_pixels()
        state = document.edit_state()
        job = SavePhotoJob(
            path,
            snapshot,
            document.has_alpha,
            document.exif,
            document.icc,
            deep_source=document.deep_source,
        )

        def saved(written: Path) -> None:
            if document is not self.host.document:
                return
            if written != self._opened_path:
                self._overwrite_confirmed = True  # chosen in Save As; Save goes there quietly
            document.mark_saved(written, state)
            self.remember(written)
            note = ""
            if document.has_alpha and written.suffix.lower() in (".jpg", ".jpeg"):
                note = " (JPEG has no transparency: it was left out)"
            self.host.status(f"Saved {written.name}{note}", 6000)
            if then is not None:
                then()

        def failed(message: str) -> None:
            dialogs.show_error(self.host.widget(), "Could not save the photo", message)

        return self.host.jobs.submit(
            job, saved, on_failed=failed, on_end=lambda: document.release_pixels(snapshot)
        )

    # -- masks ----------------------------------------------------------------
    def load_mask_dialog(self) -> None:
        document = self.host.document
        if document is None:
            return
        name, _ = QFileDialog.getOpenFileName(
            self.host.widget(), "Load Mask", str(document.path.parent), MASK_FILTER
        )
        if name:
            self.load_mask(Path(name))

    def load_mask(self, path: Path) -> int | None:
        """Replace the mask with a mask file of the photo's size (white = repair)."""
        document = self.host.document
        if document is None:
            return None
        path = Path(path)

        def loaded(mask) -> None:
            if document is not self.host.document:
                return
            document.replace_mask(mask, f"Load mask {path.name}")
            self.host.status(f"Loaded mask {path.name}", 6000)

        def failed(message: str) -> None:
            dialogs.show_error(self.host.widget(), "Could not load the mask", message)

        job = OpenMaskJob(path, (document.height, document.width))
        return self.host.jobs.submit(job, loaded, on_failed=failed)

    def save_mask_dialog(self) -> None:
        document = self.host.document
        if document is None:
            return
        suggestion = document.path.with_name(f"{document.path.stem}-mask.png")
        name, _ = QFileDialog.getSaveFileName(
            self.host.widget(), "Save Mask", str(suggestion), "PNG mask (*.png)"
        )
        if name:
            path = Path(name)
            self.save_mask(path if path.suffix.lower() == ".png" else path.with_suffix(".png"))

    def save_mask(self, path: Path) -> int | None:
        document = self.host.document
        if document is None:
            return None
        path = Path(path)

        def saved(written: Path) -> None:
            self.host.status(f"Saved mask {written.name}", 6000)

        def failed(message: str) -> None:
            dialogs.show_error(self.host.widget(), "Could not save the mask", message)

        job = SaveMaskJob(path, document.mask_snapshot())
        return self.host.jobs.submit(job, saved, on_failed=failed)

    def show_restored(self, loaded: LoadedPhoto) -> None:
        """Show work restored after a crash; saving over its original file asks first."""
        self._opened_path = loaded.path
        self._overwrite_confirmed = False
        self.host.show_photo(loaded)

    # -- images made in the app -------------------------------------------------
    def open_image(self, image: np.ndarray, name: str) -> int | None:
        """Open `image` (HxW, HxWx3 or HxWx4 uint8) as a new untitled document `name`.

        Unsaved changes to the open photo are settled first, as when opening a file.
        The image is prepared as a job; the window shows it when ready.
        """
        if not self.settle_unsaved(f"opening {name}", lambda: self.open_image(image, name)):
            return None
        current = self.host.document
        folder = current.path.parent if current is not None else Path.home()
        job = NewImageJob(np.asarray(image), name, folder / suggested_file_name(name))

        def failed(message: str) -> None:
            dialogs.show_error(self.host.widget(), f"Could not open {name}", message)

        return self.host.jobs.submit(job, self.show_untitled, on_failed=failed)

    # -- recent files -----------------------------------------------------------
    def recent(self) -> list[Path]:
        value = settings().value("recentFiles", [])
        if isinstance(value, str):
            value = [value]
        return [Path(item) for item in value or []]

    def remember(self, path: Path) -> None:
        path = Path(path).resolve()
        items = [str(path)] + [str(p) for p in self.recent() if p != path]
        settings().setValue("recentFiles", items[:MAX_RECENT])
