"""Help → Getting Started (the basic workflow, with the window's real shortcuts), the
first-run tip (a small dismissable card over the canvas, shown once), and Report a
Problem (what to put in a report, ready to copy).
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable, Iterable

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui.core.settings import flag, settings

TIP_KEY = "help/firstRunTipShown"

# The workflow, step by step: (what to do, the action whose keys to show, or a gesture).
STEPS = (
    ("Open a photo (or drop it on the window).", "Open"),
    ("Choose the brush and paint over the damage: scratches, dust, an object.", "Brush"),
    ("Change the brush size with [ and ]; rub out mask with the eraser.", "Eraser"),
    ("Repair: the painted area is rebuilt from the rest of the photo.", "Repair"),
    (
        "Or switch on Heal as You Paint: each stroke is repaired as you finish it.",
        "Heal as You Paint",
    ),
    ("Compare: hold \\ to see the original, or split the view before/after.", "Split Before/After"),
    ("Not right? Undo, adjust the mask or pick another engine, repair again.", "Undo"),
    ("Save As keeps the original file untouched.", "Save As"),
)


def action_keys(actions: Iterable[QAction]) -> dict[str, str]:
    """Action names (without & and …) → their shortcuts as shown on this system."""
    keys: dict[str, str] = {}
    for action in actions:
        shown = [
            key.toString(QKeySequence.SequenceFormat.NativeText)
            for key in action.shortcuts()
            if not key.isEmpty()
        ]
        name = action.text().replace("&", "").rstrip(".…")
        if shown and name not in keys:
            keys[name] = ", ".join(shown)
    return keys


def getting_started_html(actions: Iterable[QAction]) -> str:
    """The Getting Started page, with the shortcuts the window really has."""
    keys = action_keys(actions)
    items = []
    for text, name in STEPS:
        key = keys.get(name)
        suffix = f" <span style='color:#9ab'>({name}: <b>{key}</b>)</span>" if key else ""
        items.append(f"<li>{_escape(text)}{suffix}</li>")
    return (
        "<h3>Repairing a photo, step by step</h3>"
        f"<ol>{''.join(items)}</ol>"
        "<h3>Moving around</h3><ul>"
        "<li>Zoom with the mouse wheel; Space + drag (or the middle button) pans.</li>"
        "<li>View → Navigator shows the whole photo; click or drag in it to move.</li>"
        "<li>Fit to Window and Actual Pixels are in the View menu.</li></ul>"
        "<h3>Which engine?</h3><p>Auto (the default) picks per painted area: thin scratches "
        "and dust, or whole objects. Models you add (Models → Get Models…) can do more.</p>"
        "<p>Every shortcut: Help → Keyboard Shortcuts.</p>"
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class GettingStartedDialog(QDialog):
    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("gettingStarted")
        self.setWindowTitle("Getting Started")
        self.resize(560, 520)
        self.text = QTextBrowser(self)
        self.text.setOpenExternalLinks(False)
        self.text.setHtml(getting_started_html(actions))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)


def problem_report(device: str) -> str:
    """What a useful problem report says about this installation."""
    from restorer.paths import config_dir, data_dir

    return "\n".join(
        (
            "What I did:",
            "What I expected:",
            "What happened instead (any message, word for word):",
            "",
            f"Python {sys.version.split()[0]} on {platform.platform()}",
            f"PySide6 {pyside_version}",
            f"Device: {device}",
            f"Settings: {config_dir()}",
            f"Data and models: {data_dir()}",
        )
    )


class ReportDialog(QDialog):
    """Help → Report a Problem: a report skeleton with this installation's details."""

    def __init__(self, device: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Report a Problem")
        self.resize(560, 360)
        intro = QLabel(
            "Describe the problem with the details below (nothing is sent from here: "
            "copy the text into your message to whoever supports your copy of Restorer). "
            "A photo and mask that show the problem help most.",
            self,
        )
        intro.setWordWrap(True)
        self.text = QPlainTextEdit(problem_report(device), self)
        copy = QPushButton("Copy", self)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text.toPlainText()))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.text)
        layout.addWidget(buttons)


class FirstRunTip(QFrame):
    """A small card over the top of the canvas, for a person's first start only."""

    def __init__(self, host: QWidget, on_help: Callable[[], None]) -> None:
        super().__init__(host)
        self.setObjectName("firstRunTip")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.message = QLabel(
            "<b>Welcome to Restorer.</b> Paint over a scratch or an unwanted object with "
            "the brush (B), then press Enter to repair it. Hold \\ to compare with the "
            "original; Ctrl+Z undoes.",
            self,
        )
        self.message.setWordWrap(True)
        self.help_button = QPushButton("Getting Started", self)
        self.help_button.clicked.connect(on_help)
        self.help_button.clicked.connect(self.dismiss)
        self.close_button = QPushButton("Got it", self)
        self.close_button.clicked.connect(self.dismiss)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 8, 8)
        row.addWidget(self.message, 1)
        row.addWidget(self.help_button)
        row.addWidget(self.close_button)
        host.installEventFilter(self)
        self._place()

    def _place(self) -> None:
        host = self.parentWidget()
        width = min(640, max(200, host.width() - 32))
        left = (host.width() - width) // 2
        self.ensurePolished()  # the style sheet's font decides how many lines it takes
        self.message.ensurePolished()
        self.setGeometry(left, 16, width, self.height())
        self.layout().activate()  # the message's width is known from here on
        text = self.message.heightForWidth(self.message.width())
        margins = self.layout().contentsMargins()
        frame = self.contentsMargins()
        height = max(text, self.close_button.sizeHint().height()) + 4
        height += margins.top() + margins.bottom() + frame.top() + frame.bottom()
        self.setGeometry(left, 16, width, height)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def dismiss(self) -> None:
        self.hide()
        self.deleteLater()


def tip_was_shown() -> bool:
    return flag(settings().value(TIP_KEY), False)


def show_first_run_tip(host: QWidget, on_help: Callable[[], None]) -> FirstRunTip | None:
    """Show the tip over `host` unless it was shown before; remembered at once."""
    if tip_was_shown():
        return None
    store = settings()
    store.setValue(TIP_KEY, True)
    store.sync()
    tip = FirstRunTip(host, on_help)
    tip.show()
    tip.raise_()
    return tip
