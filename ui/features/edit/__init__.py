"""Edit → Undo and Redo, named after the step they undo or redo."""

from __future__ import annotations

import contextlib

from ui.document import Document
from ui.shell import MenuId, Shell, ToolBarId


class UndoRedo:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.undo_action = shell.add_action("&Undo", self.undo, ["Ctrl+Z"], "undo")
        self.redo_action = shell.add_action("&Redo", self.redo, ["Ctrl+Shift+Z", "Ctrl+Y"], "redo")
        shell.add_to_menu(MenuId.EDIT, [self.undo_action, self.redo_action])
        shell.add_to_tool_bar(ToolBarId.MAIN, [self.undo_action, self.redo_action])
        shell.document_changed.connect(self._follow)
        self._refresh()

    def _follow(self, document: Document) -> None:
        stack = document.undo_stack
        for signal in (stack.canUndoChanged, stack.canRedoChanged, stack.indexChanged):
            signal.connect(self._refresh)
        self._refresh()

    def _refresh(self, *_: object) -> None:
        document = self.shell.document
        stack = document.undo_stack if document is not None else None
        with contextlib.suppress(RuntimeError):  # the window and its stack are going away
            self._show(stack)

    def _show(self, stack) -> None:
        self.undo_action.setEnabled(bool(stack and stack.canUndo()))
        self.redo_action.setEnabled(bool(stack and stack.canRedo()))
        undo_text = stack.undoText() if stack else ""
        redo_text = stack.redoText() if stack else ""
        self.undo_action.setText(f"&Undo {undo_text}".strip())
        self.redo_action.setText(f"&Redo {redo_text}".strip())

    def undo(self) -> None:
        if self.shell.document is not None:
            self.shell.document.undo()

    def redo(self) -> None:
        if self.shell.document is not None:
            self.shell.document.redo()


def install(shell: Shell) -> UndoRedo:
    return UndoRedo(shell)
