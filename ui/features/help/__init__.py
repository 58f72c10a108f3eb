"""Help → Getting Started, Keyboard Shortcuts, Report a Problem, About; and the
first-run tip (`Help.show_first_run_tip`, called by the app at start, never by tests)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from ui.core import dialogs
from ui.features.help.guide import (
    FirstRunTip,
    GettingStartedDialog,
    ReportDialog,
    show_first_run_tip,
)
from ui.shell import MenuId, Shell


class Help:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        window = shell.widget()
        self.getting_started_action = shell.add_action(
            "&Getting Started", self.show_getting_started
        )
        self.shortcuts_action = shell.add_action(
            "&Keyboard Shortcuts",
            lambda: dialogs.ShortcutsDialog(window.actions(), window).exec(),
            ["F1"],
        )
        self.report_action = shell.add_action("&Report a Problem…", self.show_report)
        self.about_action = shell.add_action("&About Restorer", lambda: dialogs.show_about(window))
        shell.add_to_menu(MenuId.HELP, [self.getting_started_action, self.shortcuts_action])
        shell.add_to_menu(MenuId.HELP, [self.report_action, self.about_action])
        self.guide: GettingStartedDialog | None = None

    @property
    def actions(self) -> list[QAction]:
        return [
            self.getting_started_action,
            self.shortcuts_action,
            self.report_action,
            self.about_action,
        ]

    def show_getting_started(self) -> GettingStartedDialog:
        """Not modal: the guide can stay open beside the photo."""
        if self.guide is None:
            window = self.shell.widget()
            self.guide = GettingStartedDialog(window.actions(), window)
        self.guide.show()
        self.guide.raise_()
        return self.guide

    def show_report(self) -> ReportDialog:
        choice = self.shell.engine_choice
        info = choice.device_info
        gpu = "not probed yet" if info is None else (info.cuda_label or "none")
        dialog = ReportDialog(f"{choice.device} (GPU: {gpu})", self.shell.widget())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_first_run_tip(self) -> FirstRunTip | None:
        """The welcome card over the canvas, the first time Restorer starts only."""
        return show_first_run_tip(self.shell.canvas, self.show_getting_started)


def install(shell: Shell) -> Help:
    return Help(shell)
