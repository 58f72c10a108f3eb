"""The window's side of the models folder: adding and removing models, the engine choice.

`ModelsController` runs every model-folder step as a job (adding hashes and reads
large files; removing may free a loaded model), then refreshes what depends on the
installed models: the engine choice, the Filters menu and an open Models dialog.

Choosing an inpainting model as the engine loads it on the worker at once. If it
cannot be loaded the person is told why and the engine chosen before is selected again.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QMessageBox

from restorer.errors import RestorerError
from restorer.models.info import ModelInfo
from restorer.paths import models_dir
from restorer.workflows.models import AddModelJob, LoadEngineJob, RemoveModelJob
from ui.core import dialogs

if TYPE_CHECKING:
    from ui.core.engine_choice import EngineChoice
    from ui.shell import Shell

log = logging.getLogger(__name__)


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


def device_text(choice: EngineChoice, info: ModelInfo) -> str:
    """Where a model will run with the chosen device, and in which precision."""
    from restorer.models.runtime import precision_label

    info_now = choice.device_info
    if choice.device != "cpu" and info_now is None:
        return "Looking for a GPU…"
    if choice.device != "cpu" and info_now is not None and info_now.cuda:
        gpu = info_now.cuda_label or "CUDA"
        return f"{gpu} ({precision_label(info, 'cuda')})"
    return f"CPU ({precision_label(info, 'cpu')})"


class ModelsController(QObject):
    """Model-folder actions, and loading a model engine as soon as it is chosen."""

    models_changed = Signal()  # after a model was added or removed

    def __init__(self, shell: Shell) -> None:
        super().__init__(shell.widget())
        self.shell = shell
        self.add_job: int | None = None
        self.dialog: QDialog | None = None  # the Models dialog, once opened
        self.engine_id: str | None = shell.engine_choice.engine_id  # the engine in use
        shell.engine_choice.changed.connect(self._engine_chosen)

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
        if self.shell.jobs.busy:
            return None
        path = Path(path)

        def done(info: ModelInfo) -> None:
            self._changed()
            self.shell.status(
                f"Added {info.label}: {info.architecture_name}, {purpose_text(info).lower()}",
                8000,
            )

        def failed(message: str) -> None:
            dialogs.show_error(
                self.shell.widget(),
                "Could not add the model",
                f"{message}\n\nNothing was added to the models folder.",
            )

        def cancelled() -> None:
            self.shell.status(
                f"Adding {path.name} cancelled; the models folder is unchanged.", 6000
            )

        def ended() -> None:
            self.add_job = None

        self.add_job = self.shell.jobs.submit(
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
            self.shell.widget(),
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
        if self.shell.jobs.busy:
            return None

        def done(_: object) -> None:
            self._changed()
            self.shell.status(f"Removed {model_id}.", 6000)

        def failed(message: str) -> None:
            self._changed()
            dialogs.show_error(self.shell.widget(), "Could not remove the model", message)

        return self.shell.jobs.submit(RemoveModelJob(model_id), done, on_failed=failed)

    def _changed(self) -> None:
        self.refresh_engines()
        self.models_changed.emit()

    # -- the engine choice ---------------------------------------------------------
    def refresh_engines(self) -> None:
        """Read the engines again; a removed engine falls back to the default."""
        choice = self.shell.engine_choice
        current = choice.engine_id
        self.engine_id = current  # a kept engine is not loaded again
        if not choice.reload():
            self.engine_id = choice.engine_id
            self.shell.status(f"The engine {current} is gone; using {self._label()}.", 8000)
        self.engine_id = choice.engine_id

    def _label(self) -> str:
        try:
            engine = self.shell.engine_choice.engine()
        except RestorerError:
            return "no engine"
        return engine.label or engine.id

    def _select_engine(self, engine_id: str | None) -> None:
        self.engine_id = engine_id
        self.shell.engine_choice.select(engine_id)
        self.engine_id = self.shell.engine_choice.engine_id

    def _engine_chosen(self) -> None:
        """Load a model engine as soon as it is chosen; on failure go back."""
        shell, choice = self.shell, self.shell.engine_choice
        previous = self.engine_id
        if choice.engine_id == previous:
            return  # the device or the list changed, not the engine
        try:
            engine = choice.engine()
        except RestorerError:
            return
        if not engine.needs_weights:
            self.engine_id = engine.id
            return

        def still_chosen() -> bool:  # the person may have chosen another one meanwhile
            return choice.engine_id == engine.id

        def done(where: str) -> None:
            if still_chosen():
                self.engine_id = engine.id
                shell.status(f"{engine.label} is ready on {where}.", 6000)

        def failed(message: str) -> None:
            if still_chosen():
                self._select_engine(previous)
            dialogs.show_error(
                shell.widget(),
                "Could not load the model",
                f"{message}\n\n{self._label()} stays the repair engine.",
            )

        def cancelled() -> None:
            if still_chosen():
                self._select_engine(previous)

        shell.jobs.submit(
            LoadEngineJob(engine.id, choice.job_device(engine), title=f"Loading {engine.label}"),
            done,
            on_failed=failed,
            on_cancelled=cancelled,
        )
