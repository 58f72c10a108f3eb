"""The retouching tools' canvas handlers: clone stamp, healing brush, spot healing brush.

Each takes the canvas's left button while its tool is chosen (`Canvas.set_tool_handler`)
and uses the canvas's brush size and hardness. The clone stamp and the healing brush
paint straight into the photo, segment by segment, through `Document.write_pixels`
(only the dab's rectangle is written, kept for compare and refreshed on screen); the
stroke becomes one undo step holding the changed rectangle. The spot healing brush
paints a private mask and, on release, repairs it with the chosen engine on the worker
(the stroke's surroundings only), as one undo step; the document's mask is not used.

A clone or healing stroke is the document's stroke while it is drawn
(`Document.begin_paint`): undo, redo or any other change of the document ends it first
(its undo step is pushed, then the change is made), and results coming back from the
worker (repairs, spot heals, healing blends) wait for its end (`Document.after_stroke`).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

from restorer.brush import Point, Stroke, snap_centre
from restorer.errors import RestorerError
from restorer.geometry import Box, bounding_box
from restorer.retouch import RetouchStroke, blemish_around
from restorer.workflows.jobs import RepairJob, RepairOutcome
from restorer.workflows.retouch import HealBlendJob, HealResult
from ui.document.commands import RepairCommand

if TYPE_CHECKING:
    from ui.shell import Shell

# Pixels: a larger healing stroke is blended on the worker. A stroke's end on the GUI
# thread (blend, undo record, repaint) stays under ~16 ms at this size; at 140 000 px it
# took 70 ms (`benchmarks/ui_responsiveness.py --retouch 10 --sync-heal-area N`).
SYNC_HEAL_AREA = 60_000
CROSS = 9  # half the source cross-hair's size, widget pixels
SHORT_DRAG = 3  # mouse positions: a click or a short drag is sized to the blemish
CONTEXT_MIN = 96  # pixels of surroundings the engine sees around a spot, at least
CONTEXT_FACTOR = 2  # ...or this many times the spot's size


class PaintedCommand(RepairCommand):
    """A stroke already painted into the photo: pushing it only records it (the first
    redo writes nothing); undo and redo then write its rectangle as usual."""

    def __init__(self, document, edit, text: str) -> None:
        super().__init__(document, edit, None, text)
        self._painted = True

    def redo(self) -> None:
        if self._painted:
            self._painted = False
            self._document.image_edit_applied(self.serial, True)
            return
        super().redo()


def _assign(image: np.ndarray, box: Box, values: np.ndarray) -> Box:
    image[box.slices] = values
    return box


def _cross(painter: QPainter, centre: QPointF) -> None:
    """A cross-hair in a circle, white over a dark shadow (readable on any photo)."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for color, width in ((QColor(0, 0, 0, 160), 3), (QColor(255, 255, 255, 235), 0)):
        pen = QPen(color, width)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.drawLine(centre - QPointF(CROSS, 0), centre + QPointF(CROSS, 0))
        painter.drawLine(centre - QPointF(0, CROSS), centre + QPointF(0, CROSS))
        painter.drawEllipse(centre, CROSS / 2, CROSS / 2)


class CloneTool(QObject):
    """Clone stamp (`heal=False`) or healing brush (`heal=True`).

    Alt-click sets the source. The first stroke after that fixes the offset (where the
    stroke starts minus the source); aligned, later strokes keep it, so the source
    moves with the brush; not aligned, each stroke starts again from the source point.
    """

    def __init__(self, shell: Shell, heal: bool) -> None:
        super().__init__(shell.widget())
        self.shell = shell
        self.heal = heal
        self.name = "healing" if heal else "clone"
        self.text = "Healing brush" if heal else "Clone stamp"
        self.aligned = True
        self.source: Point | None = None  # image pixel centre
        self.offset: tuple[int, int] | None = None  # destination minus source
        self.stroke: RetouchStroke | None = None
        self._pointer: Point | None = None
        self._document = None
        self.finishing = 0  # healing blends running on the worker
        self._last_end: Point | None = None  # where the last stroke ended (Shift-click)

    # -- state -------------------------------------------------------------------
    def reset(self) -> None:
        """Forget the source (a new photo)."""
        self.stroke = None
        self.source = None
        self.offset = None
        self._last_end = None

    def set_source(self, point: Point) -> None:
        x, y = int(np.floor(point[0])), int(np.floor(point[1]))
        self.source = (x + 0.5, y + 0.5)
        self.offset = None

    def set_aligned(self, aligned: bool) -> None:
        self.aligned = bool(aligned)
        if not self.aligned:
            self.offset = None

    def source_point(self) -> Point | None:
        """Where the brush takes pixels from now (for the cross-hair)."""
        pointer = self._pointer
        if self.stroke is not None and pointer is not None:
            return self.stroke.source_of(pointer)
        if self.offset is not None and self.aligned and pointer is not None:
            return pointer[0] - self.offset[0], pointer[1] - self.offset[1]
        return self.source

    # -- the handler -------------------------------------------------------------
    def press(self, point: Point, modifiers: Qt.KeyboardModifier) -> None:
        document = self.shell.document
        if document is None:
            return
        if modifiers & Qt.KeyboardModifier.AltModifier:
            old = self.overlay_rect()
            self.set_source(point)
            self.shell.canvas.refresh_overlay(old)
            self.shell.status(f"{self.text}: source set. Paint to copy from it.", 3000)
            return
        if self.source is None:
            self.shell.status(f"{self.text}: Alt-click where to copy from first.", 4000)
            return
        document.begin_paint(self._finish)  # ends a mask stroke; undo etc. end this one
        # Shift-click: a straight line from where the last stroke ended (same offset).
        straight = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        start = self._last_end if straight and self.offset is not None else None
        if start is None and (self.offset is None or not self.aligned):
            x, y = snap_centre(point, self.shell.canvas.brush_size)
            self.offset = (round(x - self.source[0]), round(y - self.source[1]))
        canvas = self.shell.canvas
        self._document = document
        self.stroke = RetouchStroke(
            document.height,
            document.width,
            self.offset,
            canvas.brush_size,
            canvas.hardness,
            heal=self.heal,
        )
        if start is not None:
            self._segment(start)
        self._segment(point)

    def move(self, point: Point) -> None:
        self._pointer = point
        if self.stroke is not None:
            self._segment(point)

    def _segment(self, point: Point) -> None:
        stroke, document = self.stroke, self._document
        assert stroke is not None and document is not None
        box = stroke.reach(point)
        if box is None:
            stroke.last = snap_centre(point, stroke.size)
            return
        nothing = Box(box.top, box.left, box.top, box.left)  # the brush did not grow
        document.write_pixels(lambda rgb: stroke.line_to(rgb, point) or nothing, where=box)

    def release(self, point: Point) -> None:
        if self.stroke is not None:
            self._last_end = point
        if self._document is not None:
            self._document.end_paint()  # calls `_finish`, then what waited for the stroke

    def _finish(self) -> None:
        """End the stroke as one undo step (at release, or first when the document is
        changed mid-stroke: undo, redo, a filter, another photo)."""
        stroke, document = self.stroke, self._document
        self.stroke = None
        if stroke is None or document is None:
            return
        box = stroke.finish_box()
        if box is None:
            return
        if self.heal and box.area > SYNC_HEAL_AREA:
            self._finish_on_worker(document, stroke)
            return
        edits = []

        def finish(rgb: np.ndarray) -> Box:
            edits.append(stroke.finish(rgb))
            return box

        document.write_pixels(finish, where=box)
        if edits[0] is not None:
            document.undo_stack.push(PaintedCommand(document, edits[0], self.text))

    def _finish_on_worker(self, document, stroke: RetouchStroke) -> None:
        """A large healing stroke: its preview is the undo step now; the membrane blend
        runs on the worker and replaces the preview (and the step's record) if nothing
        was done to the photo meanwhile (a stroke drawn meanwhile: its end decides)."""
        rgb = document.pixels[..., :3]
        box, before, source, coverage = stroke.heal_inputs(rgb)
        edit = stroke.record(rgb, box)
        if edit is None:
            return
        preview = rgb[box.slices].copy()
        command = PaintedCommand(document, edit, self.text)
        document.undo_stack.push(command)
        self.finishing += 1

        def done(result: HealResult | None) -> None:
            document.after_stroke(lambda: apply(result))  # never mid-stroke

        def apply(result: HealResult | None) -> None:
            stack = document.undo_stack
            count = stack.count()
            on_top = count > 0 and stack.index() == count
            on_top = on_top and getattr(stack.command(count - 1), "serial", None) == command.serial
            if result is None or document is not self.shell.document or not on_top:
                return
            if not np.array_equal(document.pixels[..., :3][box.slices], preview):
                return  # painted over since: the preview stays
            document.write_pixels(lambda rgb: _assign(rgb, box, result.pixels), where=box)
            if result.edit is not None:
                command.pixels = result.edit

        def ended() -> None:
            self.finishing -= 1

        job = HealBlendJob(box, before, source, coverage)
        self.shell.jobs.submit(job, done, on_end=ended)

    def hover(self, point: Point | None) -> None:
        self._pointer = point

    def overlay_rect(self) -> QRect:
        source = self.source_point()
        if source is None:
            return QRect()
        centre = self.shell.canvas.to_widget(*source)
        size = CROSS + 4
        return QRectF(centre.x() - size, centre.y() - size, 2 * size, 2 * size).toAlignedRect()

    def paint_overlay(self, painter: QPainter) -> None:
        source = self.source_point()
        if source is not None and self._pointer is not None:
            _cross(painter, self.shell.canvas.to_widget(*source))


class SpotHealTool(QObject):
    """Click or drag over a blemish: it is repaired at once, from its surroundings.

    A click (or a short drag) also covers the blemish it lands on where it reaches
    past the brush (`restorer.retouch.blemish_around`): one click fixes a speck.
    """

    name = "spot-heal"
    text = "Spot heal"

    def __init__(self, shell: Shell) -> None:
        super().__init__(shell.widget())
        self.shell = shell
        self._brush: Stroke | None = None
        self._mask: np.ndarray | None = None
        self._path: list[Point] = []
        self._size = 1.0
        self._pending: list[tuple[list[Point], float]] = []  # spots being repaired
        self.running = 0
        self.healed = 0  # spots repaired and applied (tests wait on it)

    def press(self, point: Point, modifiers: Qt.KeyboardModifier) -> None:
        document = self.shell.document
        if document is None:
            return
        document.end_stroke()
        canvas = self.shell.canvas
        self._size = float(canvas.brush_size)
        self._mask = np.zeros((document.height, document.width), np.uint8)
        self._brush = Stroke(self._mask, self._size, 255, canvas.hardness)
        self._path = []
        self.move(point)

    def move(self, point: Point) -> None:
        if self._brush is None:
            return
        old = self.overlay_rect()
        self._brush.line_to(point)
        self._path.append(snap_centre(point, self._size))
        self.shell.canvas.refresh_overlay(old)

    def release(self, point: Point) -> None:
        brush, mask, path = self._brush, self._mask, self._path
        self._brush, self._mask, self._path = None, None, []
        document = self.shell.document
        if brush is None or mask is None or brush.box is None or document is None:
            return
        if mask.shape != (document.height, document.width):
            return
        if len(path) <= SHORT_DRAG:
            self._cover_blemish(document, mask, brush, path[0])
        choice = self.shell.engine_choice
        try:
            engine = choice.engine()
        except RestorerError as error:
            self.shell.status(f"Cannot heal: {error}", 6000)
            return
        box = brush.box
        context = max(CONTEXT_MIN, CONTEXT_FACTOR * max(box.height, box.width))
        job = RepairJob(
            document.share_pixels(),
            mask,
            engine.id,
            choice.job_device(engine),
            title="Spot healing",
            crop=box.pad(context).clip(document.height, document.width),
            kept=frozenset(document.original.tiles),
            mask_version=-1,  # a private mask: the document works out its own mask edit
            engine_label=engine.label,
        )
        spot = (path, self._size)
        self._pending.append(spot)
        self.running += 1

        def done(outcome: RepairOutcome | None) -> None:
            if document is self.shell.document:
                document.after_stroke(lambda: apply(outcome))  # never mid-stroke

        def apply(outcome: RepairOutcome | None) -> None:
            if document is not self.shell.document:
                return
            stack = document.undo_stack
            count = stack.count()
            if document.apply_outcome(job, outcome) and stack.count() > count:
                command = stack.command(stack.count() - 1)
                command.setText(f"{self.text} ({engine.label})")
            self.healed += 1

        def failed(message: str) -> None:
            self.shell.status(f"Spot heal failed: {message}", 8000)

        def ended() -> None:
            document.release_pixels(job.pixels)
            self.running -= 1
            old = self.overlay_rect()
            with contextlib.suppress(ValueError):
                self._pending.remove(spot)
            self.shell.canvas.refresh_overlay(old)

        self.shell.jobs.submit(job, done, on_failed=failed, on_end=ended)

    def _cover_blemish(self, document, mask: np.ndarray, brush: Stroke, point: Point) -> None:
        """A click sizes the repair to the blemish under it (up to twice the brush)."""
        found = blemish_around(document.pixels, point, brush.radius)
        if found is None:
            return
        box, blemish = found
        inner = bounding_box(blemish)
        if inner is None:
            return
        mask[box.slices][blemish] = 255
        brush.box = inner.placed_in(box).union(brush.box)

    def hover(self, point: Point | None) -> None:
        pass

    def _spots(self) -> list[tuple[list[Point], float]]:
        spots = list(self._pending)
        if self._path:
            spots.append((self._path, self._size))
        return spots

    def overlay_rect(self) -> QRect:
        canvas = self.shell.canvas
        rect = QRect()
        for path, size in self._spots():
            xs = [x for x, _ in path]
            ys = [y for _, y in path]
            half = size / 2 + 2
            corner = canvas.to_widget(min(xs) - half, min(ys) - half)
            far = canvas.to_widget(max(xs) + half, max(ys) + half)
            rect = rect.united(QRectF(corner, far).toAlignedRect().adjusted(-2, -2, 2, 2))
        return rect

    def paint_overlay(self, painter: QPainter) -> None:
        """The spots drawn so far and those being repaired, as a translucent trail."""
        canvas = self.shell.canvas
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for path, size in self._spots():
            trail = QPainterPath(canvas.to_widget(*path[0]))
            for point in path[1:]:
                trail.lineTo(canvas.to_widget(*point))
            pen = QPen(QColor(255, 220, 120, 110), max(1.0, size * canvas.scale))
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            if len(path) == 1:
                painter.drawPoint(trail.currentPosition())
            else:
                painter.drawPath(trail)
