"""The look: Fusion style, a dark neutral palette, the style sheet and the icons."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QStyleFactory

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
ICONS = RESOURCES / "icons"
STYLE_SHEET = RESOURCES / "style.qss"
SAMPLE_PHOTO = RESOURCES / "sample.jpg"


ICON_COLOR = "#d6d6da"
DISABLED_ICON_COLOR = "#5f6067"
ICON_SIZES = (16, 20, 24, 32, 40, 48)


def _render_svg(svg: bytes, size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    QSvgRenderer(svg).render(painter)
    painter.end()
    return pixmap


@cache
def icon(name: str) -> QIcon:
    """An icon from resources/icons/<name>.svg, with a dimmed variant for disabled actions."""
    path = ICONS / f"{name}.svg"
    if not path.exists():
        return QIcon()
    result = QIcon(str(path))
    text = path.read_text(encoding="utf-8")
    if ICON_COLOR in text:
        dimmed = text.replace(ICON_COLOR, DISABLED_ICON_COLOR).encode("utf-8")
        for size in ICON_SIZES:
            result.addPixmap(_render_svg(dimmed, size), QIcon.Mode.Disabled)
    return result


def dark_palette() -> QPalette:
    """The palette behind the style sheet (used by widgets the sheet does not reach)."""
    palette = QPalette()
    colors = {
        QPalette.ColorRole.Window: QColor(38, 39, 43),
        QPalette.ColorRole.WindowText: QColor(217, 217, 222),
        QPalette.ColorRole.Base: QColor(31, 32, 35),
        QPalette.ColorRole.AlternateBase: QColor(42, 43, 48),
        QPalette.ColorRole.ToolTipBase: QColor(52, 54, 60),
        QPalette.ColorRole.ToolTipText: QColor(232, 232, 236),
        QPalette.ColorRole.Text: QColor(217, 217, 222),
        QPalette.ColorRole.Button: QColor(55, 57, 63),
        QPalette.ColorRole.ButtonText: QColor(217, 217, 222),
        QPalette.ColorRole.BrightText: QColor(255, 255, 255),
        QPalette.ColorRole.Highlight: QColor(61, 111, 209),
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
        QPalette.ColorRole.Link: QColor(110, 160, 240),
        QPalette.ColorRole.PlaceholderText: QColor(120, 121, 128),
    }
    for role, color in colors.items():
        palette.setColor(role, color)
    disabled = QColor(108, 109, 116)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


# Fusion shows stock icons on dialog buttons; they clash with the theme. Said in the
# style sheet, not by overriding `QStyle.styleHint` in Python: Qt asks for style hints
# many times per event, and each Python call would wait for the interpreter lock while
# the worker holds it (pauses of the window during a repair).
NO_DIALOG_BUTTON_ICONS = "QDialogButtonBox { dialogbuttonbox-buttons-have-icons: 0; }"


def apply_theme(app: QApplication) -> None:
    """Fusion style with the dark palette and resources/style.qss."""
    app.setStyle(QStyleFactory.create("Fusion"))
    app.setPalette(dark_palette())
    sheet = ""
    if STYLE_SHEET.exists():
        sheet = STYLE_SHEET.read_text(encoding="utf-8")
        sheet = sheet.replace("@ICONS@", ICONS.as_posix())
    app.setStyleSheet(f"{sheet}\n{NO_DIALOG_BUTTON_ICONS}\n")
    app.setWindowIcon(icon("app"))
