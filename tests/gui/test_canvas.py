"""The canvas: what it shows, zoom and pan, and how mouse input paints the mask."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from restorer.progress import Progress
from restorer.workflows.jobs import OpenPhotoJob
from tests.gui.helpers import drag, widget_point
from tests.support.helpers import gradient_photo, write_png
from ui.canvas import Canvas
from ui.core.convert import array_from_qimage
from ui.document import Document


class PaintSpy(QObject):
    """An event filter that adds the rectangle of each paint event to `painted`."""

    def __init__(self, painted: list) -> None:
        super().__init__()
        self.painted = painted

    def eventFilter(self, watched, event):  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Paint:
            self.painted.append(event.rect())
        return False


def make_document(tmp_path: Path, height: int, width: int, image=None) -> Document:
    pixels = gradient_photo(height, width) if image is None else image
    path = write_png(tmp_path / f"photo-{height}x{width}.png", pixels)
    return Document(OpenPhotoJob(path).run(Progress()))


@pytest.fixture
def canvas(qtbot, tmp_path) -> Canvas:
    widget = Canvas()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_document(make_document(tmp_path, 150, 200))
    return widget


def shown(canvas: Canvas) -> np.ndarray:
    """What the canvas shows, as HxWx3 RGB."""
    return array_from_qimage(canvas.grab().toImage())[..., :3]


def wheel(canvas: Canvas, position: QPointF, notches: float) -> None:
    event = QWheelEvent(
        position,
        canvas.mapToGlobal(position),
        QPoint(0, 0),
        QPoint(0, round(120 * notches)),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(canvas, event)


def test_fit_centres_small_photos_at_100_percent_and_shrinks_large_ones(canvas, tmp_path):
    assert canvas.scale == 1.0
    rect = canvas.image_widget_rect()
    assert (rect.x(), rect.y()) == (100, 75)
    canvas.set_document(make_document(tmp_path, 900, 1200))
    assert canvas.scale == pytest.approx(min(352 / 1200, 252 / 900))
    rect = canvas.image_widget_rect()
    assert rect.left() >= 0 and rect.top() >= 0
    assert rect.right() <= 400 and rect.bottom() <= 300


def test_wheel_zooms_about_the_pointer(canvas):
    canvas.zoom_to(3.0)  # larger than the window: no centring
    pointer = QPointF(150.0, 120.0)
    before = canvas.to_image(pointer)
    wheel(canvas, pointer, 2)
    assert canvas.scale == pytest.approx(3 * 1.25**2)
    after = canvas.to_image(pointer)
    assert after == pytest.approx(before, abs=1e-6)
    wheel(canvas, pointer, -1)
    assert canvas.scale == pytest.approx(3 * 1.25)


def test_zoom_steps_fit_and_actual_pixels(canvas):
    canvas.zoom_in()
    assert canvas.scale == 1.5
    canvas.zoom_in()
    assert canvas.scale == 2.0
    canvas.zoom_out()
    canvas.zoom_out()
    canvas.zoom_out()
    assert canvas.scale == pytest.approx(2 / 3)
    canvas.actual_pixels()
    assert canvas.scale == 1.0
    canvas.zoom_to(100.0)
    assert canvas.scale == 32.0  # clamped
    canvas.fit()
    assert canvas.scale == 1.0


def test_middle_drag_pans_without_painting(canvas):
    canvas.zoom_to(4.0)
    start = canvas.offset
    drag(
        None,
        canvas,
        [QPoint(200, 150), QPoint(215, 160), QPoint(230, 170)],
        Qt.MouseButton.MiddleButton,
    )
    assert canvas.offset - start == QPointF(30, 20)
    assert not canvas.document.mask.any()


def test_space_drag_pans_without_painting(canvas):
    canvas.zoom_to(4.0)
    start = canvas.offset
    QTest.keyPress(canvas, Qt.Key.Key_Space)
    drag(None, canvas, [QPoint(200, 150), QPoint(180, 140)])
    QTest.keyRelease(canvas, Qt.Key.Key_Space)
    assert canvas.offset - start == QPointF(-20, -10)
    assert not canvas.document.mask.any()
    drag(None, canvas, [QPoint(200, 150), QPoint(210, 150)])  # space released: paints again
    assert canvas.document.mask.any()


def test_shift_click_draws_a_straight_line_from_the_last_stroke(canvas):
    canvas.set_brush_size(3)
    QTest.mouseClick(
        canvas,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        widget_point(canvas, 20.5, 30.5),
    )
    QTest.mouseClick(
        canvas,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ShiftModifier,
        widget_point(canvas, 120.5, 30.5),
    )
    mask = canvas.document.mask
    assert mask[30, 20:121].all()
    assert not mask[40:].any() and not mask[:25].any()
    assert canvas.document.undo_stack.count() == 2


def test_the_mask_is_shown_as_a_translucent_overlay(canvas):
    canvas.set_brush_size(20)
    drag(None, canvas, [widget_point(canvas, 60, 60), widget_point(canvas, 100, 60)])
    canvas.leaveEvent(QEvent(QEvent.Type.Leave))  # hide the brush outline
    screen = shown(canvas)
    photo = canvas.document.pixels[..., :3]
    inside = widget_point(canvas, 80.5, 60.5)
    outside = widget_point(canvas, 80.5, 120.5)
    assert screen[outside.y(), outside.x()].tolist() == photo[120, 80].tolist()
    tinted = screen[inside.y(), inside.x()].astype(int)
    original = photo[60, 80].astype(int)
    assert tinted[0] > original[0] - 5 and tinted[1] < original[1]  # pushed towards red
    assert not np.array_equal(tinted, original)


def test_a_stroke_repaints_only_around_the_brush(canvas, qtbot):
    canvas.zoom_to(2.0)
    qtbot.wait(50)  # let the full repaint after zooming happen first
    painted: list = []
    spy = PaintSpy(painted)
    canvas.installEventFilter(spy)
    canvas.set_brush_size(6)
    centre = canvas.to_image(QPointF(200, 150))
    points = [widget_point(canvas, centre[0] + dx, centre[1]) for dx in range(0, 10, 2)]
    drag(None, canvas, points)
    qtbot.waitUntil(lambda: bool(painted))
    qtbot.wait(20)
    canvas.removeEventFilter(spy)
    assert canvas.document.mask.any()
    widget_area = canvas.width() * canvas.height()
    assert max(rect.width() * rect.height() for rect in painted) < widget_area / 4


def test_zoomed_out_large_photos_draw_from_a_smaller_level(qtbot, tmp_path):
    widget = Canvas()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    image = np.zeros((1000, 1300, 3), np.uint8)
    image[:, ::2] = 255  # one-pixel stripes: sampling would show black or white
    document = make_document(tmp_path, 1000, 1300, image)
    widget.set_document(document)
    assert len(document.image_pyramid.levels) >= 3
    assert document.image_pyramid.level_for_scale(widget.scale) >= 1
    screen = shown(widget)
    middle = screen[150, 200]
    assert 100 < int(middle[0]) < 160  # the average grey, not a stripe


def test_brush_outline_follows_the_pointer(canvas):
    canvas.set_brush_size(40)
    plain = shown(canvas)
    QTest.mouseMove(canvas, QPoint(200, 150))
    with_outline = shown(canvas)
    ring = with_outline[150, 178:183]  # 20 px to the left of the pointer
    assert not np.array_equal(ring, plain[150, 178:183])
    assert np.array_equal(with_outline[150, 195:206], plain[150, 195:206])  # centre left clear


def test_a_copy_on_write_repaints_only_the_written_box(canvas, qtbot):
    from restorer.geometry import Box

    document = canvas.document
    qtbot.wait(50)  # the first full paint
    painted: list = []
    spy = PaintSpy(painted)
    canvas.installEventFilter(spy)
    snapshot = document.share_pixels()  # a job reads the photo: the write copies it
    box = Box(40, 50, 50, 60)

    def write(rgb: np.ndarray) -> Box:
        rgb[box.slices] = (0, 255, 0)
        return box

    document.write_pixels(write, box)
    assert document.pixels is not snapshot
    qtbot.waitUntil(lambda: bool(painted))
    qtbot.wait(20)
    canvas.removeEventFilter(spy)
    widget_area = canvas.width() * canvas.height()
    assert max(rect.width() * rect.height() for rect in painted) < widget_area / 4
    screen = shown(canvas)  # drawn from the new array: the write shows
    point = widget_point(canvas, 55.5, 45.5)
    assert screen[point.y(), point.x()].tolist() == [0, 255, 0]
    document.release_pixels(snapshot)
