"""The theme: Fusion with our palette and style sheet, and no Python in Qt's style calls."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QDialogButtonBox

from ui.core.theme import NO_DIALOG_BUTTON_ICONS, apply_theme


def test_the_style_has_no_python_overrides_and_dialog_buttons_have_no_icons(qapp):
    apply_theme(qapp)
    style = QApplication.style()
    # Qt asks for style hints many times per event: a Python override would take the
    # interpreter lock each time (and wait for it while a repair runs).
    assert type(style).__module__.startswith("PySide6")  # Qt's own class, not ours
    assert NO_DIALOG_BUTTON_ICONS in qapp.styleSheet()
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    box.show()
    QApplication.processEvents()
    assert box.button(QDialogButtonBox.StandardButton.Ok).icon().isNull()
    box.close()
