"""Image → Extend Canvas… (see `extend_dialog`)."""

from __future__ import annotations

from PySide6.QtGui import QAction

from ui.features.image.extend_dialog import show_extend_dialog
from ui.shell import MenuId, Shell


def install(shell: Shell) -> QAction:
    menu = shell.menu(MenuId.IMAGE)
    action = menu.addAction("&Extend Canvas…")
    action.setStatusTip("Add pixels on chosen sides and fill them with the current engine")
    action.triggered.connect(lambda: show_extend_dialog(shell))
    menu.aboutToShow.connect(
        lambda: action.setEnabled(shell.document is not None and not shell.jobs.busy)
    )
    return action
