"""Retouching tools: spot healing brush (Shift+J), clone stamp (S), healing brush (H).

Tools menu and main tool bar; their options (Aligned, and a reminder of Alt-click) on
the Mask tool bar. They use the brush size and hardness of the mask brush. Choosing
Brush or Eraser gives the left button back to the mask. Saves whether Aligned is on.
"""

from __future__ import annotations

from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QLabel

from ui.core.settings import flag, settings
from ui.document import Document
from ui.features.retouch.tools import CloneTool, SpotHealTool
from ui.shell import MenuId, Shell, ToolBarId


class RetouchTools:
    """Everything the retouch feature adds to the window."""

    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.spot = SpotHealTool(shell)
        self.clone = CloneTool(shell, heal=False)
        self.healing = CloneTool(shell, heal=True)
        act = shell.add_action
        self.spot_action = act(
            "S&pot Healing Brush",
            lambda: self.choose(self.spot),
            ["Shift+J"],
            "spot-heal",
            tip="Click or drag over a blemish: it is repaired at once (Shift+J)",
            checkable=True,
        )
        self.clone_action = act(
            "C&lone Stamp",
            lambda: self.choose(self.clone),
            ["S"],
            "clone",
            tip="Alt-click a source, then paint to copy it (S)",
            checkable=True,
        )
        self.healing_action = act(
            "&Healing Brush",
            lambda: self.choose(self.healing),
            ["H"],
            "healing",
            tip="Like the clone stamp, matched to the tone where you paint (H)",
            checkable=True,
        )
        self.aligned_action = act(
            "&Aligned",
            self.set_aligned,
            tip="Aligned: the source follows the brush from stroke to stroke; "
            "off: each stroke starts again from the source point",
            checkable=True,
        )
        self.aligned_action.setChecked(True)
        self._actions = {
            self.spot.name: self.spot_action,
            self.clone.name: self.clone_action,
            self.healing.name: self.healing_action,
        }
        self.group = QActionGroup(shell.widget())
        for action in self._actions.values():
            self.group.addAction(action)
        hint = QLabel("Alt-click: source", shell.widget())
        hint.setObjectName("toolLabel")
        shell.add_to_menu(MenuId.TOOLS, list(self._actions.values()))
        shell.add_to_tool_bar(ToolBarId.MAIN, list(self._actions.values()))
        shell.add_to_tool_bar(ToolBarId.MASK, [self.aligned_action, hint])
        shell.canvas.tool_changed.connect(self._on_tool_changed)
        shell.document_changed.connect(self._on_document)
        shell.closing.connect(self.save_settings)
        self.restore_settings()
        self._on_document(shell.document)

    def choose(self, tool) -> None:
        """Make `tool` take the canvas's left button."""
        self.shell.canvas.set_tool_handler(tool)
        self._actions[tool.name].setChecked(True)
        if tool is not self.spot and tool.source is None:
            self.shell.status(f"{tool.text}: Alt-click where to copy from.", 4000)

    def set_aligned(self, aligned: bool) -> None:
        for tool in (self.clone, self.healing):
            tool.set_aligned(aligned)

    def _on_tool_changed(self, name: str) -> None:
        if name in self._actions:
            self._actions[name].setChecked(True)
            return
        self.group.setExclusive(False)
        for action in self._actions.values():
            action.setChecked(False)
        self.group.setExclusive(True)

    def _on_document(self, document: Document | None) -> None:
        for tool in (self.clone, self.healing):
            tool.reset()
        for action in self._actions.values():
            action.setEnabled(document is not None)

    def save_settings(self) -> None:
        store = settings()
        store.setValue("retouch/aligned", self.aligned_action.isChecked())
        store.sync()

    def restore_settings(self) -> None:
        aligned = flag(settings().value("retouch/aligned"), True)
        self.aligned_action.setChecked(aligned)
        self.set_aligned(aligned)


def install(shell: Shell) -> RetouchTools:
    return RetouchTools(shell)
