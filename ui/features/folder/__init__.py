"""File → Open Folder…: a filmstrip of a folder's photos to work through one by one.

The strip lists every photo at once; thumbnails are made on a background thread (cached
on disk by `restorer.batch.thumbnails`) and filled in as they arrive, so a large folder
opens immediately and the canvas never waits. `Page Down` / `Page Up` open the next or
previous photo (unsaved changes are settled as when opening any photo), and **Save and
Next** (`Ctrl+Enter`) writes the photo into the output folder (`restored/` inside the
folder, same name; a RAW photo as TIFF) and opens the next one. Photos saved are marked
✓, photos that cannot be read ✗.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QDockWidget, QFileDialog, QListView, QListWidget, QListWidgetItem

from ui.shell import MenuId, Shell

DONE_MARK, FAILED_MARK = "✓ ", "✗ "
_PATH = Qt.ItemDataRole.UserRole


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


class FolderStrip:
    """The Open Folder action, the filmstrip dock, and next / previous / save and next."""

    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.folder: Path | None = None
        self.output_dir: Path | None = None
        self.current = -1
        self.generation = 0
        self.thumbnails_shown = 0  # of the folder open now (thumbnails or failures)
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
        self.dock = QDockWidget("Folder", shell.widget())
        self.dock.setObjectName("folderDock")
        self.dock.setWidget(self.strip)
        shell.add_dock(self.dock, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.dock.hide()

        add = shell.add_action
        self.open_action = add("Open &Folder…", self.open_dialog, ["Ctrl+Alt+O"], "open")
        self.next_action = add("&Next Photo", self.next, ["PgDown"])
        self.previous_action = add("&Previous Photo", self.previous, ["PgUp"])
        self.save_next_action = add(
            "Save and Ne&xt", self.save_and_next, ["Ctrl+Return", "Ctrl+Enter"]
        )
        shell.add_to_menu(
            MenuId.FILE,
            [self.open_action, self.next_action, self.previous_action, self.save_next_action],
        )
        shell.closing.connect(self.stop)
        self._refresh()

    # -- the folder ------------------------------------------------------------
    def open_dialog(self) -> None:
        start = str(self.folder or "")
        name = QFileDialog.getExistingDirectory(self.shell.widget(), "Open Folder", start)
        if name:
            self.open_folder(Path(name))

    def open_folder(self, folder: Path) -> int:
        """List the folder's photos in the strip now; thumbnails follow. Returns the count."""
        from restorer.batch import find_inputs

        self.stop()
        self._stop = threading.Event()
        self.generation += 1
        self.folder = Path(folder)
        self.output_dir = self.folder / "restored"
        self.current = -1
        self.thumbnails_shown = 0
        photos = [path for path, _ in find_inputs([str(self.folder)])]
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
            self._mark(row, FAILED_MARK)
            item.setToolTip(str(result))

    # -- moving through it -------------------------------------------------------
    def path_at(self, row: int) -> Path:
        return Path(self.strip.item(row).data(_PATH))

    def open_row(self, row: int) -> int | None:
        if not 0 <= row < self.strip.count():
            return None
        self.current = row
        self.strip.setCurrentRow(row)
        self._refresh()
        return self.shell.files.open_path(self.path_at(row))

    def next(self) -> int | None:
        return self.open_row(self._row() + 1)

    def previous(self) -> int | None:
        return self.open_row(self._row() - 1)

    def _row(self) -> int:
        document = self.shell.document
        if document is not None and self.strip.count():
            for row in range(self.strip.count()):
                if self.path_at(row) == Path(document.path):
                    return row
        return self.current

    def output_path(self, row: int) -> Path:
        """Where Save and Next writes the photo at `row` (RAW photos become TIFF)."""
        from restorer.batch.plan import output_extension

        source = self.path_at(row)
        assert self.output_dir is not None
        return self.output_dir / f"{source.stem}{output_extension(source, 'same')}"

    def save_and_next(self) -> int | None:
        row = self._row()
        if self.shell.document is None or not 0 <= row < self.strip.count():
            return None
        target = self.output_path(row)
        target.parent.mkdir(parents=True, exist_ok=True)

        def saved() -> None:
            self._mark(row, DONE_MARK)
            self.open_row(row + 1)

        return self.shell.files.save_to(target, then=saved)

    def _mark(self, row: int, mark: str) -> None:
        item = self.strip.item(row)
        name = self.path_at(row).name
        item.setText(mark + name)

    def _refresh(self, *_: object) -> None:
        has_folder = self.strip.count() > 0
        for action in (self.next_action, self.previous_action, self.save_next_action):
            action.setEnabled(has_folder)


def install(shell: Shell) -> FolderStrip:
    return FolderStrip(shell)
