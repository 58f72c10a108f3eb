"""Window actions made one way: text, shortcuts (shown in the tooltip), icon, tip."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from ui.core.theme import icon


def make_action(
    parent: QWidget,
    text: str,
    slot: Callable[..., object],
    shortcuts: Sequence[object] | None = None,
    icon_name: str | None = None,
    tip: str | None = None,
    checkable: bool = False,
) -> QAction:
    """An action of `parent` (added to it, so its shortcut works anywhere in it)."""
    action = QAction(text, parent)
    plain = text.replace("&", "").rstrip(".…")
    action.setProperty("plainName", plain)
    if icon_name:
        action.setIcon(icon(icon_name))
    if shortcuts:
        action.setShortcuts([QKeySequence(key) for key in shortcuts])
    action.setCheckable(checkable)
    keys = ", ".join(
        QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)
        for key in shortcuts or []
    )
    action.setToolTip(tip or (f"{plain} ({keys})" if keys else plain))
    action.setStatusTip(tip or plain)
    action.triggered.connect(slot)
    parent.addAction(action)
    return action
