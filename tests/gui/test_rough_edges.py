"""First-afternoon rough edges: the engine chooser shows its longest name, Manage Models
with nothing installed, Help (Getting Started, Report a Problem, the first-run tip),
growing the repair area past the mask, and the Navigator."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from tests.gui.helpers import event_kind, open_photo, pixels_rgb, stroke_along
from tests.support.helpers import gradient_photo, write_png
from ui.core.settings import settings
from ui.features.help.guide import TIP_KEY, FirstRunTip
from ui.features.models.dialog import show_models_dialog
from ui.shell import MenuId


def _menu_texts(window, menu_id: MenuId) -> list[str]:
    return [a.text().replace("&", "") for a in window.menu(menu_id).actions() if a.text()]


def test_the_engine_chooser_is_as_wide_as_its_longest_entry(qtbot, window):
    window.resize(1400, 800)  # a usual window: the whole tool bar fits
    combo = window.engine_combo
    qtbot.waitUntil(combo.isVisible)
    assert combo.count() >= 3
    metrics = combo.fontMetrics()
    longest = max(metrics.horizontalAdvance(combo.itemText(i)) for i in range(combo.count()))
    assert combo.width() >= longest + 8  # the text, not cut, beside the arrow
    for index in range(combo.count()):
        combo.setCurrentIndex(index)
        assert combo.width() >= metrics.horizontalAdvance(combo.currentText()) + 8


def test_manage_models_with_nothing_installed_says_where_models_come_from(qtbot, window):
    models = window.features["models"]
    dialog = show_models_dialog(window, models)
    qtbot.waitExposed(dialog)
    assert dialog.models == []
    assert dialog.empty_panel.isVisible() and not dialog.table.isVisible()
    assert not dialog.intro.isVisible()  # one message, not three
    text = dialog.empty_label.text()
    assert "model library" in text and "add a model file" in text
    # The message and its two buttons sit together, centred in the panel: no big gaps.
    panel = dialog.empty_panel.geometry()
    label = dialog.empty_label.geometry()
    button = dialog.library_button.geometry()
    assert 0 <= button.top() - label.bottom() < 40
    above, below = label.top(), panel.height() - button.bottom()
    assert abs(above - below) < 60
    assert dialog.add_file_button.isVisible() and dialog.add_file_button.isEnabled()
    dialog.library_button.click()
    qtbot.waitUntil(lambda: models.library is not None and models.library.isVisible())
    models.library.close()
    dialog.close()


def test_help_has_getting_started_shortcuts_and_report(qtbot, window):
    texts = _menu_texts(window, MenuId.HELP)
    for name in ("Getting Started", "Keyboard Shortcuts", "Report a Problem…", "About Restorer"):
        assert name in texts
    helper = window.features["help"]
    guide = helper.show_getting_started()
    qtbot.waitExposed(guide)
    page = guide.text.toPlainText()
    # The real shortcuts of the window, not a copy that can go stale.
    assert "(Brush: B)" in page and "(Repair: Return, Enter)" in page.replace("⏎", "Return")
    assert "(Undo: Ctrl+Z)" in page and "Navigator" in page
    guide.close()
    report = helper.show_report()
    assert "Python " in report.text.toPlainText() and "Device: " in report.text.toPlainText()
    report.close()


def test_the_first_run_tip_shows_once_and_is_remembered(qtbot, window):
    helper = window.features["help"]
    assert window.canvas.findChild(FirstRunTip) is None  # never on its own in tests
    tip = helper.show_first_run_tip()
    assert tip is not None and tip.isVisible()
    assert "Welcome" in tip.message.text()
    assert tip.geometry().top() >= 0 and tip.width() <= window.canvas.width()
    assert str(settings().value(TIP_KEY)).lower() == "true"
    qtbot.mouseClick(tip.close_button, Qt.MouseButton.LeftButton)
    assert not tip.isVisible()
    assert helper.show_first_run_tip() is None  # once only


def test_grow_repair_area_repairs_a_ring_past_the_mask(qtbot, sync_window, tmp_path):
    window = sync_window
    image = np.full((96, 128, 3), 190, np.uint8)
    image[30:70, 40:80] = 30  # a dark object; the mask below stops short of its right side
    path = write_png(tmp_path / "object.png", image)
    open_photo(qtbot, window, path)
    window.engine_combo.setCurrentIndex(window.engine_combo.findData("telea"))
    spin = window.findChild(type(window.features["mask"].grow_repair_spin), "growRepairSpin")
    assert spin is window.features["mask"].grow_repair_spin and spin.specialValueText() == "Off"
    spin.setValue(6)
    assert window.engine_choice.grow_pixels == 6
    window.features["mask"].brush_size.set_value(4)
    for y in range(30, 71, 3):
        stroke_along(qtbot, window.canvas, [(40.0, float(y)), (70.0, float(y))])
    assert not window.document.mask[:, 74:].any()
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=20000):
        window.features["repair"].repair()
    window.document.flush()
    after = pixels_rgb(window)
    assert after[50, 76].mean() > 100  # the unpainted sliver of the object is gone too
    assert np.array_equal(after[:, 100:], image[:, 100:])  # far away nothing changed
    assert not window.document.mask.any()
    window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(window), image)


def test_the_navigator_shows_the_view_and_moves_it(qtbot, window, tmp_path):
    path = write_png(tmp_path / "large.png", gradient_photo(900, 1200))
    open_photo(qtbot, window, path)
    navigator = window.features["navigator"]
    assert "Navigator" in _menu_texts(window, MenuId.VIEW)
    assert not navigator.dock.isVisible()
    navigator.action.trigger()
    qtbot.waitUntil(navigator.dock.isVisible)
    view = navigator.view
    assert view.level > 0  # drawn from a pyramid level, not the full-size photo
    canvas = window.canvas
    canvas.zoom_to(2.0)
    frame = view.view_rect()
    thumb = view.thumb_rect()
    assert thumb.contains(frame) and frame.width() < thumb.width() / 2
    # Click near the bottom-right corner of the thumbnail: the view goes there.
    target = QPointF(thumb.right() - thumb.width() * 0.2, thumb.bottom() - thumb.height() * 0.2)
    QTest.mouseClick(view, Qt.MouseButton.LeftButton, pos=target.toPoint())
    shown = canvas.visible_image_rect()
    x, y = view.to_image(target)
    assert abs(shown.center().x() - x) < 4 and abs(shown.center().y() - y) < 4
    assert view.view_rect().center().x() > thumb.center().x()
    # Dragging moves it on, to the top-left.
    start = target.toPoint()
    end = QPoint(round(thumb.left() + 30), round(thumb.top() + 30))
    QTest.mousePress(view, Qt.MouseButton.LeftButton, pos=start)
    QTest.mouseMove(view, end)
    QTest.mouseRelease(view, Qt.MouseButton.LeftButton, pos=end)
    assert canvas.visible_image_rect().center().x() < shown.center().x() - 200
