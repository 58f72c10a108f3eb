"""The window frame: menus (created up front), tool bars, canvas, docks, status bar.

`MainWindow` implements the `ui.shell.Shell` that features talk to; it holds the open
document, the canvas, the job runner, the engine choice and the document files. What
the window can do beyond showing a photo comes from the features `ui.app` installs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMenu,
    QSizePolicy,
    QToolBar,
    QWidget,
)

from restorer.workflows.jobs import DeviceInfo, LoadedPhoto
from ui.canvas import Canvas
from ui.core import dialogs
from ui.core.actions import make_action
from ui.core.engine_choice import EngineChoice
from ui.core.engine_widgets import EngineChoosers, status_field
from ui.core.jobs import Jobs
from ui.core.widgets import JobPanel, dropped_files, follow_jobs
from ui.document import Document
from ui.document.files import DocumentFiles
from ui.shell import MenuId, ToolBarId

log = logging.getLogger(__name__)

APP_NAME = "Restorer"


class MainWindow(QMainWindow):
    """One window, one photo at a time (the `Shell` features are installed into)."""

    document_changed = Signal(object)  # the new Document
    closing = Signal()  # the window accepted to close: long work elsewhere must stop now

    def __init__(self, parent: QWidget | None = None, *, inline_jobs: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setAcceptDrops(True)
        self._size_to_screen()
        self._document: Document | None = None
        self._closed = False
        self.features: dict[str, object] = {}  # what each installed feature returned
        self._jobs = Jobs(self, inline=inline_jobs, report_error=self._report_error)
        self._engine_choice = EngineChoice(self)
        self._files = DocumentFiles(self)
        self._canvas = Canvas(self)
        self.setCentralWidget(self._canvas)
        self._menus = {menu_id: self.menuBar().addMenu(menu_id.value) for menu_id in MenuId}
        self._build_tool_bars()
        self._build_status_bar()
        self._canvas.zoom_changed.connect(self._show_zoom)
        self.update_title()
        # After whatever the caller queues first (the photo to open), look for a GPU.
        QTimer.singleShot(0, self._probe_devices)

    # -- the Shell ----------------------------------------------------------------
    @property
    def document(self) -> Document | None:
        return self._document

    @property
    def canvas(self) -> Canvas:
        return self._canvas

    @property
    def jobs(self) -> Jobs:
        return self._jobs

    @property
    def engine_choice(self) -> EngineChoice:
        return self._engine_choice

    @property
    def files(self) -> DocumentFiles:
        return self._files

    def widget(self) -> QMainWindow:
        return self

    def menu(self, menu_id: MenuId) -> QMenu:
        return self._menus[menu_id]

    def add_action(
        self,
        text: str,
        slot: Callable[..., object],
        shortcuts: Sequence[object] | None = None,
        icon_name: str | None = None,
        tip: str | None = None,
        checkable: bool = False,
    ) -> QAction:
        return make_action(self, text, slot, shortcuts, icon_name, tip, checkable)

    def add_to_menu(self, menu_id: MenuId, actions: Sequence[QAction]) -> None:
        menu = self._menus[menu_id]
        if menu.actions():
            menu.addSeparator()
        menu.addActions(list(actions))

    def add_to_tool_bar(
        self,
        bar_id: ToolBarId,
        items: Sequence[QAction | QWidget],
        *,
        separate: bool = True,
        trailing: bool = False,
    ) -> None:
        bar = self._tool_bars[bar_id]
        before = None if trailing or bar_id is not ToolBarId.MAIN else self._spacer_action
        if separate and not trailing and self._has_items(bar, before):
            bar.insertSeparator(before) if before else bar.addSeparator()
        for item in items:
            if isinstance(item, QAction):
                bar.insertAction(before, item) if before else bar.addAction(item)
            else:
                bar.insertWidget(before, item) if before else bar.addWidget(item)

    def add_dock(self, dock: QDockWidget, area: Qt.DockWidgetArea) -> None:
        self.addDockWidget(area, dock)

    def status(self, message: str, timeout_ms: int = 0) -> None:
        if message:
            self.statusBar().showMessage(message, timeout_ms)
        else:
            self.statusBar().clearMessage()

    # -- building -------------------------------------------------------------
    def _size_to_screen(self) -> None:
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is None or screen.width() < 800:
            self.resize(1280, 860)
            return
        self.resize(
            min(1680, round(screen.width() * 0.85)), min(1050, round(screen.height() * 0.85))
        )

    @staticmethod
    def _has_items(bar: QToolBar, before: QAction | None) -> bool:
        actions = bar.actions()
        return bool(actions[: actions.index(before)] if before in actions else actions)

    def _build_tool_bars(self) -> None:
        main = QToolBar("Tools", self)
        main.setObjectName(ToolBarId.MAIN.value)
        main.setMovable(False)
        main.setIconSize(QSize(20, 20))
        main.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.addToolBar(main)
        spacer = QWidget(main)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._spacer_action = main.addWidget(spacer)
        self.engine_choosers = EngineChoosers(self._engine_choice, main, self.statusBar())
        self.engine_combo = self.engine_choosers.engine_combo
        self.device_combo = self.engine_choosers.device_combo
        mask = QToolBar("Mask", self)
        mask.setObjectName(ToolBarId.MASK.value)
        mask.setMovable(False)
        # Icons with their names: these are toggles and steps one reads before using.
        mask.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBarBreak()
        self.addToolBar(mask)
        self._tool_bars = {ToolBarId.MAIN: main, ToolBarId.MASK: mask}

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        status.setSizeGripEnabled(False)
        self.job_panel = JobPanel(status)
        follow_jobs(self.job_panel, self._jobs, on_start=status.clearMessage)
        status.addPermanentWidget(self.job_panel)
        self.size_label = status_field(status, "Photo size")
        self.zoom_label = status_field(status, "Zoom")
        self.engine_label = self.engine_choosers.engine_label
        self.device_label = self.engine_choosers.device_label
        for label in (self.size_label, self.zoom_label, self.engine_label, self.device_label):
            status.addPermanentWidget(label)
            label.setVisible(label in (self.engine_label, self.device_label))
        self._show_zoom(self._canvas.scale)

    # -- what the status bar and the title show ----------------------------------
    def _show_zoom(self, scale: float) -> None:
        percent = scale * 100
        self.zoom_label.setText(f"{percent:.0f}%" if percent >= 10 else f"{percent:.1f}%")

    def _show_size(self) -> None:
        if self._document is not None:
            self.size_label.setText(f"{self._document.width} × {self._document.height} px")

    def update_title(self) -> None:
        document = self._document
        if document is None:
            self.setWindowTitle(APP_NAME)
            self.setWindowModified(False)
            return
        self.setWindowTitle(f"{document.name}[*] — {APP_NAME}")
        self.setWindowModified(document.is_modified)

    # -- the document -------------------------------------------------------------
    def show_photo(self, loaded: LoadedPhoto) -> None:
        """Make a freshly decoded photo the open document."""
        old = self._document
        document = Document(loaded, self)
        self._document = document
        document.modified_changed.connect(self.update_title)
        document.photo_replaced.connect(self._show_size)
        self._canvas.set_document(document)
        self.document_changed.emit(document)
        if old is not None:
            old.deleteLater()
        self._show_size()
        self.size_label.setVisible(True)
        self.zoom_label.setVisible(True)
        self.update_title()
        self._canvas.setFocus()
        notes = f" ({'; '.join(document.notes)})" if document.notes else ""
        self.status(f"Opened {document.name}{notes}", 6000)

    def open_path(self, path: Path | str) -> int | None:
        return self._files.open_path(Path(path))

    # -- jobs -----------------------------------------------------------------------
    def _report_error(self, title: str, text: str) -> None:
        dialogs.show_error(self, title, text)

    def _probe_devices(self) -> None:
        if not self._closed:
            self._engine_choice.probe(self._jobs)

    @property
    def device_info(self) -> DeviceInfo | None:
        return self._engine_choice.device_info

    # -- drag and drop, closing ---------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        if dropped_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802
        files = dropped_files(event)
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        # Leave the drop handler before any dialog opens.
        QTimer.singleShot(0, lambda: self._files.open_path(files[0]))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self._closed and not self._files.settle_unsaved("closing", self.close):
            event.ignore()
            return
        self._closed = True
        self.closing.emit()  # features save their settings and stop their work
        if self._document is not None:
            self._document.end_stroke()
        self._jobs.forget_all()
        self._jobs.shut_down()
        event.accept()
