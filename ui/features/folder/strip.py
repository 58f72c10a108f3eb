"""The filmstrip: a folder's photos, walked through one by one, kept as they were left."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QObject, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from restorer.batch import DONE, FAILED, BatchOptions, ItemResult
from restorer.workflows.folder import (
    ASK,
    KEEP,
    FolderRepairJob,
    FolderSession,
    KeptPhoto,
    OpenFolderPhotoJob,
    SpillJob,
)
from restorer.workflows.jobs import OpenPhotoJob
from ui.core import dialogs
from ui.core.jobs import JobEvent, JobKind
from ui.features.folder.options import OutputOptionsDialog, load_choice, save_choice
from ui.shell import MenuId, Shell

EDITED = "edited"
MARKS = {DONE: "✓ ", EDITED: "✎ ", FAILED: "✗ "}
MARK_TIPS = {
    DONE: "saved",
    EDITED: "mask or unsaved edits kept",
    FAILED: "could not be opened or repaired",
}
DONE_MARK, EDITED_MARK, FAILED_MARK = MARKS[DONE], MARKS[EDITED], MARKS[FAILED]
_PATH = Qt.ItemDataRole.UserRole
IN_MEMORY = 3  # photos kept in memory; older kept ones go to a temporary folder


class _Signals(QObject):
    ready = Signal(int, int, object)  # generation, row, HxWx3 uint8 (or an error string)


class _ThumbnailTask(QRunnable):
    """Makes the thumbnails of a folder in order, one at a time, until told to stop."""

    def __init__(self, signals: _Signals, generation: int, paths: list[Path], stop):
        super().__init__()
        self.signals, self.generation, self.paths, self.stop = signals, generation, paths, stop

    def run(self) -> None:
        from restorer.batch.thumbnails import thumbnail
        from restorer.errors import RestorerError

        for row, path in enumerate(self.paths):
            if self.stop.is_set():
                return
            try:
                result: object = thumbnail(path)
            except (RestorerError, OSError, ValueError) as exc:
                result = str(exc)
            if not self.stop.is_set():
                self.signals.ready.emit(self.generation, row, result)


class _CloseGuard(QObject):
    """Asks before the window closes while photos of the folder hold unsaved work."""

    def __init__(self, strip: FolderStrip) -> None:
        super().__init__(strip.shell.widget())
        self.strip = strip

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Close and not self.strip.may_close():
            event.ignore()
            return True
        return False


class FolderStrip:
    """The Open Folder action, the filmstrip dock, next / previous, Save and Next,
    Repair All and Repair Damage on All."""

    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.folder: Path | None = None
        self.current = -1
        self.generation = 0
        self.thumbnails_shown = 0  # of the folder open now (thumbnails or failures)
        self.session = FolderSession(IN_MEMORY)
        self.marks: dict[int, str] = {}  # row -> DONE, EDITED or FAILED
        self.errors: dict[int, str] = {}
        self.output, self.on_leave = load_choice()
        self.repair_job: int | None = None
        self._may_lose = False  # the person let the kept work go when closing
        self._rows: dict[Path, int] = {}
        self._results_shown: dict[Path, int] = {}  # Repair All's result of the open photo
        self._doc_row: int | None = None  # the row whose photo is the open document
        self._stop = threading.Event()
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(1)  # one core for thumbnails; the rest for repairs
        self.signals = _Signals()
        self.signals.ready.connect(self._thumbnail_ready)

        self.strip = QListWidget()
        self.strip.setObjectName("folderStrip")
        self.strip.setViewMode(QListView.ViewMode.IconMode)
        self.strip.setFlow(QListView.Flow.LeftToRight)
        self.strip.setWrapping(False)
        self.strip.setIconSize(QSize(96, 96))
        self.strip.setUniformItemSizes(True)
        self.strip.setMovement(QListView.Movement.Static)
        self.strip.itemActivated.connect(lambda item: self.open_row(self.strip.row(item)))
        self.strip.itemClicked.connect(lambda item: self.open_row(self.strip.row(item)))

        add = shell.add_action
        self.open_action = add("Open &Folder…", self.open_dialog, ["Ctrl+Alt+O"], "open")
        self.next_action = add("&Next Photo", self.next, ["PgDown"])
        self.previous_action = add("&Previous Photo", self.previous, ["PgUp"])
        self.save_next_action = add(
            "Save and Ne&xt", self.save_and_next, ["Ctrl+Return", "Ctrl+Enter"]
        )
        self.repair_all_action = add(
            "Repair &All Photos",
            lambda: self.repair_all(detect=False),
            tip="Repair every photo of the folder that has a mask, into the output folder",
        )
        self.repair_damage_action = add(
            "Find Damage and Repair All Photos",
            lambda: self.repair_all(detect=True),
            tip="Find the dust and scratches of every photo of the folder and repair them",
        )
        self.options_action = add("Folder Output &Options…", self.options_dialog)
        shell.add_to_menu(
            MenuId.FILE,
            [
                self.open_action,
                self.next_action,
                self.previous_action,
                self.save_next_action,
                self.repair_all_action,
                self.options_action,
            ],
        )
        shell.add_to_menu(MenuId.MASK, [self.repair_damage_action])

        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.strip)
        buttons = QHBoxLayout()
        for action, text in (
            (self.save_next_action, "Save and Next"),
            (self.repair_all_action, "Repair All"),
            (self.repair_damage_action, "Find Damage → Repair All"),
            (self.options_action, "Output Options…"),
        ):
            button = QPushButton(text, panel)
            button.setToolTip(action.toolTip())
            button.clicked.connect(action.trigger)
            action.enabledChanged.connect(button.setEnabled)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.dock = QDockWidget("Folder", shell.widget())
        self.dock.setObjectName("folderDock")
        self.dock.setWidget(panel)
        shell.add_dock(self.dock, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.dock.hide()

        shell.document_changed.connect(self._follow)
        shell.jobs.event.connect(self._job_event)
        shell.closing.connect(self.close)
        self._close_guard = _CloseGuard(self)
        shell.widget().installEventFilter(self._close_guard)
        self._refresh()

    # -- the folder ------------------------------------------------------------
    def open_dialog(self) -> None:
        start = str(self.folder or "")
        name = QFileDialog.getExistingDirectory(self.shell.widget(), "Open Folder", start)
        if name:
            self.open_folder(Path(name))

    def open_folder(self, folder: Path) -> int:
        """List the folder's photos in the strip now; thumbnails follow. Returns the count."""
        from restorer.batch.plan import folder_photos

        self.stop()
        self.session.close()  # what was kept belongs to the folder left
        self._stop = threading.Event()
        self.generation += 1
        self.folder = Path(folder)
        self.current = -1
        self.thumbnails_shown = 0
        self.marks.clear()
        self.errors.clear()
        photos = folder_photos(self.folder)
        self._rows = {path: row for row, path in enumerate(photos)}
        self._results_shown.clear()
        self._doc_row = None
        self.strip.setUpdatesEnabled(False)
        self.strip.clear()
        for path in photos:
            item = QListWidgetItem(path.name)
            item.setData(_PATH, str(path))
            item.setToolTip(str(path))
            item.setSizeHint(QSize(112, 124))
            self.strip.addItem(item)
        self.strip.setUpdatesEnabled(True)
        self.pool.start(_ThumbnailTask(self.signals, self.generation, photos, self._stop))
        self.dock.setWindowTitle(f"Folder — {self.folder.name} ({len(photos)} photos)")
        self.dock.show()
        self._refresh()
        self.shell.status(f"{len(photos)} photos in {self.folder.name}", 4000)
        return len(photos)

    def stop(self) -> None:
        """Drop the thumbnails not made yet and wait for the one being made."""
        self._stop.set()
        self.pool.clear()
        self.pool.waitForDone(5000)

    def close(self) -> None:
        self.stop()
        self.session.close()

    def unsaved_rows(self) -> list[int]:
        """Photos left with a mask or edits that are not saved (the open one aside: the
        window asks about it itself)."""
        rows = []
        for kept in self.session.photos():
            row = self.row_of(kept.source)
            if row is None or row == self._doc_row or self.marks.get(row) == DONE:
                continue
            if kept.edited or kept.has_mask:
                rows.append(row)
        return sorted(rows)

    def may_close(self) -> bool:
        """Whether the window may close: nothing kept unsaved, or the person lets it go."""
        unsaved = self.unsaved_rows()
        if not unsaved or self._may_lose:
            return True
        names = ", ".join(self.path_at(row).name for row in unsaved[:3])
        more = f" and {len(unsaved) - 3} more" if len(unsaved) > 3 else ""
        answer = QMessageBox.warning(
            self.shell.widget(),
            "Unsaved photos in the folder",
            f"{len(unsaved)} photos of the folder ({names}{more}) have masks or edits that "
            "were not saved. Close and lose them?\n\nSave and Next or Repair All writes them "
            "to the output folder.",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        self._may_lose = answer == QMessageBox.StandardButton.Discard
        return self._may_lose

    def _thumbnail_ready(self, generation: int, row: int, result: object) -> None:
        if generation != self.generation or row >= self.strip.count():
            return
        item = self.strip.item(row)
        self.thumbnails_shown += 1
        if isinstance(result, np.ndarray):
            pixels = np.ascontiguousarray(result)
            height, width = pixels.shape[:2]
            image = QImage(pixels.data, width, height, pixels.strides[0], QImage.Format_RGB888)
            item.setIcon(QIcon(QPixmap.fromImage(image.copy())))
        else:
            self.mark(row, FAILED, str(result))

    # -- output options -----------------------------------------------------------
    def options_dialog(self) -> bool:
        dialog = OutputOptionsDialog(self.output, self.on_leave, self.shell.widget())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        self.set_options(*dialog.choice())
        return True

    def set_options(self, output, on_leave: str) -> None:
        """Use (and remember) where results go and what leaving a photo does."""
        self.output, self.on_leave = output, on_leave
        save_choice(output, on_leave)

    # -- moving through it -------------------------------------------------------
    def path_at(self, row: int) -> Path:
        return Path(self.strip.item(row).data(_PATH))

    def row_of(self, path: Path) -> int | None:
        """The row of a photo of the folder (or of a result shown in its place)."""
        path = _key(path)
        row = self._rows.get(path)
        return self._results_shown.get(path) if row is None else row

    def open_row(self, row: int) -> int | None:
        """Open the photo at `row` as it was left (its kept mask and edits); the photo
        open now is kept (or, with the Ask preference, saved or discarded first)."""
        if not 0 <= row < self.strip.count():
            return None
        document = self.shell.document
        if document is not None and row == self._doc_row:
            return None  # open already
        if not self._settle_current(lambda: self.open_row(row)):
            return None
        path = self.path_at(row)
        self.current = row
        self.strip.setCurrentRow(row)
        self._refresh()
        if self.repair_job is None:
            self.shell.jobs.cancel_all()
        kept = self.session.get(path)

        def opened(loaded) -> None:
            self._keep_current()
            self.session.discard(path)  # the document holds it now
            self.shell.files.show_restored(loaded)
            self._spill()

        def failed(message: str) -> None:
            self.mark(row, FAILED, message)
            self.shell.status(message, 8000)

        self.shell.status(f"Opening {path.name}…")
        job = OpenFolderPhotoJob(path, kept, self.session)
        return self.shell.jobs.submit(job, opened, on_failed=failed)

    def next(self) -> int | None:
        return self.open_row(self._row() + 1)

    def previous(self) -> int | None:
        return self.open_row(max(0, self._row() - 1))

    def _row(self) -> int:
        """The row last asked for (so Page Down goes past a photo that failed to open)."""
        return self.current

    def _settle_current(self, then) -> bool:
        """True when the open photo may be left now. A photo from elsewhere with unsaved
        changes is settled as usual; a photo of the folder is kept, or with the Ask
        preference saved into the output folder, or discarded."""
        document = self.shell.document
        if document is None:
            return True
        if self._doc_row is None:
            return self.shell.files.settle_unsaved("opening another photo", then)
        if self.on_leave == KEEP or not self._has_work(document, self._doc_row):
            return True
        answer = dialogs.ask_save_changes(
            self.shell.widget(), document.name, "moving to another photo"
        )
        if answer == dialogs.SAVE:
            self.save_current(then)
            return False
        if answer == dialogs.DISCARD:
            self.marks.pop(self._doc_row, None)
            self._show_mark(self._doc_row)
            self._doc_row = None  # nothing to keep of it
            return True
        return False

    def _has_work(self, document, row: int) -> bool:
        if document.is_modified:
            return True
        return not document.mask_is_empty() and self.marks.get(row) != DONE

    def _keep_current(self) -> None:
        """Keep the open photo's mask and edits (Keep preference) before it is replaced."""
        document, row = self.shell.document, self._doc_row
        if document is None or row is None or self.on_leave != KEEP:
            return
        kept = self._kept_of(document, row)
        if kept is None:
            return
        self.session.keep(kept)
        self._may_lose = False
        if document.is_modified or self.marks.get(row) != DONE:
            self.mark(row, EDITED)

    def _kept_of(self, document, row: int, share: bool = False) -> KeptPhoto | None:
        """What to keep of `document` (the photo at `row`): None when it has no mask and
        its pixels are the file's. `share` takes the arrays as a job's read-only share."""
        source = self.path_at(row)
        edited = document.is_modified or _key(document.path) != source
        if document.mask_is_empty() and not edited:
            return None
        mask = document.share_mask() if share else document.mask
        pixels = None
        if edited:
            pixels = document.share_pixels() if share else document.pixels
        return KeptPhoto(
            source=source,
            mask=mask,
            pixels=pixels,
            edited=document.is_modified,
            has_alpha=document.has_alpha,
            exif=document.exif,
            icc=document.icc,
            format=document.source_format,
            deep_source=document.deep_source,
            notes=list(document.notes),
        )

    def _spill(self) -> None:
        """Write kept photos beyond the few held in memory to the session's folder."""
        held = [kept for kept in self.session.photos() if kept.in_memory]
        extra = held[: max(0, len(held) - self.session.in_memory)]
        if extra:
            self.shell.jobs.submit(SpillJob(self.session, extra), background=True)

    def _follow(self, document) -> None:
        """A photo was opened: is it one of the folder's? Follow its changes for marks."""
        row = self.row_of(document.path) if document is not None else None
        self._doc_row = row
        if row is None:
            return
        self.current = row
        self.strip.setCurrentRow(row)
        opened_at = _mtime(self.path_at(row))
        document.modified_changed.connect(
            lambda modified: self._modified(document, row, modified, opened_at)
        )
        document.mask_changed.connect(lambda _box: self._mask_changed(document, row))

    def _modified(self, document, row: int, modified: bool, opened_at: int) -> None:
        if document is not self.shell.document or row != self._doc_row:
            return
        if modified:
            self.mark(row, EDITED)
        elif self.marks.get(row) == EDITED:
            source = self.path_at(row)
            saved = _key(document.path) != source or _mtime(source) != opened_at
            if saved:
                self.mark(row, DONE)
            elif document.mask_is_empty():
                self.mark(row, None)

    def _mask_changed(self, document, row: int) -> None:
        if document is not self.shell.document or row != self._doc_row:
            return
        if self.marks.get(row) != EDITED and not document.mask_is_empty():
            self.mark(row, EDITED)

    # -- saving ---------------------------------------------------------------------
    def output_path(self, row: int) -> Path:
        """Where Save and Next and Repair All write the photo at `row`."""
        return self.output.target(self.path_at(row))

    def _refuse_overwrite(self, row: int) -> bool:
        source = self.path_at(row)
        if self.output.allowed(source):
            return False
        dialogs.show_error(
            self.shell.widget(),
            "Would write over the original",
            f"The output options would write over {source.name} itself. Choose another "
            "output folder, a suffix or a format in Folder Output Options, or allow "
            "writing over the originals there.",
        )
        return True

    def save_current(self, then=None) -> int | None:
        """Write the open photo into the output folder; `then` runs once it is saved."""
        row = self._doc_row
        if self.shell.document is None or row is None or self._refuse_overwrite(row):
            return None
        target = self.output_path(row)
        target.parent.mkdir(parents=True, exist_ok=True)

        def saved() -> None:
            self.mark(row, DONE)
            if then is not None:
                then()

        return self.shell.files.save_to(target, then=saved)

    def save_and_next(self) -> int | None:
        """Ctrl+Enter: save into the output folder, then open the next photo."""
        row = self._doc_row
        if row is None:
            self.shell.status("Save and Next saves a photo of the open folder.", 6000)
            return None

        def then() -> None:
            if row + 1 < self.strip.count():
                self.open_row(row + 1)
            else:
                self.shell.status("That was the last photo of the folder.", 6000)

        return self.save_current(then)

    # -- repairing the folder ---------------------------------------------------------
    def rows_to_repair(self, detect: bool) -> list[int]:
        """Repair All: the photos with a mask not saved since; with `detect` every photo
        not saved since."""
        if detect:  # a photo saved since is not repaired again from its file
            return [row for row in range(self.strip.count()) if self.marks.get(row) != DONE]
        rows = []
        for kept in self.session.photos():
            row = self.row_of(kept.source)
            if row is not None and kept.has_mask and self.marks.get(row) != DONE:
                rows.append(row)
        document, row = self.shell.document, self._doc_row
        if document is None or row is None or row in rows or self.marks.get(row) == DONE:
            return sorted(rows)
        if not document.mask_is_empty():
            rows.append(row)
        return sorted(rows)

    def repair_all(self, detect: bool = False) -> int | None:
        """Repair every photo with a mask (or, with `detect`, every photo's found damage)
        into the output folder: one cancellable job, each photo marked as it is written."""
        if self.shell.jobs.is_pending(self.repair_job):
            self.shell.status("The folder is being repaired already.", 4000)
            return None
        rows = self.rows_to_repair(detect)
        if not rows:
            self.shell.status(
                "No photo of the folder has a mask yet: brush over the damage, or use "
                "Find Damage and Repair All Photos.",
                8000,
            )
            return None
        for row in rows:
            if self._refuse_overwrite(row):
                return None
        document, current = self.shell.document, self._doc_row
        shared = None
        if document is not None and current in rows:
            shared = self._kept_of(document, current, share=True)
            if shared is not None:
                self.session.keep(shared)  # the job writes it out and lets go of it
                shares = (shared.mask, shared.pixels)
                state = (document.edit_state(), document.mask_version)
        choice = self.shell.engine_choice
        engine = choice.engine_id
        try:
            device = choice.job_device(choice.engine())
        except Exception:  # noqa: BLE001 - no engine: the job says so
            device = "auto"
        options = BatchOptions(engine=engine, device=device, detect=detect)
        photos = [(self.path_at(row), self.output_path(row)) for row in rows]
        for _, output in photos:
            output.parent.mkdir(parents=True, exist_ok=True)
        job = FolderRepairJob(photos, self.session, options)
        if detect:
            job.title = "Finding damage and repairing all photos"

        def ended() -> None:
            self.repair_job = None
            self._take_results(job)
            if shared is not None:
                self.session.discard(shared.source)  # the document itself holds it
                document.release_mask(shares[0])
                if shares[1] is not None:
                    document.release_pixels(shares[1])
                unchanged = (document.edit_state(), document.mask_version) == state
                if unchanged and self.marks.get(current) == DONE:
                    self._show_result(document, current, self.output_path(current))
            self._refresh()

        def finished(results: list[ItemResult]) -> None:
            failed = sum(result.status == FAILED for result in results)
            where = self.output_path(rows[0]).parent
            self.shell.status(
                f"Repaired {len(results) - failed} of {len(results)} photos into {where}"
                + (f"; {failed} failed (marked ✗)" if failed else ""),
                10000,
            )

        def cancelled() -> None:
            self.shell.status(
                f"Stopped: {len(job.results)} of {len(photos)} photos were written.", 8000
            )

        self.repair_job = self.shell.jobs.submit(
            job, finished, on_cancelled=cancelled, on_end=ended
        )
        self._refresh()
        return self.repair_job

    def _show_result(self, document, row: int, result: Path) -> None:
        """Show the open photo's repaired result in its place (it was not changed since)."""

        def opened(loaded) -> None:
            if self.shell.document is document:  # not moved on meanwhile
                self._results_shown[_key(result)] = row
                self.shell.files.show_restored(loaded)

        self.shell.jobs.submit(OpenPhotoJob(result), opened)

    def _job_event(self, event: JobEvent) -> None:
        if event.kind is JobKind.PROGRESS and isinstance(event.job, FolderRepairJob):
            self._take_results(event.job)

    def _take_results(self, job: FolderRepairJob) -> None:
        """Mark the photos the job has finished since last asked."""
        taken = getattr(job, "_taken", 0)
        for result in job.results[taken:]:
            row = self.row_of(Path(result.source))
            if row is None:
                continue
            if result.status == FAILED:
                self.mark(row, FAILED, result.error or "")
            else:
                self.mark(row, DONE)
                if row != self._doc_row:
                    self.session.discard(Path(result.source))
        job._taken = len(job.results)  # type: ignore[attr-defined]

    # -- marks -------------------------------------------------------------------------
    def mark(self, row: int, status: str | None, error: str = "") -> None:
        """Mark the photo at `row` done, edited or failed (None: no mark)."""
        if status is None:
            self.marks.pop(row, None)
            self.errors.pop(row, None)
        else:
            self.marks[row] = status
            if error:
                self.errors[row] = error
            elif status != FAILED:
                self.errors.pop(row, None)
        self._show_mark(row)

    def _show_mark(self, row: int) -> None:
        if not 0 <= row < self.strip.count():
            return
        item = self.strip.item(row)
        path = self.path_at(row)
        status = self.marks.get(row)
        item.setText(MARKS.get(status, "") + path.name)
        tip = str(path)
        if status is not None:
            tip += f"\n{MARK_TIPS[status]}"
        if row in self.errors:
            tip += f"\n{self.errors[row]}"
        item.setToolTip(tip)

    def _refresh(self, *_: object) -> None:
        has_folder = self.strip.count() > 0
        repairing = self.repair_job is not None
        for action in (self.next_action, self.previous_action, self.save_next_action):
            action.setEnabled(has_folder)
        for action in (self.repair_all_action, self.repair_damage_action):
            action.setEnabled(has_folder and not repairing)
        self.options_action.setEnabled(True)


def _key(path: Path) -> Path:
    """A photo's path as the strip lists it (its folder resolved, not the file itself)."""
    path = Path(path)
    return path.parent.resolve() / path.name


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


__all__ = ["ASK", "DONE_MARK", "EDITED_MARK", "FAILED_MARK", "KEEP", "FolderStrip"]
