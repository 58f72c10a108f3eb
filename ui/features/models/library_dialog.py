"""Models → Get Models…: the model library, downloaded on request.

A list of the catalog's models (what each does, licence — non-commercial ones flagged —
size, and whether it is installed, partly downloaded or not offered). Download runs a
`DownloadModelJob` on the worker: the bar shows the fraction, the line under it the
speed and time left. Cancel keeps the partial file, so the next Download resumes.
Nothing is downloaded until the person presses Download.

The dialog takes what it needs as constructor arguments (the shell's `Jobs`, and a
callback for a model that was installed), so it depends on no window class; the
feature's `install` adds Models → Get Models… (`ModelsController.show_library`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from restorer.errors import RestorerError
from restorer.models import library
from restorer.models.download import partial_bytes
from restorer.models.info import ModelInfo
from restorer.workflows.models import DownloadModelJob
from ui.core.jobs import JobEvent, JobKind

if TYPE_CHECKING:
    from ui.core.jobs import Jobs

COLUMNS = ("Model", "Use", "Size", "Licence", "State")
USES = {
    "inpaint": "Repair engine",
    "super-resolution": "Filter: enlarge",
    "restoration": "Filter: restore",
    "face": "Filter: faces",
}


def _item(text: str, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if tip:
        item.setToolTip(tip)
    return item


class LibraryDialog(QDialog):
    """The model library: choose a model, Download (resumable), Cancel."""

    def __init__(
        self,
        parent: QWidget | None,
        jobs: Jobs,
        on_installed: Callable[[ModelInfo], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("libraryDialog")
        self.setWindowTitle("Get Models")
        self.resize(820, 460)
        self.jobs = jobs
        self.on_installed = on_installed
        self.job_id: int | None = None
        self.downloading: str | None = None
        self.entries: list[library.CatalogEntry] = []

        intro = QLabel(
            "Well-known models Restorer can download for you. Each file is checked against "
            "its publisher's checksum before it enters the models folder. Nothing is "
            "downloaded until you press Download."
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        self.details = QLabel()
        self.details.setObjectName("libraryDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setVisible(False)
        self.status = QLabel()
        self.status.setObjectName("libraryStatus")
        self.status.setWordWrap(True)

        self.download_button = QPushButton("&Download")
        self.download_button.clicked.connect(self.download)
        self.cancel_button = QPushButton("&Cancel Download")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.download_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

        jobs.event.connect(self._job_event)
        jobs.busy_changed.connect(self._update_buttons)  # one job at a time in the window
        self.refresh()
        if self.entries:
            self.table.selectRow(0)

    # -- the list ------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the catalog and what is installed again (no network)."""
        selected = self.selected()
        try:
            self.entries = library.load_catalog()
            installed = library.installed_ids()
        except RestorerError as exc:
            self.entries, installed = [], {}
            self.status.setText(str(exc))
        self.table.setRowCount(len(self.entries))
        for row, item in enumerate(self.entries):
            state = self.state_text(item, installed)
            licence = _item(item.licence_short, item.licence_label)
            if item.non_commercial:
                licence.setForeground(QColor("#c0392b"))
            cells = (
                _item(item.name, item.description),
                _item(USES.get(item.purpose, item.purpose)),
                _item(f"{item.size_mb:.0f} MB", item.size_label),
                licence,
                _item(state, item.note),
            )
            for column, cell in enumerate(cells):
                self.table.setItem(row, column, cell)
        if selected is not None:
            for row, item in enumerate(self.entries):
                if item.id == selected.id:
                    self.table.selectRow(row)
        self._update_buttons()

    def state_text(self, item: library.CatalogEntry, installed: dict[str, str]) -> str:
        if item.id == self.downloading:
            return "Downloading…"
        if item.id in installed:
            return "Installed"
        if not item.runs:
            return "Not offered"
        kept = partial_bytes(item)
        if kept:
            return f"Paused ({kept / 1e6:.0f} MB kept)"
        return "Not installed"

    def selected(self) -> library.CatalogEntry | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.entries):
            return None
        return self.entries[rows[0].row()]

    def select(self, model_id: str) -> None:
        for row, item in enumerate(self.entries):
            if item.id == model_id:
                self.table.selectRow(row)
                return
        raise KeyError(model_id)

    def _selection_changed(self) -> None:
        item = self.selected()
        if item is None:
            self.details.clear()
        else:
            lines = [
                f"<b>{item.name}</b> — {item.architecture}, {item.size_label}",
                item.description,
                f"Licence: {item.licence_label}",
            ]
            if item.requires:
                lines.append(f"Requires: {item.requires}")
            if item.note:
                lines.append(item.note)
            self.details.setText("<br>".join(lines))
        self._update_buttons()

    def _update_buttons(self, *_: object) -> None:
        item = self.selected()
        installed = library.installed_ids() if item is not None else {}
        can = (
            item is not None
            and item.runs
            and item.id not in installed
            and self.job_id is None
            and not self.jobs.busy
        )
        self.download_button.setEnabled(bool(can))
        if item is not None and partial_bytes(item) and item.id != self.downloading:
            self.download_button.setText("&Resume Download")
        else:
            self.download_button.setText("&Download")
        self.cancel_button.setEnabled(self.job_id is not None)

    # -- downloading -----------------------------------------------------------------
    def download(self) -> int | None:
        """Download the selected model as a worker job; its id, or None if it cannot start."""
        item = self.selected()
        if item is None or self.job_id is not None or self.jobs.busy or not item.runs:
            return None
        self.downloading = item.id
        self.bar.setValue(0)
        self.bar.setVisible(True)
        self.status.setText(f"Starting the download of {item.file_name}…")

        def done(info: ModelInfo) -> None:
            self.status.setText(f"{item.name} was downloaded, verified and added as '{info.id}'.")
            if self.on_installed is not None:
                self.on_installed(info)

        def failed(message: str) -> None:
            self.status.setText(f"Download failed: {message}")

        def cancelled() -> None:
            kept = partial_bytes(item)
            self.status.setText(
                f"Download cancelled; {kept / 1e6:.1f} MB kept — Resume Download continues it."
            )

        def ended() -> None:
            self.job_id = None
            self.downloading = None
            self.bar.setVisible(False)
            self.refresh()

        self.job_id = self.jobs.submit(
            DownloadModelJob(item.id, title=f"Downloading {item.name}"),
            done,
            on_failed=failed,
            on_cancelled=cancelled,
            on_end=ended,
        )
        self.refresh()
        return self.job_id

    def cancel(self) -> None:
        if self.job_id is not None:
            self.jobs.cancel(self.job_id)

    def _job_event(self, event: JobEvent) -> None:
        if event.job_id != self.job_id or event.kind is not JobKind.PROGRESS:
            return
        self.bar.setValue(int(round(event.fraction * 1000)))
        self.status.setText(event.message)

    def reject(self) -> None:
        """Closing leaves a running download going; its result still lands."""
        super().reject()


def show_library_dialog(
    parent: QWidget, jobs: Jobs, on_installed: Callable[[ModelInfo], None] | None = None
) -> LibraryDialog:
    dialog = LibraryDialog(parent, jobs, on_installed)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    dialog.show()
    return dialog
