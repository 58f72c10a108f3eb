"""The editing tools around the canvas: brush hardness, mask display and edge, compare,
heal as you paint, and the History panel.

`install_editing(window)` adds the actions (with their shortcuts, so Help lists them),
the Mask tool bar, the Mask menu entries and the History dock to a `MainWindow`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QColorDialog,
    QDockWidget,
    QLabel,
    QMenu,
    QSlider,
    QSpinBox,
    QToolBar,
    QToolButton,
    QUndoView,
)

from ui.heal import HealController

if TYPE_CHECKING:
    from ui.document import Document
    from ui.main_window import MainWindow

HARDNESS_STEP = 0.1
DEFAULT_EDGE_STEP = 4


def _swatch(color: QColor) -> QIcon:
    pixmap = QPixmap(16, 16)
    pixmap.fill(color)
    return QIcon(pixmap)


class EditingTools:
    """Everything `install_editing` adds to one window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        canvas = window.canvas
        self.heal = HealController(window)
        act = window._action
        self.softer_action = act("Softer Brush", lambda: self.step_hardness(-1), ["{"])
        self.harder_action = act("Harder Brush", lambda: self.step_hardness(1), ["}"])
        self.show_mask_action = act(
            "Show &Mask", canvas.set_mask_visible, ["M"], "show-mask", checkable=True
        )
        self.show_mask_action.setChecked(True)
        self.overlay_color_action = act("Mask &Colour…", self.choose_overlay_color)
        self.grow_action = act(
            "&Grow Mask", lambda: self.change_edge(1), ["Ctrl+Alt+="], "grow-mask"
        )
        self.shrink_action = act(
            "S&hrink Mask", lambda: self.change_edge(-1), ["Ctrl+Alt+-"], "shrink-mask"
        )
        self.heal_action = act(
            "&Heal as You Paint",
            self.heal.set_enabled,
            ["J"],
            "heal",
            tip="Repair each brush stroke as soon as it is finished (J)",
            checkable=True,
        )
        self.split_action = act(
            "&Split Before/After", canvas.set_split, ["Y"], "split", checkable=True
        )
        self.heal.enabled_changed.connect(self.heal_action.setChecked)
        self._build_tool_bar()
        self._build_history()
        self._build_menu()
        canvas.view_changed.connect(self._show_view_state)
        window.document_changed.connect(self._on_document)
        self._on_document(window.document)
        self._show_view_state()

    # -- building ---------------------------------------------------------------
    def _build_tool_bar(self) -> None:
        window = self.window
        bar = QToolBar("Mask", window)
        bar.setObjectName("maskToolBar")
        bar.setMovable(False)
        # Icons with their names: these are toggles and steps one reads before using.
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        window.addToolBarBreak()
        window.addToolBar(bar)
        self.hardness_spin = QSpinBox(bar)
        self.hardness_spin.setRange(0, 100)
        self.hardness_spin.setSuffix(" %")
        self.hardness_spin.setToolTip(
            "Brush hardness: 100% a hard edge, less a softer one ({ and })"
        )
        self.hardness_spin.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.hardness_spin.valueChanged.connect(lambda v: window.canvas.set_hardness(v / 100))
        self.hardness_spin.editingFinished.connect(window.canvas.setFocus)
        bar.addWidget(_label("Hardness", bar))
        bar.addWidget(self.hardness_spin)
        bar.addSeparator()
        bar.addAction(self.show_mask_action)
        self.color_button = QToolButton(bar)
        self.color_button.setToolTip("Mask colour")
        self.color_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.color_button.clicked.connect(self.choose_overlay_color)
        bar.addWidget(self.color_button)
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal, bar)
        self.opacity_slider.setRange(5, 100)
        self.opacity_slider.setFixedWidth(110)
        self.opacity_slider.setToolTip("Mask opacity")
        self.opacity_slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.opacity_slider.valueChanged.connect(
            lambda v: window.canvas.set_overlay_opacity(v / 100)
        )
        bar.addWidget(_label("Opacity", bar))
        bar.addWidget(self.opacity_slider)
        bar.addSeparator()
        self.edge_spin = QSpinBox(bar)
        self.edge_spin.setRange(1, 200)
        self.edge_spin.setValue(DEFAULT_EDGE_STEP)
        self.edge_spin.setSuffix(" px")
        self.edge_spin.setToolTip("How far Grow Mask and Shrink Mask move the mask's edge")
        self.edge_spin.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.edge_spin.editingFinished.connect(window.canvas.setFocus)
        bar.addActions([self.shrink_action, self.grow_action])
        bar.addWidget(self.edge_spin)
        bar.addSeparator()
        bar.addActions([self.heal_action, self.split_action])
        self.tool_bar = bar

    def _build_history(self) -> None:
        window = self.window
        dock = QDockWidget("History", window)
        dock.setObjectName("historyDock")
        self.history_view = QUndoView(dock)
        self.history_view.setEmptyLabel("Opened")
        self.history_view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        dock.setWidget(self.history_view)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.history_dock = dock
        self.history_action = dock.toggleViewAction()
        self.history_action.setText("&History")
        self.history_action.setShortcut("F7")
        self.history_action.setProperty("plainName", "History panel")
        window.addAction(self.history_action)

    def _build_menu(self) -> None:
        window = self.window
        bar = window.menuBar()
        view = next((a.menu() for a in bar.actions() if a.text().replace("&", "") == "View"), None)
        menu = QMenu("&Mask", window)
        if view is not None:
            bar.insertMenu(view.menuAction(), menu)
            view.addSeparator()
            view.addActions([self.split_action, self.history_action])
        else:
            bar.addMenu(menu)
        menu.addActions([self.show_mask_action, self.overlay_color_action])
        menu.addSeparator()
        menu.addActions([self.grow_action, self.shrink_action])
        menu.addSeparator()
        menu.addActions([self.softer_action, self.harder_action])
        menu.addSeparator()
        menu.addAction(self.heal_action)
        self.mask_menu = menu

    # -- state -------------------------------------------------------------------
    def _on_document(self, document: Document | None) -> None:
        self.heal.attach(document)
        self.history_view.setStack(document.undo_stack if document is not None else None)
        for action in (self.grow_action, self.shrink_action, self.overlay_color_action):
            action.setEnabled(document is not None)

    def _show_view_state(self) -> None:
        canvas = self.window.canvas
        for widget, value in (
            (self.hardness_spin, round(canvas.hardness * 100)),
            (self.opacity_slider, round(canvas.overlay_opacity * 100)),
        ):
            with QSignalBlocker(widget):
                widget.setValue(value)
        self.show_mask_action.setChecked(canvas.mask_visible)
        self.split_action.setChecked(canvas.split)
        self.color_button.setIcon(_swatch(canvas.overlay_color))

    # -- commands ----------------------------------------------------------------
    def step_hardness(self, direction: int) -> None:
        canvas = self.window.canvas
        canvas.set_hardness(canvas.hardness + direction * HARDNESS_STEP)

    def choose_overlay_color(self) -> None:
        canvas = self.window.canvas
        color = QColorDialog.getColor(canvas.overlay_color, self.window, "Mask Colour")
        if color.isValid():
            canvas.set_overlay_color(color)

    def change_edge(self, direction: int) -> None:
        window = self.window
        if window.document is None:
            return
        if not window.document.change_mask_edge(direction * self.edge_spin.value()):
            window.statusBar().showMessage("The mask is empty: brush over something first.", 4000)


def _label(text: str, parent) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("toolLabel")
    return label


def install_editing(window: MainWindow) -> EditingTools:
    """Add hardness, mask display and edge, compare, heal and History to `window`."""
    return EditingTools(window)
