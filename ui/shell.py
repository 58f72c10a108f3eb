"""The small surface every feature talks to: the `Shell`.

A feature is a folder `ui/features/<area>/` whose `__init__.py` exports

    def install(shell: Shell) -> object

`ui/app.py` (the composition root) builds the window and calls each feature's `install`
in the order of its `FEATURES` list; what `install` returns is kept in
`window.features[area]` (tests and nothing else reach in there). A feature

- adds its actions with `shell.add_action(...)` and puts them in menus and tool bars
  that already exist: `shell.menu(MenuId.X)`, `shell.add_to_menu(MenuId.X, actions)`,
  `shell.add_to_tool_bar(ToolBarId.X, items)`, docks with `shell.add_dock(...)`;
- follows the open photo through `shell.document` and `shell.document_changed`;
- hands work to `shell.jobs` (one `JobEvent` signal comes back, see `ui.core.jobs`);
- reads the chosen engine and device from `shell.engine_choice`;
- opens and saves documents through `shell.files`;
- reports with `shell.status(text, ms)`; dialogs take `shell.widget()` as parent;
- reads its own settings when installed and writes them on `shell.closing`.

It imports `ui.shell`, `ui.core`, `ui.document` and `ui.canvas` — never `ui.main_window`
and never another feature (import-linter checks both; see pyproject.toml). To add a
feature: make the folder, write `install`, add it to `ui.app.FEATURES`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtCore import Qt, SignalInstance
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QWidget

    from ui.canvas import Canvas
    from ui.core.engine_choice import EngineChoice
    from ui.core.jobs import Jobs
    from ui.document import Document
    from ui.document.files import DocumentFiles


class MenuId(enum.Enum):
    """The menus, created up front in this order; the value is the menu's title."""

    FILE = "&File"
    EDIT = "&Edit"
    TOOLS = "&Tools"
    MASK = "&Mask"
    VIEW = "&View"
    IMAGE = "&Image"
    FILTERS = "Fi&lters"
    MODELS = "&Models"
    GENERATE = "&Generate"
    HELP = "&Help"


class ToolBarId(enum.Enum):
    """The tool bars, created up front: the main one, and the Mask bar on a second row."""

    MAIN = "mainToolBar"
    MASK = "maskToolBar"


class Shell(Protocol):
    """What a feature may use of the window (implemented by `ui.main_window.MainWindow`)."""

    document_changed: SignalInstance  # the new Document
    closing: SignalInstance  # the window accepted to close: save settings, stop work

    @property
    def document(self) -> Document | None: ...

    @property
    def canvas(self) -> Canvas: ...

    @property
    def jobs(self) -> Jobs: ...

    @property
    def engine_choice(self) -> EngineChoice: ...

    @property
    def files(self) -> DocumentFiles: ...

    def widget(self) -> QMainWindow:
        """The window itself, as the parent of dialogs, tool bars and docks."""
        ...

    def menu(self, menu_id: MenuId) -> QMenu: ...

    def add_action(
        self,
        text: str,
        slot: Callable[..., object],
        shortcuts: Sequence[object] | None = None,
        icon_name: str | None = None,
        tip: str | None = None,
        checkable: bool = False,
    ) -> QAction:
        """A window-wide action (its shortcut works anywhere; Help lists it)."""
        ...

    def add_to_menu(self, menu_id: MenuId, actions: Sequence[QAction]) -> None:
        """Append `actions` as one group (a separator before it if the menu has items)."""
        ...

    def add_to_tool_bar(
        self,
        bar_id: ToolBarId,
        items: Sequence[QAction | QWidget],
        *,
        separate: bool = True,
        trailing: bool = False,
    ) -> None:
        """Append actions and widgets as a group; `trailing` puts them at the far right of
        the main bar, after the engine and device choosers."""
        ...

    def add_dock(self, dock: QDockWidget, area: Qt.DockWidgetArea) -> None: ...

    def status(self, message: str, timeout_ms: int = 0) -> None:
        """Show `message` in the status bar (for `timeout_ms`, 0: until replaced)."""
        ...
