"""Painting the mask: brush and eraser, size and hardness, mask display and edge, heal.

Tools → Brush / Eraser / Smaller / Larger; Edit → Clear Mask; the Mask menu (show,
colour, grow, shrink, softer, harder, Heal as You Paint); brush size on the main tool
bar; hardness, display, edge and heal on the Mask tool bar. Saves its settings.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QActionGroup, QColor, QIcon, QPixmap
from PySide6.QtWidgets import QColorDialog, QLabel, QSlider, QSpinBox, QToolButton

from ui.canvas import BRUSH, ERASER
from ui.core.settings import flag, number, settings
from ui.core.widgets import BrushSizeControl, step_brush_size
from ui.document import Document
from ui.features.mask.heal import HealController
from ui.shell import MenuId, Shell, ToolBarId

HARDNESS_STEP = 0.1
DEFAULT_EDGE_STEP = 4


def _swatch(color: QColor) -> QIcon:
    pixmap = QPixmap(16, 16)
    pixmap.fill(color)
    return QIcon(pixmap)


def _label(text: str, parent) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("toolLabel")
    return label


class MaskTools:
    """Everything the mask feature adds to the window."""

    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        canvas = shell.canvas
        act = shell.add_action
        self.heal = HealController(shell)
        self.brush_action = act(
            "&Brush", lambda: self.set_tool(BRUSH), ["B"], "brush", checkable=True
        )
        self.eraser_action = act(
            "&Eraser", lambda: self.set_tool(ERASER), ["E"], "eraser", checkable=True
        )
        tools = self.tool_group = QActionGroup(shell.widget())
        tools.addAction(self.brush_action)
        tools.addAction(self.eraser_action)
        self.brush_action.setChecked(True)
        self.smaller_action = act("Smaller Brush", lambda: self.step_brush(False), ["["])
        self.larger_action = act("Larger Brush", lambda: self.step_brush(True), ["]"])
        self.clear_mask_action = act("&Clear Mask", self.clear_mask, ["Ctrl+D"], "clear-mask")
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
        self.heal.enabled_changed.connect(self.heal_action.setChecked)
        self._build_menus()
        self._build_tool_bars()
        canvas.view_changed.connect(self._show_view_state)
        canvas.tool_changed.connect(self._on_tool_changed)
        canvas.brush_size_changed.connect(self.brush_size.set_value)
        self.brush_size.value_changed.connect(canvas.set_brush_size)
        self.brush_size.set_value(canvas.brush_size)
        shell.document_changed.connect(self._on_document)
        shell.closing.connect(self.save_settings)
        self._on_document(shell.document)
        self.restore_settings()
        self._show_view_state()

    # -- building ---------------------------------------------------------------
    def _build_menus(self) -> None:
        shell = self.shell
        shell.add_to_menu(MenuId.EDIT, [self.clear_mask_action])
        shell.add_to_menu(MenuId.TOOLS, [self.brush_action, self.eraser_action])
        shell.add_to_menu(MenuId.TOOLS, [self.smaller_action, self.larger_action])
        shell.add_to_menu(MenuId.MASK, [self.show_mask_action, self.overlay_color_action])
        shell.add_to_menu(MenuId.MASK, [self.grow_action, self.shrink_action])
        shell.add_to_menu(MenuId.MASK, [self.softer_action, self.harder_action])
        shell.add_to_menu(MenuId.MASK, [self.heal_action])

    def _build_tool_bars(self) -> None:
        shell, canvas = self.shell, self.shell.canvas
        parent = shell.widget()
        self.brush_size = BrushSizeControl(parent=parent)
        self.brush_size.slider.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.brush_size.spin.editingFinished.connect(canvas.setFocus)
        shell.add_to_tool_bar(
            ToolBarId.MAIN,
            [self.brush_action, self.eraser_action, self.brush_size, self.clear_mask_action],
        )
        self.hardness_spin = QSpinBox(parent)
        self.hardness_spin.setRange(0, 100)
        self.hardness_spin.setSuffix(" %")
        self.hardness_spin.setToolTip(
            "Brush hardness: 100% a hard edge, less a softer one ({ and })"
        )
        self.hardness_spin.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.hardness_spin.valueChanged.connect(lambda v: canvas.set_hardness(v / 100))
        self.hardness_spin.editingFinished.connect(canvas.setFocus)
        self.color_button = QToolButton(parent)
        self.color_button.setToolTip("Mask colour")
        self.color_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.color_button.clicked.connect(self.choose_overlay_color)
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal, parent)
        self.opacity_slider.setRange(5, 100)
        self.opacity_slider.setFixedWidth(110)
        self.opacity_slider.setToolTip("Mask opacity")
        self.opacity_slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.opacity_slider.valueChanged.connect(lambda v: canvas.set_overlay_opacity(v / 100))
        self.edge_spin = QSpinBox(parent)
        self.edge_spin.setRange(1, 200)
        self.edge_spin.setValue(DEFAULT_EDGE_STEP)
        self.edge_spin.setSuffix(" px")
        self.edge_spin.setToolTip("How far Grow Mask and Shrink Mask move the mask's edge")
        self.edge_spin.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.edge_spin.editingFinished.connect(canvas.setFocus)
        bar = ToolBarId.MASK
        shell.add_to_tool_bar(bar, [_label("Hardness", parent), self.hardness_spin])
        shell.add_to_tool_bar(
            bar,
            [
                self.show_mask_action,
                self.color_button,
                _label("Opacity", parent),
                self.opacity_slider,
            ],
        )
        shell.add_to_tool_bar(bar, [self.shrink_action, self.grow_action, self.edge_spin])
        self.grow_repair_spin = QSpinBox(parent)
        self.grow_repair_spin.setObjectName("growRepairSpin")
        self.grow_repair_spin.setRange(0, 20)
        self.grow_repair_spin.setSuffix(" px")
        self.grow_repair_spin.setSpecialValueText("Off")
        self.grow_repair_spin.setToolTip(
            "Grow the repair area by this many pixels past the mask, further along smooth "
            "areas up to the next edge: a mask that falls short of an object leaves no sliver"
        )
        self.grow_repair_spin.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.grow_repair_spin.valueChanged.connect(self._set_grow_repair)
        self.grow_repair_spin.editingFinished.connect(canvas.setFocus)
        shell.add_to_tool_bar(
            bar, [self.heal_action, _label("Grow repair", parent), self.grow_repair_spin]
        )

    # -- state -------------------------------------------------------------------
    def _on_document(self, document: Document | None) -> None:
        self.heal.attach(document)
        for action in (
            self.grow_action,
            self.shrink_action,
            self.overlay_color_action,
            self.clear_mask_action,
        ):
            action.setEnabled(document is not None)

    def _show_view_state(self) -> None:
        canvas = self.shell.canvas
        for widget, value in (
            (self.hardness_spin, round(canvas.hardness * 100)),
            (self.opacity_slider, round(canvas.overlay_opacity * 100)),
        ):
            with QSignalBlocker(widget):
                widget.setValue(value)
        self.show_mask_action.setChecked(canvas.mask_visible)
        self.color_button.setIcon(_swatch(canvas.overlay_color))

    def _on_tool_changed(self, tool: str) -> None:
        """Another tool (clone, healing…) took the left button: no mask tool is checked."""
        if tool not in (BRUSH, ERASER):
            self.tool_group.setExclusive(False)
            self.brush_action.setChecked(False)
            self.eraser_action.setChecked(False)
            self.tool_group.setExclusive(True)

    # -- commands ----------------------------------------------------------------
    def set_tool(self, tool: str) -> None:
        self.shell.canvas.set_tool(tool)
        (self.brush_action if tool == BRUSH else self.eraser_action).setChecked(True)

    def step_brush(self, larger: bool) -> None:
        self.brush_size.set_value(step_brush_size(self.brush_size.value, larger))

    def step_hardness(self, direction: int) -> None:
        canvas = self.shell.canvas
        canvas.set_hardness(canvas.hardness + direction * HARDNESS_STEP)

    def choose_overlay_color(self) -> None:
        canvas = self.shell.canvas
        color = QColorDialog.getColor(canvas.overlay_color, self.shell.widget(), "Mask Colour")
        if color.isValid():
            canvas.set_overlay_color(color)

    def _set_grow_repair(self, pixels: int) -> None:
        self.shell.engine_choice.grow_pixels = pixels

    def clear_mask(self) -> None:
        if self.shell.document is not None:
            self.shell.document.clear_mask()

    def change_edge(self, direction: int) -> None:
        document = self.shell.document
        if document is None:
            return
        if not document.change_mask_edge(direction * self.edge_spin.value()):
            self.shell.status("The mask is empty: brush over something first.", 4000)

    # -- settings ----------------------------------------------------------------
    def save_settings(self) -> None:
        store = settings()
        canvas = self.shell.canvas
        store.setValue("tools/tool", canvas.tool)
        store.setValue("tools/brushSize", canvas.brush_size)
        store.setValue("tools/hardness", canvas.hardness)
        store.setValue("tools/heal", self.heal.enabled)
        store.setValue("tools/edgeStep", self.edge_spin.value())
        store.setValue("repair/growPixels", self.grow_repair_spin.value())
        store.setValue("mask/color", canvas.overlay_color.name())
        store.setValue("mask/opacity", canvas.overlay_opacity)
        store.setValue("mask/visible", canvas.mask_visible)
        store.sync()

    def restore_settings(self) -> None:
        store = settings()
        canvas = self.shell.canvas
        tool = store.value("tools/tool", BRUSH)
        self.set_tool(tool if tool in (BRUSH, ERASER) else BRUSH)
        self.brush_size.set_value(int(number(store.value("tools/brushSize"), canvas.brush_size)))
        canvas.set_hardness(number(store.value("tools/hardness"), canvas.hardness))
        self.heal.set_enabled(flag(store.value("tools/heal"), False))
        self.edge_spin.setValue(int(number(store.value("tools/edgeStep"), DEFAULT_EDGE_STEP)))
        self.grow_repair_spin.setValue(int(number(store.value("repair/growPixels"), 0)))
        color = QColor(str(store.value("mask/color", "")))
        if color.isValid():
            canvas.set_overlay_color(color)
        canvas.set_overlay_opacity(number(store.value("mask/opacity"), canvas.overlay_opacity))
        canvas.set_mask_visible(flag(store.value("mask/visible"), True))


def install(shell: Shell) -> MaskTools:
    return MaskTools(shell)
