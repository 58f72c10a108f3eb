"""The live preview of a running repair, drawn over the canvas and never into the photo."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import Qt

from restorer.engines.base import Engine
from restorer.progress import Progress
from tests.gui.helpers import event_kind, open_photo, pixels_rgb, stroke_along
from ui.core.jobs import JobKind

SCRATCH = [(float(x), 20 + (x - 30) / 2 + 1) for x in range(30, 100, 3)]


class PreviewingEngine(Engine):
    """Reports a solid green preview of the crop, then waits until cancelled."""

    id = "test-previewing"
    label = "Previewing (test)"
    description = "A test engine that shows its work and takes its time."

    def inpaint(self, image, mask, progress: Progress, *, device="cpu", seed=0):
        coarse = np.zeros((max(1, image.shape[0] // 4), max(1, image.shape[1] // 4), 3), np.uint8)
        coarse[..., 1] = 255
        for step in range(4000):
            progress.update(step / 4000, "Previewing", coarse)
            time.sleep(0.002)
        return image.copy()


def _select(window, engine_id: str) -> None:
    window.engine_choice.reload()
    window.engine_combo.setCurrentIndex(window.engine_combo.findData(engine_id))


def test_patchmatch_repair_shows_its_preview_until_the_result_applies(qtbot, window, photo_path):
    _select(window, "patchmatch")
    assert "(PatchMatch)" in window.engine_label.text()
    open_photo(qtbot, window, photo_path)
    stroke_along(qtbot, window.canvas, SCRATCH)
    original = pixels_rgb(window)
    mask = window.document.mask.copy()
    seen: list[tuple] = []

    def record(event) -> None:  # runs after the window's own slot
        if event.kind is not JobKind.PREVIEW:
            return
        shown = window.canvas.preview
        seen.append((shown, np.array_equal(pixels_rgb(window), original)))

    window.jobs.event.connect(record)
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=30000):
        window.features["repair"].repair_action.trigger()
    window.jobs.event.disconnect(record)

    assert seen, "the patchmatch engine reported no preview"
    shown, untouched = seen[0]
    assert untouched  # the document's pixels are not changed by a preview
    box, image = shown
    ys, xs = np.nonzero(mask)
    assert box.top <= ys.min() and ys.max() < box.bottom
    assert box.left <= xs.min() and xs.max() < box.right
    # Inside the mask only: the overlay is opaque where the mask is, clear elsewhere.
    alpha = np.array(
        [
            [image.pixelColor(x, y).alpha() for x in range(image.width())]
            for y in range(image.height())
        ]
    )
    scale_y, scale_x = box.height / image.height(), box.width / image.width()
    row, col = int((ys[0] - box.top) / scale_y), int((xs[0] - box.left) / scale_x)
    assert alpha[row, col] > 0
    assert (alpha == 0).any()
    # The result applied and the overlay is gone.
    qtbot.waitUntil(lambda: window.canvas.preview is None, timeout=5000)
    assert not window.document.writing
    assert not np.array_equal(pixels_rgb(window), original)


def test_cancelling_removes_the_preview(qtbot, window, extra_engines, photo_path):
    extra_engines.register(PreviewingEngine())
    _select(window, "test-previewing")
    open_photo(qtbot, window, photo_path)
    stroke_along(qtbot, window.canvas, SCRATCH)
    original = pixels_rgb(window)
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("preview"), timeout=10000):
        window.features["repair"].repair_action.trigger()
    assert window.canvas.preview is not None
    # What the canvas shows at a scratch pixel turns green; the photo stays as it was.
    grabbed = window.canvas.grab().toImage()
    point = window.canvas.to_widget(60.5, 36.5).toPoint()
    colour = grabbed.pixelColor(point)
    assert colour.green() > colour.red() and colour.green() > colour.blue()
    assert np.array_equal(pixels_rgb(window), original)

    with qtbot.waitSignal(
        window.jobs.event, check_params_cb=event_kind("cancelled"), timeout=10000
    ):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.canvas.preview is None, timeout=5000)
    assert np.array_equal(pixels_rgb(window), original)


def test_a_coarse_preview_keeps_the_mask_as_its_alpha():
    from restorer.geometry import Box
    from restorer.regions import RegionPreview
    from restorer.workflows.jobs import RepairJob
    from ui.features.repair.preview import preview_image

    mask = np.zeros((40, 60), np.uint8)
    mask[10:20, 20:40] = 255
    mask[10:20, 40:44] = 128  # a soft edge
    job = RepairJob(np.zeros((40, 60, 4), np.uint8), mask, crop=Box(5, 10, 35, 60))
    coarse = np.full((5, 10, 3), 200, np.uint8)  # a quarter of its 20x40 box
    box, image = preview_image(job, RegionPreview(Box(0, 0, 20, 40), coarse))
    assert box == Box(5, 10, 25, 50)  # placed in the photo, past the heal's crop
    assert (image.width(), image.height()) == (10, 5)  # drawn scaled up to the box
    alpha = [[image.pixelColor(x, y).alpha() for x in range(10)] for y in range(5)]
    assert alpha[0][0] == 0 and alpha[2][5] == 255 and 0 < alpha[2][8] < 255


def test_repeated_repairs_cancelled_at_any_moment_leave_photo_mask_and_undo_intact(
    qtbot, window, photo_path
):
    """Repair and cancel again and again on the real worker thread, cancelling as soon as
    it is asked, at the first progress report and at the first preview; then one repair
    that finishes is undone. Every cancel leaves the photo, mask and undo stack as
    they were, and previews arrive ready to draw (converted on the worker)."""
    from restorer.workflows.jobs import RepairOverlay

    _select(window, "patchmatch")
    open_photo(qtbot, window, photo_path)
    stroke_along(qtbot, window.canvas, SCRATCH)
    document = window.document
    original, mask = pixels_rgb(window), document.mask.copy()
    steps, step = document.undo_stack.count(), document.undo_stack.index()
    previews: list[object] = []
    window.jobs.event.connect(
        lambda event: event.kind is JobKind.PREVIEW and previews.append(event.preview)
    )
    endings: dict[int, str] = {}
    window.jobs.event.connect(
        lambda event: event.ended and endings.setdefault(event.job_id, event.kind.value)
    )
    repair = window.features["repair"]

    def idle() -> bool:
        return repair.repair_job is None and not window.jobs.busy and not document.writing

    for cycle, moment in enumerate(["at once", "progress", "preview"] * 3):
        if moment == "at once":
            repair.repair_action.trigger()
        else:
            with qtbot.waitSignal(
                window.jobs.event, check_params_cb=event_kind(moment), timeout=30000
            ):
                repair.repair_action.trigger()
        job_id = repair.repair_job
        qtbot.keyClick(window.canvas, Qt.Key.Key_Escape)
        qtbot.waitUntil(idle, timeout=30000)
        assert job_id in endings, f"cycle {cycle}: the job never ended"
        if endings[job_id] == "finished":  # it was done before the cancel came: undo it
            document.undo()
        assert np.array_equal(pixels_rgb(window), original), f"cycle {cycle} ({moment})"
        assert np.array_equal(document.mask, mask), f"cycle {cycle} ({moment})"
        assert document.undo_stack.index() == step
        qtbot.waitUntil(lambda: window.canvas.preview is None, timeout=5000)

    assert "cancelled" in endings.values()
    assert previews and all(isinstance(preview, RepairOverlay) for preview in previews)
    assert all(preview.rgba.flags.c_contiguous for preview in previews)
    # The photo still repairs, as one undo step that undoes exactly.
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=30000):
        repair.repair_action.trigger()
    qtbot.waitUntil(idle, timeout=10000)
    assert not np.array_equal(pixels_rgb(window), original)
    assert document.undo_stack.index() == step + 1 and document.undo_stack.count() <= steps + 1
    document.undo()
    assert np.array_equal(pixels_rgb(window), original)
    assert np.array_equal(document.mask, mask)
