"""The main window: menus, tool bar, canvas, status bar; repairs handed to the worker."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolBar,
    QWidget,
)

from restorer.catalog import registry
from restorer.engines.base import Engine
from restorer.errors import RestorerError
from restorer.memory import freeze_long_lived_objects
from ui import dialogs
from ui.autosave import Autosaver
from ui.canvas import BRUSH, ERASER, Canvas
from ui.dispatch import JobDispatcher
from ui.document import Document
from ui.editing import install_editing
from ui.extend_dialog import install_image_menu
from ui.files import FileController
from ui.filters_menu import install_filters_menu
from ui.generate_menu import install_generate_menu
from ui.jobs import DeviceInfo, LoadedPhoto, ProbeDevicesJob, RepairJob, RepairOutcome
from ui.models_dialog import install_models_menu
from ui.models_ui import ModelsController
from ui.preferences import restore_preferences, save_preferences
from ui.repair_preview import install_repair_preview
from ui.texture_dialog import install_texture_menu
from ui.theme import icon
from ui.widgets import BrushSizeControl, JobPanel, dropped_files, step_brush_size
from ui.worker import Worker

log = logging.getLogger(__name__)

APP_NAME = "Restorer"
DEVICE_NAMES = {"auto": "Auto", "cpu": "CPU", "cuda": "CUDA"}


def _status_field(parent: QWidget, tip: str) -> QLabel:
    label = QLabel(parent)
    label.setObjectName("statusField")
    label.setToolTip(tip)
    return label


class MainWindow(QMainWindow):
    """One window, one photo at a time."""

    document_changed = Signal(object)  # the new Document
    closing = Signal()  # the window accepted to close: long work elsewhere must stop now

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setAcceptDrops(True)
        self._size_to_screen()
        self.document: Document | None = None
        self.device_info: DeviceInfo | None = None
        self.repair_job: int | None = None
        self._closed = False
        self.worker = Worker(self)
        self.jobs = JobDispatcher(self.worker, self)
        self.files = FileController(self)
        self.canvas = Canvas(self)
        self.setCentralWidget(self.canvas)
        self._build_actions()
        self._build_menus()
        self._build_tool_bar()
        self._build_status_bar()
        self.models = ModelsController(self)
        self.image_menu = install_image_menu(self)
        self.filters_menu = install_filters_menu(self, self.models)
        self.models_menu = install_models_menu(self, self.models)
        install_texture_menu(self)
        install_generate_menu(self)
        self.jobs.busy_changed.connect(self._on_busy_changed)
        self.jobs.job_started.connect(self._on_job_started)
        self.jobs.job_progress.connect(self._on_job_progress)
        self.canvas.zoom_changed.connect(self._show_zoom)
        self.canvas.brush_size_changed.connect(self.brush_size.set_value)
        self.brush_size.value_changed.connect(self.canvas.set_brush_size)
        self.brush_size.set_value(self.canvas.brush_size)
        self.editing = install_editing(self)
        self.repair_preview = install_repair_preview(self)
        self.autosave = Autosaver(self)
        restore_preferences(self)
        self.update_title()
        self._refresh_actions()
        # After whatever the caller queues first (the photo to open), look for a GPU.
        QTimer.singleShot(0, self._probe_devices)

    # -- building -------------------------------------------------------------
    def _size_to_screen(self) -> None:
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is None or screen.width() < 800:
            self.resize(1280, 860)
            return
        self.resize(
            min(1680, round(screen.width() * 0.85)), min(1050, round(screen.height() * 0.85))
        )

    def _action(
        self,
        text: str,
        slot,
        shortcuts: list | None = None,
        icon_name: str | None = None,
        tip: str | None = None,
        checkable: bool = False,
    ) -> QAction:
        action = QAction(text, self)
        action.setProperty("plainName", text.replace("&", "").rstrip(".…"))
        if icon_name:
            action.setIcon(icon(icon_name))
        if shortcuts:
            action.setShortcuts([QKeySequence(key) for key in shortcuts])
        action.setCheckable(checkable)
        keys = ", ".join(
            QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)
            for key in shortcuts or []
        )
        plain = text.replace("&", "").rstrip(".…")
        action.setToolTip(tip or (f"{plain} ({keys})" if keys else plain))
        action.setStatusTip(tip or plain)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        key = QKeySequence.StandardKey
        files = self.files
        self.open_action = self._action("&Open…", files.open_dialog, [key.Open], "open")
        self.save_action = self._action("&Save", files.save, [key.Save], "save")
        self.save_as_action = self._action(
            "Save &As…", files.save_as_dialog, ["Ctrl+Shift+S"], "save"
        )
        self.load_mask_action = self._action(
            "&Load Mask…", files.load_mask_dialog, ["Ctrl+Shift+O"]
        )
        self.save_mask_action = self._action("Save Mas&k…", files.save_mask_dialog)
        self.quit_action = self._action("&Quit", self.close, ["Ctrl+Q"])
        self.undo_action = self._action("&Undo", self.undo, ["Ctrl+Z"], "undo")
        self.redo_action = self._action("&Redo", self.redo, ["Ctrl+Shift+Z", "Ctrl+Y"], "redo")
        self.clear_mask_action = self._action(
            "&Clear Mask", self.clear_mask, ["Ctrl+D"], "clear-mask"
        )
        self.repair_action = self._action(
            "&Repair",
            self.repair,
            [Qt.Key.Key_Return, Qt.Key.Key_Enter],
            "repair",
            tip="Repair the masked area (Enter)",
        )
        self.cancel_action = self._action(
            "Cancel Job", self.cancel_jobs, [Qt.Key.Key_Escape], "cancel"
        )
        self.brush_action = self._action(
            "&Brush", lambda: self.set_tool(BRUSH), ["B"], "brush", checkable=True
        )
        self.eraser_action = self._action(
            "&Eraser", lambda: self.set_tool(ERASER), ["E"], "eraser", checkable=True
        )
        tools = QActionGroup(self)
        tools.addAction(self.brush_action)
        tools.addAction(self.eraser_action)
        self.brush_action.setChecked(True)
        self.smaller_action = self._action("Smaller Brush", lambda: self.step_brush(False), ["["])
        self.larger_action = self._action("Larger Brush", lambda: self.step_brush(True), ["]"])
        self.zoom_in_action = self._action(
            "Zoom &In", self.canvas.zoom_in, ["Ctrl++", "Ctrl+="], "zoom-in"
        )
        self.zoom_out_action = self._action(
            "Zoom &Out", self.canvas.zoom_out, ["Ctrl+-"], "zoom-out"
        )
        self.fit_action = self._action("&Fit to Window", self.canvas.fit, ["Ctrl+0"], "fit")
        self.actual_action = self._action(
            "&Actual Pixels (100%)", self.canvas.actual_pixels, ["Ctrl+1"], "actual-size"
        )
        self.shortcuts_action = self._action("&Keyboard Shortcuts", self.show_shortcuts, ["F1"])
        self.about_action = self._action("&About Restorer", lambda: dialogs.show_about(self))

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addActions([self.save_action, self.save_as_action])
        file_menu.addSeparator()
        file_menu.addActions([self.load_mask_action, self.save_mask_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addActions([self.repair_action, self.cancel_action])
        edit_menu.addSeparator()
        edit_menu.addAction(self.clear_mask_action)
        tools_menu = bar.addMenu("&Tools")
        tools_menu.addActions([self.brush_action, self.eraser_action])
        tools_menu.addSeparator()
        tools_menu.addActions([self.smaller_action, self.larger_action])
        view_menu = bar.addMenu("&View")
        view_menu.addActions([self.zoom_in_action, self.zoom_out_action])
        view_menu.addSeparator()
        view_menu.addActions([self.fit_action, self.actual_action])
        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.shortcuts_action, self.about_action])

    def _build_tool_bar(self) -> None:
        bar = QToolBar("Tools", self)
        bar.setObjectName("mainToolBar")
        bar.setMovable(False)
        bar.setIconSize(QSize(20, 20))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.addToolBar(bar)
        bar.addActions([self.open_action, self.save_action])
        bar.addSeparator()
        bar.addActions([self.undo_action, self.redo_action])
        bar.addSeparator()
        bar.addActions([self.brush_action, self.eraser_action])
        self.brush_size = BrushSizeControl(parent=bar)
        self.brush_size.slider.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.brush_size.spin.editingFinished.connect(self.canvas.setFocus)
        bar.addWidget(self.brush_size)
        bar.addAction(self.clear_mask_action)
        bar.addSeparator()
        bar.addActions([self.fit_action, self.actual_action])
        spacer = QWidget(bar)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        engine_label = QLabel("Engine", bar)
        engine_label.setObjectName("toolLabel")
        bar.addWidget(engine_label)
        self.engine_combo = QComboBox(bar)
        self.engine_combo.setToolTip("The repair engine")
        self.engine_combo.setMinimumContentsLength(14)
        # Clicking a chooser must not steal the keyboard from the canvas (Space pans there).
        self.engine_combo.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self._fill_engines()
        self.engine_combo.currentIndexChanged.connect(self._show_engine)
        bar.addWidget(self.engine_combo)
        device_label = QLabel("Device", bar)
        device_label.setObjectName("toolLabel")
        bar.addWidget(device_label)
        self.device_combo = QComboBox(bar)
        self.device_combo.setToolTip("Where engines run: Auto uses a CUDA GPU when there is one")
        self.device_combo.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        for choice in ("auto", "cpu"):
            self.device_combo.addItem(DEVICE_NAMES[choice], choice)
        self.device_combo.currentIndexChanged.connect(self._show_engine)
        bar.addWidget(self.device_combo)
        self.repair_button = QPushButton(icon("repair"), "Repair", bar)
        self.repair_button.setObjectName("repairButton")
        self.repair_button.setToolTip(self.repair_action.toolTip())
        self.repair_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.repair_button.clicked.connect(self.repair_action.trigger)
        bar.addWidget(self.repair_button)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        status.setSizeGripEnabled(False)
        self.job_panel = JobPanel(status)
        self.job_panel.cancel_requested.connect(self.cancel_jobs)
        status.addPermanentWidget(self.job_panel)
        self.size_label = _status_field(status, "Photo size")
        self.zoom_label = _status_field(status, "Zoom")
        self.engine_label = _status_field(status, "Repair engine")
        self.device_label = _status_field(status, "Where the engine runs")
        for label in (self.size_label, self.zoom_label, self.engine_label, self.device_label):
            status.addPermanentWidget(label)
        self._show_engine()
        self._show_zoom(self.canvas.scale)

    def _fill_engines(self) -> None:
        engines = registry().all()
        try:
            default_id = registry().default().id
        except RestorerError:
            default_id = engines[0].id if engines else None
        for engine in engines:
            self.engine_combo.addItem(engine.label or engine.id, engine.id)
            index = self.engine_combo.count() - 1
            self.engine_combo.setItemData(index, engine.description, Qt.ItemDataRole.ToolTipRole)
            if engine.id == default_id:
                self.engine_combo.setCurrentIndex(index)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.files.recent()
        for path in recent:
            action = self.recent_menu.addAction(path.name)
            action.setToolTip(str(path))
            action.triggered.connect(lambda _=False, p=path: self.files.open_path(p))
        if not recent:
            self.recent_menu.addAction("No recent photos").setEnabled(False)

    # -- state shown ------------------------------------------------------------
    def update_title(self) -> None:
        document = self.document
        if document is None:
            self.setWindowTitle(APP_NAME)
            self.setWindowModified(False)
            return
        self.setWindowTitle(f"{document.name}[*] — {APP_NAME}")
        self.setWindowModified(document.is_modified)

    def selected_engine(self) -> Engine:
        engine_id = self.engine_combo.currentData()
        return registry().get(engine_id) if engine_id else registry().default()

    def job_device(self, engine: Engine) -> str:
        """The device to ask for: the chosen one, or the CPU for CPU-only engines."""
        choice = self.device_combo.currentData() or "auto"
        if choice != "cpu" and "cuda" not in engine.devices:
            return "cpu"
        return choice

    def _show_engine(self, *_: object) -> None:
        try:
            engine = self.selected_engine()
        except RestorerError:
            self.engine_label.setText("No engine")
            return
        self.engine_label.setText(engine.label or engine.id)
        choice = self.device_combo.currentData() or "auto"
        device = self.job_device(engine)
        if device == "cpu":
            text = "CPU"
            if choice == "cuda":
                text += f" ({engine.label} runs on the CPU only)"
        elif self.device_info is None:
            text = "Looking for a GPU…"
        elif self.device_info.cuda:
            text = self.device_info.cuda_label or "CUDA"
        else:
            text = "CPU"
        self.device_label.setText(text)

    def _show_size(self) -> None:
        if self.document is not None:
            self.size_label.setText(f"{self.document.width} × {self.document.height} px")

    def _show_zoom(self, scale: float) -> None:
        percent = scale * 100
        self.zoom_label.setText(f"{percent:.0f}%" if percent >= 10 else f"{percent:.1f}%")

    def _refresh_actions(self) -> None:
        has_document = self.document is not None
        self.size_label.setVisible(has_document)
        self.zoom_label.setVisible(has_document)
        busy = self.jobs.busy
        stack = self.document.undo_stack if has_document else None
        for action in (
            self.save_action,
            self.save_as_action,
            self.load_mask_action,
            self.save_mask_action,
            self.clear_mask_action,
            self.zoom_in_action,
            self.zoom_out_action,
            self.fit_action,
            self.actual_action,
        ):
            action.setEnabled(has_document)
        self.undo_action.setEnabled(bool(stack and stack.canUndo()))
        self.redo_action.setEnabled(bool(stack and stack.canRedo()))
        undo_text = stack.undoText() if stack else ""
        redo_text = stack.redoText() if stack else ""
        self.undo_action.setText(f"&Undo {undo_text}".strip())
        self.redo_action.setText(f"&Redo {redo_text}".strip())
        self.repair_action.setEnabled(has_document and not busy)
        self.repair_button.setEnabled(self.repair_action.isEnabled())
        self.cancel_action.setEnabled(busy)

    # -- document ---------------------------------------------------------------
    def show_photo(self, loaded: LoadedPhoto) -> None:
        """Make a freshly decoded photo the open document."""
        old = self.document
        document = Document(loaded, self)
        self.document = document
        stack = document.undo_stack
        for signal in (stack.canUndoChanged, stack.canRedoChanged, stack.indexChanged):
            signal.connect(self._refresh_actions)
        document.modified_changed.connect(self.update_title)
        document.photo_replaced.connect(self._show_size)
        self.canvas.set_document(document)
        self.document_changed.emit(document)
        if old is not None:
            old.deleteLater()
        self.size_label.setText(f"{document.width} × {document.height} px")
        self.update_title()
        self._refresh_actions()
        self.canvas.setFocus()
        notes = f" ({'; '.join(document.notes)})" if document.notes else ""
        self.statusBar().showMessage(f"Opened {document.name}{notes}", 6000)

    def open_path(self, path: Path | str) -> int | None:
        return self.files.open_path(Path(path))

    # -- editing ----------------------------------------------------------------
    def set_tool(self, tool: str) -> None:
        self.canvas.set_tool(tool)
        (self.brush_action if tool == BRUSH else self.eraser_action).setChecked(True)

    def step_brush(self, larger: bool) -> None:
        self.brush_size.set_value(step_brush_size(self.brush_size.value, larger))

    def undo(self) -> None:
        if self.document is not None:
            self.canvas.end_stroke()
            self.document.undo()

    def redo(self) -> None:
        if self.document is not None:
            self.canvas.end_stroke()
            self.document.redo()

    def clear_mask(self) -> None:
        if self.document is not None:
            self.canvas.end_stroke()
            self.document.clear_mask()

    # -- repair -----------------------------------------------------------------
    def repair(self) -> int | None:
        """Hand the photo and mask to the worker; the result comes back as one undo step."""
        document = self.document
        if document is None or self.jobs.busy:
            return None
        self.canvas.end_stroke()
        if document.mask_is_empty():
            self.statusBar().showMessage(
                "Nothing to repair: brush over the damage first, then press Repair.", 6000
            )
            return None
        try:
            engine = self.selected_engine()
        except RestorerError as error:
            dialogs.show_error(self, "Cannot repair", str(error))
            return None
        snapshot = document.share_pixels()
        mask = document.share_mask()  # copied only if the mask is written meanwhile
        version = document.mask_version
        job = RepairJob(
            snapshot,
            mask,
            engine.id,
            self.job_device(engine),
            kept=frozenset(document.original.tiles),
        )

        def done(outcome: RepairOutcome | None) -> None:
            if document is not self.document or mask.shape != (document.height, document.width):
                return  # another photo, or this one changed size (undo of a resize) meanwhile
            if outcome is None:
                self.statusBar().showMessage("Nothing to repair.", 4000)
                return
            patch = outcome.patch
            document.apply_repair(
                patch,
                mask,
                snapshot,
                outcome.edit,
                engine.label,
                outcome.mask_edit,
                version,
                outcome.tiles,
            )
            where = "CPU" if patch.device == "cpu" else self.device_label.text()
            self.statusBar().showMessage(
                f"Repaired with {engine.label} on {where} in {patch.seconds:.2f} s", 8000
            )

        def failed(message: str) -> None:
            dialogs.show_error(self, "Repair failed", f"{message}\n\nYour mask is kept.")

        def cancelled() -> None:
            self.statusBar().showMessage("Repair cancelled; the photo is unchanged.", 5000)

        def ended() -> None:
            document.release_pixels(snapshot)
            document.release_mask(mask)
            self.repair_job = None

        self.repair_job = self.jobs.submit(
            job, done, on_failed=failed, on_cancelled=cancelled, on_end=ended
        )
        return self.repair_job

    def cancel_jobs(self) -> None:
        self.jobs.cancel_all()

    # -- jobs -------------------------------------------------------------------
    def _probe_devices(self) -> None:
        if self._closed:
            return

        def found(info: DeviceInfo) -> None:
            freeze_long_lived_objects()  # torch is loaded now: keep full collections short
            self.device_info = info
            if info.cuda and self.device_combo.findData("cuda") < 0:
                self.device_combo.addItem(DEVICE_NAMES["cuda"], "cuda")
            self._show_engine()

        def failed(message: str) -> None:
            log.warning("Looking for a GPU failed: %s", message)
            freeze_long_lived_objects()
            self.device_info = DeviceInfo(False)
            self._show_engine()

        self.jobs.submit(ProbeDevicesJob(), found, on_failed=failed, background=True)

    def _on_busy_changed(self, busy: bool) -> None:
        if not busy:
            self.job_panel.stop()
        self._refresh_actions()

    def _on_job_started(self, job_id: int, title: str, cancellable: bool) -> None:
        self.statusBar().clearMessage()
        self.job_panel.start(title, cancellable)

    def _on_job_progress(self, job_id: int, fraction: float, message: str) -> None:
        self.job_panel.report(fraction, message)

    # -- help -------------------------------------------------------------------
    def show_shortcuts(self) -> None:
        dialogs.ShortcutsDialog(self.actions(), self).exec()

    # -- drag and drop, closing ---------------------------------------------------
    @staticmethod
    def _dropped_file(event) -> Path | None:
        files = dropped_files(event)
        return files[0] if files else None

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._dropped_file(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802
        path = self._dropped_file(event)
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        # Leave the drop handler before any dialog opens.
        QTimer.singleShot(0, lambda: self.files.open_path(path))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self._closed and not self.files.settle_unsaved("closing", self.close):
            event.ignore()
            return
        self._closed = True
        save_preferences(self)
        self.autosave.release()
        self.closing.emit()
        self.canvas.end_stroke()
        self.jobs.forget_all()
        self.worker.shut_down()
        event.accept()
