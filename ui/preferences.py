"""Remembered between runs: window layout, brush and mask settings, engine and device.

Stored with QSettings in Restorer's INI file in the per-user config folder (see
`ui.files.settings`), read when the window is built and written when it closes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QColor

from ui.canvas import BRUSH, ERASER
from ui.files import settings

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def _number(value: object, default: float) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


def _flag(value: object, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower() in ("true", "1", "yes")
    return bool(value)


def save_preferences(window: MainWindow) -> None:
    """Write the window's layout and tool settings."""
    store = settings()
    canvas = window.canvas
    store.setValue("window/geometry", window.saveGeometry())
    store.setValue("window/state", window.saveState())
    store.setValue("tools/tool", canvas.tool)
    store.setValue("tools/brushSize", canvas.brush_size)
    store.setValue("tools/hardness", canvas.hardness)
    store.setValue("tools/heal", window.editing.heal.enabled)
    store.setValue("tools/edgeStep", window.editing.edge_spin.value())
    store.setValue("mask/color", canvas.overlay_color.name())
    store.setValue("mask/opacity", canvas.overlay_opacity)
    store.setValue("mask/visible", canvas.mask_visible)
    store.setValue("engine/id", window.engine_combo.currentData() or "")
    store.setValue("engine/device", window.device_combo.currentData() or "auto")
    store.sync()


def restore_preferences(window: MainWindow) -> None:
    """Apply what `save_preferences` wrote (missing or odd values keep the defaults)."""
    store = settings()
    canvas = window.canvas
    geometry = store.value("window/geometry")
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        window.restoreGeometry(geometry)
    state = store.value("window/state")
    if isinstance(state, QByteArray) and not state.isEmpty():
        window.restoreState(state)
    tool = store.value("tools/tool", BRUSH)
    window.set_tool(tool if tool in (BRUSH, ERASER) else BRUSH)
    window.brush_size.set_value(int(_number(store.value("tools/brushSize"), canvas.brush_size)))
    canvas.set_hardness(_number(store.value("tools/hardness"), canvas.hardness))
    window.editing.heal.set_enabled(_flag(store.value("tools/heal"), False))
    window.editing.edge_spin.setValue(int(_number(store.value("tools/edgeStep"), 4)))
    color = QColor(str(store.value("mask/color", "")))
    if color.isValid():
        canvas.set_overlay_color(color)
    canvas.set_overlay_opacity(_number(store.value("mask/opacity"), canvas.overlay_opacity))
    canvas.set_mask_visible(_flag(store.value("mask/visible"), True))
    for combo, key in ((window.engine_combo, "engine/id"), (window.device_combo, "engine/device")):
        index = combo.findData(store.value(key, ""))
        if index >= 0:
            combo.setCurrentIndex(index)
