"""Models → Manage Models…: the installed models, and adding or removing one.

Each row: name, architecture, what it does here (repair engine or which restore
filter), scale, size on disk, SHA-256 (short; the whole hash in the tooltip and by
Copy SHA-256) and the device it will run on. Adding and removing run as worker jobs
(see `ui.models_ui.ModelsController`); the table follows when they finish.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from restorer.models.info import ModelInfo, format_size
from restorer.models.safeload import MODEL_EXTENSIONS
from ui.core.widgets import dropped_files
from ui.features.models.controller import ModelsController, device_text, purpose_text

if TYPE_CHECKING:
    from ui.shell import Shell

COLUMNS = ("Name", "Architecture", "Use", "Scale", "Size", "SHA-256", "Runs on")
MODEL_FILTER = (
    "Model files (*.safetensors *.pth *.ckpt *.pt *.bin);;"
    "safetensors (*.safetensors);;PyTorch (*.pth *.ckpt *.pt *.bin);;All files (*)"
)


def _item(text: str, tip: str | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if tip:
        item.setToolTip(tip)
    return item


class ModelsDialog(QDialog):
    """The models folder, as a table with Add…, Remove, Copy SHA-256 and Open Folder."""

    def __init__(self, shell: Shell, controller: ModelsController) -> None:
        super().__init__(shell.widget())
        self.setObjectName("modelsDialog")
        self.setWindowTitle("Models")
        self.resize(900, 420)
        self.shell = shell
        self.controller = controller
        self.models: list[ModelInfo] = []
        intro = QLabel(
            "Model files you add stay on this computer. Inpainting models (LaMa, MAT) "
            "become repair engines; image-to-image models (super-resolution, denoise, "
            "faces) appear in the Filters menu. You can also drop model files here.",
            self,
        )
        intro.setWordWrap(True)
        self.folder_label = QLabel(self)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems_label = QLabel(self)
        self.problems_label.setObjectName("warningLabel")
        self.problems_label.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.intro = intro
        self.empty_panel = self._empty_state(controller)
        self.details_label = QLabel(self)  # the selected model's notes (e.g. its evaluation)
        self.details_label.setObjectName("modelDetails")
        self.details_label.setWordWrap(True)
        self.details_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_label.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))

        self.add_button = QPushButton("Add…", self)
        self.remove_button = QPushButton("Remove", self)
        self.copy_button = QPushButton("Copy SHA-256", self)
        self.folder_button = QPushButton("Open Folder", self)
        self.add_button.clicked.connect(self.choose_and_add)
        self.remove_button.clicked.connect(self.remove_selected)
        self.copy_button.clicked.connect(self.copy_sha)
        self.folder_button.clicked.connect(controller.open_folder)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.copy_button, self.folder_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.folder_label)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_panel, 1)
        layout.addWidget(self.details_label)
        layout.addLayout(buttons)

        self.setAcceptDrops(True)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        controller.models_changed.connect(self.refresh)
        shell.jobs.busy_changed.connect(self._update_buttons)
        shell.engine_choice.changed.connect(self.refresh)
        self.refresh()
        if not self.models:  # empty: no tall dialog around a short message
            self.resize(720, 300)

    def _empty_state(self, controller: ModelsController) -> QFrame:
        """What shows in place of the table when no model is installed: one message,
        where models come from, and a button to each place, centred together."""
        panel = QFrame(self)
        panel.setObjectName("modelsEmpty")
        panel.setFrameShape(QFrame.Shape.StyledPanel)
        title = QLabel("<b>No models installed yet</b>", panel)
        self.empty_label = QLabel(
            "Restorer repairs photos without any model. Models add learned repair "
            "engines (LaMa, MAT) and filters (upscaling, denoising, faces). Get one from "
            "the model library, where downloads are checked before use, or add a model "
            "file you already have (.safetensors, .pth, .ckpt, .pt). You can also drop "
            "a file here.",
            panel,
        )
        self.empty_label.setWordWrap(True)
        # A fixed width gives the wrapped text its true height (no clipped lines).
        self.empty_label.setFixedWidth(520)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.library_button = QPushButton("Get Models…", panel)
        self.library_button.setToolTip("Open the model library (Models → Get Models…)")
        self.library_button.clicked.connect(controller.show_library)
        self.add_file_button = QPushButton("Add from File…", panel)
        self.add_file_button.clicked.connect(self.choose_and_add)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.library_button)
        row.addWidget(self.add_file_button)
        row.addStretch(1)
        text = QHBoxLayout()
        text.addStretch(1)
        text.addWidget(self.empty_label)
        text.addStretch(1)
        column = QVBoxLayout(panel)
        column.setContentsMargins(24, 24, 24, 24)
        column.addStretch(1)
        column.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addLayout(text)
        column.addSpacing(6)
        column.addLayout(row)
        column.addStretch(1)
        return panel

    # -- showing ------------------------------------------------------------------
    def refresh(self, *_: object) -> None:
        """Read the models folder again and show it."""
        selected = self.selected_model()
        problems: list[str] = []
        self.models = self.controller.installed(problems)
        self.folder_label.setText(f"Folder: {self.controller.folder()}")
        self.problems_label.setText("\n".join(problems))
        self.problems_label.setVisible(bool(problems))
        self.table.setRowCount(len(self.models))
        for row, info in enumerate(self.models):
            scale = f"{info.scale}×" if info.scale != 1 else "1×"
            cells = (
                _item(
                    info.label,
                    "\n".join(
                        filter(None, [f"id: {info.id}", f"file: {info.file_name}", info.notes])
                    ),
                ),
                _item(info.architecture_name, f"spandrel architecture {info.architecture}"),
                _item(purpose_text(info)),
                _item(scale),
                _item(format_size(info.size_bytes), f"{info.size_bytes:,} bytes"),
                _item(info.sha256[:12], f"SHA-256 {info.sha256}"),
                _item(device_text(self.shell.engine_choice, info)),
            )
            for column, cell in enumerate(cells):
                self.table.setItem(row, column, cell)
            if selected is not None and info.id == selected.id:
                self.table.selectRow(row)
        self.table.setVisible(bool(self.models))
        self.intro.setVisible(bool(self.models))  # the empty state says it all
        self.empty_panel.setVisible(not self.models)
        self._update_buttons()

    def row_texts(self) -> list[list[str]]:
        """What the table shows, row by row."""
        return [
            [self.table.item(row, column).text() for column in range(len(COLUMNS))]
            for row in range(self.table.rowCount())
        ]

    def selected_model(self) -> ModelInfo | None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if len(rows) != 1:
            return None
        row = rows.pop()
        return self.models[row] if row < len(self.models) else None

    def select(self, model_id: str) -> bool:
        for row, info in enumerate(self.models):
            if info.id == model_id:
                self.table.selectRow(row)
                return True
        return False

    def _update_buttons(self, *_: object) -> None:
        busy = self.shell.jobs.busy
        chosen = self.selected_model() is not None
        self.add_button.setEnabled(not busy)
        self.remove_button.setEnabled(chosen and not busy)
        self.copy_button.setEnabled(chosen)
        notes = self.selected_model().notes if chosen else ""
        self.details_label.setText(notes)
        self.details_label.setVisible(bool(notes))

    # -- actions ----------------------------------------------------------------
    def choose_and_add(self) -> int | None:
        """Ask for a model file and add it (as a worker job)."""
        path, _ = QFileDialog.getOpenFileName(self, "Add a model", "", MODEL_FILTER)
        if not path:
            return None
        return self.add_file(Path(path))

    def add_file(self, path: Path) -> int | None:
        """Add `path` as a worker job; a refused file gets a dialog and changes nothing."""
        return self.controller.add(path)

    def remove_selected(self) -> int | None:
        info = self.selected_model()
        if info is None:
            return None
        return self.controller.confirm_remove(info)

    def copy_sha(self) -> str | None:
        info = self.selected_model()
        if info is None:
            return None
        QGuiApplication.clipboard().setText(info.sha256)
        return info.sha256

    # -- dropping model files -------------------------------------------------
    @staticmethod
    def dropped_model(event) -> Path | None:
        """The first local model file (by extension) in a drag, if any."""
        files = dropped_files(event)
        return next((path for path in files if path.suffix.lower() in MODEL_EXTENSIONS), None)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.dropped_model(event) is not None and not self.shell.jobs.busy:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802
        path = self.dropped_model(event)
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        # Leave the drop handler before any job or dialog starts.
        QTimer.singleShot(0, lambda: self.add_file(path))


def show_models_dialog(shell: Shell, controller: ModelsController) -> ModelsDialog:
    """Open (or raise) the Models dialog, not modal: jobs report in the window."""
    dialog = controller.dialog
    if dialog is None:
        dialog = ModelsDialog(shell, controller)
        controller.dialog = dialog
    dialog.refresh()
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
