"""View: zoom, fit, actual pixels, the before/after split, and the History panel."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QUndoView

from ui.document import Document
from ui.shell import MenuId, Shell, ToolBarId


class ViewTools:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        canvas = shell.canvas
        act = shell.add_action
        self.zoom_in_action = act("Zoom &In", canvas.zoom_in, ["Ctrl++", "Ctrl+="], "zoom-in")
        self.zoom_out_action = act("Zoom &Out", canvas.zoom_out, ["Ctrl+-"], "zoom-out")
        self.fit_action = act("&Fit to Window", lambda: canvas.fit(enlarge=True), ["Ctrl+0"], "fit")
        self.actual_action = act(
            "&Actual Pixels (100%)", canvas.actual_pixels, ["Ctrl+1"], "actual-size"
        )
        self.split_action = act(
            "&Split Before/After", canvas.set_split, ["Y"], "split", checkable=True
        )
        self._build_history()
        shell.add_to_menu(MenuId.VIEW, [self.zoom_in_action, self.zoom_out_action])
        shell.add_to_menu(MenuId.VIEW, [self.fit_action, self.actual_action])
        shell.add_to_menu(MenuId.VIEW, [self.split_action, self.history_action])
        shell.add_to_tool_bar(ToolBarId.MAIN, [self.fit_action, self.actual_action])
        shell.add_to_tool_bar(ToolBarId.MASK, [self.split_action], separate=False)
        canvas.view_changed.connect(lambda: self.split_action.setChecked(canvas.split))
        shell.document_changed.connect(self._on_document)
        self._on_document(shell.document)

    def _build_history(self) -> None:
        dock = QDockWidget("History", self.shell.widget())
        dock.setObjectName("historyDock")
        self.history_view = QUndoView(dock)
        self.history_view.setEmptyLabel("Opened")
        self.history_view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        dock.setWidget(self.history_view)
        self.shell.add_dock(dock, Qt.DockWidgetArea.RightDockWidgetArea)
        self.history_dock = dock
        self.history_action = dock.toggleViewAction()
        self.history_action.setText("&History")
        self.history_action.setShortcut("F7")
        self.history_action.setProperty("plainName", "History panel")
        self.shell.widget().addAction(self.history_action)

    def _on_document(self, document: Document | None) -> None:
        self.history_view.setStack(document.undo_stack if document is not None else None)
        for action in (
            self.zoom_in_action,
            self.zoom_out_action,
            self.fit_action,
            self.actual_action,
        ):
            action.setEnabled(document is not None)


def install(shell: Shell) -> ViewTools:
    return ViewTools(shell)
