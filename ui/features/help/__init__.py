"""Help → Keyboard Shortcuts (every window action with its keys) and About."""

from __future__ import annotations

from PySide6.QtGui import QAction

from ui.core import dialogs
from ui.shell import MenuId, Shell


def install(shell: Shell) -> list[QAction]:
    window = shell.widget()
    shortcuts = shell.add_action(
        "&Keyboard Shortcuts",
        lambda: dialogs.ShortcutsDialog(window.actions(), window).exec(),
        ["F1"],
    )
    about = shell.add_action("&About Restorer", lambda: dialogs.show_about(window))
    shell.add_to_menu(MenuId.HELP, [shortcuts, about])
    return [shortcuts, about]
