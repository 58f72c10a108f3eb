"""The window's side of the models folder: adding and removing models, the engine chooser.

`ModelsController` runs every model-folder step as a worker job (adding hashes and
reads large files; removing may free a loaded model), then refreshes what depends on
the installed models: the engine chooser, the Filters menu and an open Models dialog.

Choosing an inpainting model as the engine loads it on the worker at once. If it
cannot be loaded the person is told why and the engine chosen before is selected again.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QMenu, QMessageBox

from restorer.engines import registry
from restorer.errors import RestorerError
from restorer.models.info import ModelInfo
from restorer.models.jobs import AddModelJob, LoadEngineJob, RemoveModelJob
from restorer.paths import models_dir
from ui import dialogs

if TYPE_CHECKING:
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)


def insert_menu(window: MainWindow, menu: QMenu) -> QMenu:
    """Put `menu` in the menu bar just before Help (the last one)."""
    bar = window.menuBar()
    actions = bar.actions()
    if actions:
        bar.insertMenu(actions[-1], menu)
    else:
        bar.addMenu(menu)
    return menu


def purpose_text(info: ModelInfo) -> str:
    """What a model does in the app: 'Repair engine' or which kind of restore filter."""
    if info.is_inpainting:
        return "Repair engine (inpainting)"
    names = {
        "super-resolution": "Filter: super-resolution",
        "restoration": "Filter: restoration",
        "face": "Filter: face restoration",
    }
    return names.get(info.purpose, info.purpose)


def device_text(window: MainWindow, info: ModelInfo) -> str:
    """Where a model will run with the window's device choice, and in which precision."""
    from restorer.models.runtime import precision_label

    choice = window.device_combo.currentData() or "auto"
    if choice != "cpu" and window.device_info is None:
        return "Looking for a GPU…"
    if choice != "cpu" and window.device_info is not None and window.device_info.cuda:
        gpu = window.device_info.cuda_label or "CUDA"
        return f"{gpu} ({precision_label(info, 'cuda')})"
    return f"CPU ({precision_label(info, 'cpu')})"


class ModelsController(QObject):
    """Model-folder actions of a `MainWindow`."""

    models_changed = Signal()  # after a model was added or removed

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.add_job: int | None = None
        self.dialog: QDialog | None = None  # the Models dialog, once opened
        self.engine_id: str | None = window.engine_combo.currentData()
        window.engine_combo.currentIndexChanged.connect(self._engine_chosen)

    # -- listing ----------------------------------------------------------------
    def installed(self, problems: list[str] | None = None) -> list[ModelInfo]:
        """The models in the folder (reads only their small descriptions)."""
        from restorer.models.store import list_models

        return list_models(problems)

    @staticmethod
    def folder() -> Path:
        return models_dir()

    def open_folder(self) -> bool:
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder())))

    # -- adding and removing ------------------------------------------------------
    def add(self, path: Path) -> int | None:
        """Add a model file as a worker job (progress, Cancel); None when busy."""
        if self.window.jobs.busy:
            return None
        path = Path(path)

        def done(info: ModelInfo) -> None:
            self._changed()
            self.window.statusBar().showMessage(
                f"Added {info.label}: {info.architecture_name}, {purpose_text(info).lower()}",
                8000,
            )

        def failed(message: str) -> None:
            dialogs.show_error(
                self.window,
                "Could not add the model",
                f"{message}\n\nNothing was added to the models folder.",
            )

        def cancelled() -> None:
            self.window.statusBar().showMessage(
                f"Adding {path.name} cancelled; the models folder is unchanged.", 6000
            )

        def ended() -> None:
            self.add_job = None

        self.add_job = self.window.jobs.submit(
            AddModelJob(path, title=f"Adding {path.name}"),
            done,
            on_failed=failed,
            on_cancelled=cancelled,
            on_end=ended,
        )
        return self.add_job

    def confirm_remove(self, info: ModelInfo) -> int | None:
        """Ask, then remove `info` as a worker job."""
        answer = QMessageBox.question(
            self.window,
            "Remove model?",
            f"Remove {info.label} ({info.architecture_name}, {info.purpose}) from the "
            f"models folder?\n\nIts file ({info.file_name}) is deleted from\n{self.folder()}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return None
        return self.remove(info.id)

    def remove(self, model_id: str) -> int | None:
        if self.window.jobs.busy:
            return None

        def done(_: object) -> None:
            self._changed()
            self.window.statusBar().showMessage(f"Removed {model_id}.", 6000)

        def failed(message: str) -> None:
            self._changed()
            dialogs.show_error(self.window, "Could not remove the model", message)

        return self.window.jobs.submit(RemoveModelJob(model_id), done, on_failed=failed)

    def show_library(self):
        """Models → Get Models…: the model library (ui.library_dialog)."""
        from ui.library_dialog import show_library_dialog

        self.library = show_library_dialog(self.window, self.window.jobs, lambda _: self._changed())
        return self.library

    def _changed(self) -> None:
        self.refresh_engines()
        self.models_changed.emit()

    # -- the engine chooser -------------------------------------------------------
    def refresh_engines(self) -> None:
        """Fill the engine chooser again; a removed engine falls back to the default."""
        window = self.window
        combo = window.engine_combo
        current = combo.currentData()
        combo.blockSignals(True)
        try:
            combo.clear()
            window._fill_engines()
            index = combo.findData(current)
            if index >= 0:
                combo.setCurrentIndex(index)
        finally:
            combo.blockSignals(False)
        self.engine_id = combo.currentData()
        window._show_engine()
        if current is not None and index < 0:
            window.statusBar().showMessage(
                f"The engine {current} is gone; using {combo.currentText()}.", 8000
            )

    def _select_engine(self, engine_id: str | None) -> None:
        combo = self.window.engine_combo
        index = combo.findData(engine_id)
        if index < 0:
            index = combo.findData(registry().default().id)
        combo.blockSignals(True)
        combo.setCurrentIndex(max(0, index))
        combo.blockSignals(False)
        self.engine_id = combo.currentData()
        self.window._show_engine()

    def _engine_chosen(self, *_: object) -> None:
        """Load a model engine as soon as it is chosen; on failure go back."""
        window = self.window
        previous = self.engine_id
        try:
            engine = window.selected_engine()
        except RestorerError:
            return
        if not engine.needs_weights:
            self.engine_id = engine.id
            return

        def still_chosen() -> bool:  # the person may have chosen another one meanwhile
            return window.engine_combo.currentData() == engine.id

        def done(where: str) -> None:
            if still_chosen():
                self.engine_id = engine.id
                window.statusBar().showMessage(f"{engine.label} is ready on {where}.", 6000)

        def failed(message: str) -> None:
            if still_chosen():
                self._select_engine(previous)
            dialogs.show_error(
                window,
                "Could not load the model",
                f"{message}\n\n{window.engine_combo.currentText()} stays the repair engine.",
            )

        def cancelled() -> None:
            if still_chosen():
                self._select_engine(previous)

        window.jobs.submit(
            LoadEngineJob(engine.id, window.job_device(engine), title=f"Loading {engine.label}"),
            done,
            on_failed=failed,
            on_cancelled=cancelled,
        )
