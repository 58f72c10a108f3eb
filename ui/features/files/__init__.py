"""File menu: Open, Open Recent, Save, Save As, masks, Quit (see `ui.document.files`)."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu

from ui.shell import MenuId, Shell, ToolBarId


class FileMenu:
    """The File menu's actions; the work is `shell.files`'."""

    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        files = shell.files
        key = QKeySequence.StandardKey
        add = shell.add_action
        self.open_action = add("&Open…", files.open_dialog, [key.Open], "open")
        self.save_action = add("&Save", files.save, [key.Save], "save")
        self.save_as_action = add("Save &As…", files.save_as_dialog, ["Ctrl+Shift+S"], "save")
        self.load_mask_action = add("&Load Mask…", files.load_mask_dialog, ["Ctrl+Shift+O"])
        self.save_mask_action = add("Save Mas&k…", files.save_mask_dialog)
        self.quit_action = add("&Quit", shell.widget().close, ["Ctrl+Q"])
        self.recent_menu = QMenu("Open &Recent", shell.widget())
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
        menu = shell.menu(MenuId.FILE)
        menu.addAction(self.open_action)
        menu.addMenu(self.recent_menu)
        shell.add_to_menu(MenuId.FILE, [self.save_action, self.save_as_action])
        shell.add_to_menu(MenuId.FILE, [self.load_mask_action, self.save_mask_action])
        shell.add_to_menu(MenuId.MASK, [self.load_mask_action, self.save_mask_action])
        shell.add_to_menu(MenuId.FILE, [self.quit_action])
        shell.add_to_tool_bar(ToolBarId.MAIN, [self.open_action, self.save_action])
        shell.document_changed.connect(self._refresh)
        self._refresh()

    def _refresh(self, *_: object) -> None:
        has_document = self.shell.document is not None
        for action in (
            self.save_action,
            self.save_as_action,
            self.load_mask_action,
            self.save_mask_action,
        ):
            action.setEnabled(has_document)

    def fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.shell.files
        recent = files.recent()
        for path in recent:
            action = self.recent_menu.addAction(path.name)
            action.setToolTip(str(path))
            action.triggered.connect(lambda _=False, p=path: files.open_path(p))
        if not recent:
            self.recent_menu.addAction("No recent photos").setEnabled(False)


def install(shell: Shell) -> FileMenu:
    return FileMenu(shell)
