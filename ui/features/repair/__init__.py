"""Repair: the masked area handed to the chosen engine, back as one undo step.

Edit → Repair (Enter) and Cancel Job (Esc), the Repair button at the tool bar's right
end, and the running repair's preview on the canvas (`preview`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from restorer.workflows.jobs import RepairOutcome
from ui.core.theme import icon
from ui.document.repair import submit_repair
from ui.features.repair.preview import RepairPreviewer
from ui.shell import MenuId, Shell, ToolBarId


class Repair:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.repair_job: int | None = None
        self.repair_action = shell.add_action(
            "&Repair",
            self.repair,
            [Qt.Key.Key_Return, Qt.Key.Key_Enter],
            "repair",
            tip="Repair the masked area (Enter)",
        )
        self.cancel_action = shell.add_action(
            "Cancel Job", shell.jobs.cancel_all, [Qt.Key.Key_Escape], "cancel"
        )
        shell.add_to_menu(MenuId.EDIT, [self.repair_action, self.cancel_action])
        self.repair_button = QPushButton(icon("repair"), "Repair", shell.widget())
        self.repair_button.setObjectName("repairButton")
        self.repair_button.setToolTip(self.repair_action.toolTip())
        self.repair_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.repair_button.clicked.connect(self.repair_action.trigger)
        shell.add_to_tool_bar(ToolBarId.MAIN, [self.repair_button], trailing=True)
        self.previewer = RepairPreviewer(shell)
        shell.document_changed.connect(self._refresh)
        shell.jobs.busy_changed.connect(self._refresh)
        self._refresh()

    def _refresh(self, *_: object) -> None:
        busy = self.shell.jobs.busy
        self.repair_action.setEnabled(self.shell.document is not None and not busy)
        self.repair_button.setEnabled(self.repair_action.isEnabled())
        self.cancel_action.setEnabled(busy)

    def repair(self) -> int | None:
        """Hand the photo and mask to a job; the result comes back as one undo step."""
        choice = self.shell.engine_choice

        def finished(engine, outcome: RepairOutcome) -> str:
            patch = outcome.patch
            where = "CPU" if patch.device == "cpu" else choice.device_text(engine)
            return f"Repaired with {engine.label} on {where} in {patch.seconds:.2f} s"

        def ended() -> None:
            self.repair_job = None

        self.repair_job = submit_repair(
            self.shell,
            grow=choice.grow_pixels,
            finished=finished,
            nothing="Nothing to repair: brush over the damage first, then press Repair.",
            cancelled="Repair cancelled; the photo is unchanged.",
            on_end=ended,
        )
        return self.repair_job


def install(shell: Shell) -> Repair:
    return Repair(shell)
