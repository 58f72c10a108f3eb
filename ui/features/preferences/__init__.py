"""The window's layout (geometry, tool bars and docks) and the chosen engine and device,
remembered between runs. Installed last: it restores the layout of everything the other
features added, and choosing a model engine loads it as the models feature arranged.
(Each feature saves its own settings; these are the window's and the engine choice's.)
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray

from ui.core.settings import settings
from ui.shell import Shell


class WindowPreferences:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        shell.closing.connect(self.save)
        self.restore()

    def save(self) -> None:
        store = settings()
        window = self.shell.widget()
        choice = self.shell.engine_choice
        store.setValue("window/geometry", window.saveGeometry())
        store.setValue("window/state", window.saveState())
        store.setValue("engine/id", choice.engine_id or "")
        store.setValue("engine/device", choice.device)
        store.sync()

    def restore(self) -> None:
        store = settings()
        window = self.shell.widget()
        geometry = store.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            window.restoreGeometry(geometry)
        state = store.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            window.restoreState(state)
        choice = self.shell.engine_choice
        engine_id = str(store.value("engine/id", "") or "")
        if engine_id in [engine.id for engine in choice.engines]:
            choice.select(engine_id)
        choice.set_device(str(store.value("engine/device", "auto") or "auto"))


def install(shell: Shell) -> WindowPreferences:
    return WindowPreferences(shell)
