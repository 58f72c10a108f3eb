"""The questions and messages the window puts to the person, in one place.

Each is a QMessageBox static call, so tests replace `QMessageBox.critical` / `warning` /
`question` to record what would have been shown and to answer it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

SAVE = "save"
DISCARD = "discard"
CANCEL = "cancel"

Button = QMessageBox.StandardButton


def show_error(parent: QWidget | None, title: str, message: str) -> None:
    """Tell the person something failed; the app carries on."""
    QMessageBox.critical(parent, title, message)


def ask_save_changes(
    parent: QWidget | None, name: str, before: str, never_saved: bool = False
) -> str:
    """Save / Discard / Cancel for unsaved changes; `before` says what comes next.

    `never_saved`: the picture was made here (a generated texture, a new image) and
    has no file yet, so it is the whole picture that would be lost.
    """
    if never_saved:
        question = f"Save {name} before {before}?"
        loss = "It has never been saved: if you don't save it, the picture is lost."
    else:
        question = f"Save the changes to {name} before {before}?"
        loss = "If you don't save, the changes made since the last save are lost."
    answer = QMessageBox.warning(
        parent,
        "Unsaved changes",
        f"{question}\n\n{loss}",
        Button.Save | Button.Discard | Button.Cancel,
        Button.Save,
    )
    if answer == Button.Save:
        return SAVE
    if answer == Button.Discard:
        return DISCARD
    return CANCEL


def confirm_overwrite(parent: QWidget | None, name: str) -> bool:
    """Ask before saving over the photo that was opened."""
    answer = QMessageBox.question(
        parent,
        "Overwrite photo?",
        f"Overwrite {name}?\n\nThe original photo will be replaced by the repaired one. "
        "Use Save As to keep the original.",
        Button.Save | Button.Cancel,
        Button.Cancel,
    )
    return answer == Button.Save


GESTURES = [
    ("Paint the mask", "Left drag"),
    ("Straight line from the last stroke", "Shift + click"),
    ("Pan", "Space + drag, or middle drag"),
    ("Zoom about the pointer", "Mouse wheel"),
    ("Show the original photo", "Hold \\"),
    ("Move the before/after divider", "Drag it (split view)"),
]


class ShortcutsDialog(QDialog):
    """Every keyboard shortcut of the window's actions, plus the mouse gestures."""

    def __init__(self, actions: list[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        self.resize(460, 560)
        rows = []
        for action in actions:
            keys = [
                key.toString(QKeySequence.SequenceFormat.NativeText)
                for key in action.shortcuts()
                if not key.isEmpty()
            ]
            if keys:
                name = action.property("plainName") or action.text().replace("&", "").rstrip(".…")
                rows.append((name, ", ".join(keys)))
        rows.extend(GESTURES)
        table = QTableWidget(len(rows), 2, self)
        table.setHorizontalHeaderLabels(["Action", "Shortcut"])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setShowGrid(False)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for row, (name, keys) in enumerate(rows):
            table.setItem(row, 0, QTableWidgetItem(name))
            table.setItem(row, 1, QTableWidgetItem(keys))
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Shortcuts work anywhere in the window.", self))
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.rows = rows


def show_about(parent: QWidget | None) -> None:
    QMessageBox.about(
        parent,
        "About Restorer",
        "<h3>Restorer</h3>"
        "<p>Repair photos on your own machine: brush over scratches, dust or unwanted "
        "objects and press <b>Repair</b>. Nothing leaves this computer.</p>"
        "<p>The same engines run from the <code>restorer</code> command.</p>",
    )
