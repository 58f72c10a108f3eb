"""Autosave for crash recovery, and the offer to restore after a crash.

Every `INTERVAL_MS`, if the photo or mask changed since the last autosave, the working
state is written by `restorer.recovery.RecoveryStore` on a plain background thread (not
the worker, so a repair never waits for it). The GUI thread only takes a shared
reference to the pixels and the mask (a stroke during the save copies the mask); if the photo is about to
change while the save still reads it, the save stops between two bands of rows and
tries again later (no copy of the whole photo, no wait beyond one band). A normal close removes the autosave; after a crash, the next start
offers to restore it.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox

from restorer.recovery import RecoveryStore, SaveStopped, encode_blob
from restorer.workflows.jobs import LoadedPhoto
from restorer.workflows.recovery import RestoreJob
from ui.core import dialogs

if TYPE_CHECKING:
    from ui.document import Document
    from ui.shell import Shell

log = logging.getLogger(__name__)

INTERVAL_MS = 30_000


class Autosaver(QObject):
    """Keeps the open document's working state in the user data folder."""

    saved = Signal(object)  # the folder written
    save_failed = Signal(str)
    _done = Signal(int, object, bool)  # save number, error message or None, stopped

    def __init__(self, shell: Shell, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(shell.widget())
        self.shell = shell
        self.store = RecoveryStore()
        self._document: Document | None = None
        self._dirty = False
        self._thread: threading.Thread | None = None
        self._held: tuple[Document, object] | None = None  # the shared pixels being saved
        self._held_mask: tuple[Document, object] | None = None  # and the shared mask
        self._generation = 0
        self._stop = threading.Event()
        self._pixels_done = threading.Event()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.save_if_changed)
        self.timer.start()
        self._done.connect(self._finished)
        shell.document_changed.connect(self._attach)
        shell.closing.connect(self.release)

    @property
    def saving(self) -> bool:
        return self._thread is not None

    def _attach(self, document: Document) -> None:
        self._document = document
        self._dirty = document.is_modified
        for signal in (document.image_changed, document.mask_changed):
            signal.connect(self._changed)

    def _changed(self, *_: object) -> None:
        self._dirty = True

    def save_if_changed(self) -> bool:
        """Start an autosave when there is something new; True when one started."""
        document = self._document
        if (
            document is None
            or not self._dirty
            or self.saving
            or document is not self.shell.document
        ):
            return False
        if document.stroking:
            return False  # the next tick takes the finished stroke
        if not document.is_modified and document.mask_is_empty():
            self.store.clear_state()  # nothing that a crash could lose
            self._dirty = False
            return False
        self._dirty = False
        # An unchanged photo is its file: only the mask needs writing then.
        unchanged = not document.is_modified and document.path.is_file()
        self._generation += 1
        generation = self._generation
        self._stop = threading.Event()
        self._pixels_done = threading.Event()
        pixels = None if unchanged else document.share_pixels(stop=self._stop_for_write)
        self._held = None if pixels is None else (document, pixels)
        mask = document.share_mask()  # copied only if a stroke starts during the save
        self._held_mask = (document, mask)
        meta = {
            "path": str(document.path),
            "name": document.name,
            "untitled": document.untitled,
            "has_alpha": document.has_alpha,
            "format": document.source_format,
            "exif": encode_blob(document.exif),
            "icc": encode_blob(document.icc),
        }
        stop, pixels_done = self._stop, self._pixels_done

        def write() -> None:
            error, stopped = None, False
            try:
                self.store.save(pixels, mask, meta, stop.is_set, pixels_done.set)
            except SaveStopped:
                stopped = True
            except Exception as exc:  # noqa: BLE001 - reported, never fatal
                log.exception("Autosave failed")
                error = f"Autosave failed: {exc}"
            finally:
                pixels_done.set()
            self._done.emit(generation, error, stopped)

        self._thread = threading.Thread(target=write, name="restorer-autosave", daemon=True)
        self._thread.start()
        return True

    def _stop_for_write(self) -> None:
        """The photo is about to change: stop reading it (no copy of the whole photo)."""
        self._stop.set()
        self._pixels_done.wait(timeout=10)  # at most one band of rows away
        if self._held is not None:
            document, pixels = self._held
            self._held = None
            document.release_pixels(pixels, self._stop_for_write)
        self._dirty = True  # save again later

    def _release_held(self) -> None:
        if self._held_mask is not None:
            document, mask = self._held_mask
            self._held_mask = None
            document.release_mask(mask)
        if self._held is not None:
            document, pixels = self._held
            self._held = None
            document.release_pixels(pixels, self._stop_for_write)

    def _finished(self, generation: int, error: str | None, stopped: bool) -> None:
        if generation != self._generation:
            return
        self._release_held()
        if self._thread is not None:
            self._thread.join()
        self._thread = None
        if stopped:
            self._dirty = True
        elif error is None:
            self.saved.emit(self.store.folder)
        else:
            self._dirty = True
            self.save_failed.emit(error)

    def offer_recovery(self) -> bool:
        """After a crash: offer to restore the unsaved work (see `offer_recovery`)."""
        return offer_recovery(self.shell, self.store)

    def release(self) -> None:
        """The window closes normally: stop a running save, then remove the autosave."""
        self.timer.stop()
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._release_held()
        self.store.release()


def offer_recovery(shell: Shell, store: RecoveryStore) -> bool:
    """After a crash: ask to restore the unsaved work; True when a restore started."""
    sessions = store.stale_sessions()
    if not sessions:
        return False
    newest = sessions[0]
    try:
        meta = store.describe(newest)
    except (OSError, ValueError):
        meta = {}
    name = meta.get("name") or "a photo"
    answer = QMessageBox.question(
        shell.widget(),
        "Restore unsaved work?",
        f"Restorer did not close normally last time. Restore your work on {name} "
        "(the photo, its repairs and the mask)?\n\nIf you don't, that work is discarded.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes,
    )
    if answer != QMessageBox.StandardButton.Yes:
        for folder in sessions:
            store.discard(folder)
        return False

    def restored(loaded: LoadedPhoto) -> None:
        shell.files.show_restored(loaded)
        for folder in sessions:
            store.discard(folder)
        shell.status(f"Restored your work on {name}", 8000)

    def failed(message: str) -> None:
        dialogs.show_error(shell.widget(), "Could not restore", message)

    shell.jobs.submit(RestoreJob(newest), restored, on_failed=failed)
    return True
