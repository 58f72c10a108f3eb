"""Helpers for the GUI tests: open a photo and wait, drive the mouse over the canvas."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest


def open_photo(qtbot, main, path: Path) -> None:
    with qtbot.waitSignal(main.jobs.event, check_params_cb=event_kind("finished"), timeout=10000):
        job_id = main.open_path(path)
    assert job_id is not None
    qtbot.waitUntil(lambda: main.document is not None and main.document.path == Path(path))


def event_kind(kind: str, result_type: type | None = None):
    """A `check_params_cb` for `qtbot.waitSignal(jobs.event, ...)`: an event of `kind`
    ("finished", "failed", "cancelled", "preview", "progress"), with a result of
    `result_type` when given."""

    def check(event) -> bool:
        if event.kind.value != kind:
            return False
        return result_type is None or isinstance(event.result, result_type)

    return check


def widget_point(canvas, x: float, y: float) -> QPoint:
    """The canvas widget pixel showing image point (x, y)."""
    point: QPointF = canvas.to_widget(x, y)
    return QPoint(math.floor(point.x()), math.floor(point.y()))


def drag(qtbot, canvas, points: list[QPoint], button=Qt.MouseButton.LeftButton, modifier=None):
    """Press at the first point, move through the rest, release: real mouse events."""
    modifiers = modifier or Qt.KeyboardModifier.NoModifier
    QTest.mousePress(canvas, button, modifiers, points[0])
    for point in points[1:]:
        QTest.mouseMove(canvas, point)
    QTest.mouseRelease(canvas, button, modifiers, points[-1])


def stroke_along(qtbot, canvas, image_points: list[tuple[float, float]]) -> None:
    drag(qtbot, canvas, [widget_point(canvas, x, y) for x, y in image_points])


def pixels_rgb(main) -> np.ndarray:
    return main.document.pixels[..., :3].copy()


def noise_photo(tmp_path: Path, height: int = 96, width: int = 128, seed: int = 0):
    """(path, pixels) of a PNG of random colours: every pixel tells where it came from."""
    from tests.support.helpers import write_png

    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    return write_png(tmp_path / "noise.png", image), image


def use_tool(window, name: str, size: int, hardness: float = 1.0):
    """Choose a retouching tool ("clone", "healing" or "spot") and its brush."""
    retouch = window.features["retouch"]
    {"clone": retouch.clone_action, "healing": retouch.healing_action}.get(
        name, retouch.spot_action
    ).trigger()
    window.features["mask"].brush_size.set_value(size)
    window.canvas.set_hardness(hardness)
    return retouch
