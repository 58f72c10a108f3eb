"""Image → Auto Levels…, Auto Contrast…, Levels…, White Balance…, Fade Restoration….

Each opens a dialog with a live preview of the photo: a small copy taken from the zoom
pyramid (at most `PREVIEW_SIDE` pixels long), on which the chosen curve is tried at
once — the full-size photo is never touched on the GUI thread. Apply hands the same
curve to a worker job (`restorer.workflows.tone`): the whole photo, or only the masked
area when a mask is painted (measured there too), as one undo step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QSignalBlocker, QTimer
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from restorer.pyramid import proxy_from_levels
from restorer.tone import (
    ToneCurve,
    apply_under,
    auto_levels,
    channel_range,
    fade_restoration,
    gains_curve,
    grey_world_gains,
    levels_curve,
    picked_gains,
)
from restorer.workflows.jobs import RepairOutcome
from restorer.workflows.tone import DocumentToneJob
from ui.core import dialogs
from ui.features.image.photo_view import PhotoView

if TYPE_CHECKING:
    from ui.shell import Shell

PREVIEW_SIDE = 1200

AUTO_LEVELS = "Auto Levels"
AUTO_CONTRAST = "Auto Contrast"
LEVELS = "Levels"
WHITE_BALANCE = "White Balance"
FADE = "Fade Restoration"

CHANNELS = ("All channels", "Red", "Green", "Blue")


class Histogram(QWidget):
    """The preview's histogram of one channel (or of all three), with the black and white
    points of Levels marked."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setMinimumSize(256, 80)
        self.counts = np.zeros(256)
        self.black = 0.0
        self.white = 255.0

    def set_values(self, values: np.ndarray) -> None:
        self.counts = np.bincount(values.ravel(), minlength=256)[:256].astype(np.float64)
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), QColor(30, 30, 30))
            width, height = self.width(), self.height()
            peak = max(float(np.percentile(self.counts, 99)), 1.0)
            path = QPainterPath(QPointF(0, height))
            for value in range(256):
                bar = min(1.0, self.counts[value] / peak)
                path.lineTo(value * width / 255, height - bar * (height - 4))
            path.lineTo(width, height)
            painter.fillPath(path, QColor(190, 190, 190))
            painter.setPen(QPen(QColor(255, 200, 0), 1.5))
            for mark in (self.black, self.white):
                x = mark * (width - 1) / 255
                painter.drawLine(QPointF(x, 0), QPointF(x, height))
        finally:
            painter.end()


class ToneDialog(QDialog):
    """One tone adjustment with its settings and a before/after preview."""

    def __init__(
        self, parent: QWidget, kind: str, proxy: np.ndarray, selection: np.ndarray | None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("toneDialog")
        self.setWindowTitle(kind)
        self.kind = kind
        self.proxy = np.ascontiguousarray(proxy[..., :3])
        self.selection = selection  # HxW bool at the proxy's size, or None
        self.picked: tuple[float, float] | None = None  # White Balance, proxy pixels
        self.blacks = [0.0, 0.0, 0.0]
        self.whites = [255.0, 255.0, 255.0]
        self.gammas = [1.0, 1.0, 1.0]
        self.view = PhotoView(self)
        self.view.overlay = self._paint_overlay
        self.before = QCheckBox("Show the photo before", self)
        self.before.toggled.connect(lambda _on: self.refresh())
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._show_preview)
        form = QFormLayout()
        self._build(kind, form)
        where = "the masked area" if selection is not None else "the whole photo"
        note = QLabel(f"Applies to {where}.", self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Apply")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.before)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self._show_preview()

    # -- the settings of each kind --------------------------------------------------
    def _build(self, kind: str, form: QFormLayout) -> None:
        self.clip_spin = QDoubleSpinBox(self)
        self.clip_spin.setRange(0.0, 10.0)
        self.clip_spin.setDecimals(1)
        self.clip_spin.setSingleStep(0.1)
        self.clip_spin.setSuffix(" %")
        self.clip_spin.setToolTip("How much of the darkest and brightest pixels may clip")
        self.clip_spin.setValue(1.0 if kind == FADE else 0.5)
        self.clip_spin.valueChanged.connect(self.refresh)
        self.strength_spin = QSpinBox(self)
        self.strength_spin.setRange(0, 100)
        self.strength_spin.setSuffix(" %")
        self.strength_spin.setValue(100)
        self.strength_spin.valueChanged.connect(self.refresh)
        if kind in (AUTO_LEVELS, AUTO_CONTRAST):
            form.addRow("Clip:", self.clip_spin)
            form.addRow("Strength:", self.strength_spin)
            text = (
                "Stretches each channel by itself: the darkest pixels black, the brightest "
                "white, an even colour cast gone."
                if kind == AUTO_LEVELS
                else "Stretches the three channels together: more contrast, colours kept."
            )
            form.addRow(self._note(text))
        elif kind == FADE:
            form.addRow("Clip:", self.clip_spin)
            form.addRow("Strength:", self.strength_spin)
            form.addRow(
                self._note(
                    "For faded colour prints: each dye's range is stretched back and the "
                    "midtones of the channels brought together (the cast of a faded dye)."
                )
            )
        elif kind == WHITE_BALANCE:
            self.grey_world = QRadioButton("Automatic (grey world: the average is neutral)", self)
            self.pick = QRadioButton("Click something grey or white on the preview", self)
            self.grey_world.setChecked(True)
            self.grey_world.toggled.connect(self.refresh)
            self.view.pressed.connect(self.pick_point)
            form.addRow(self.grey_world)
            form.addRow(self.pick)
            form.addRow("Strength:", self.strength_spin)
        elif kind == LEVELS:
            self.histogram = Histogram(self)
            self.channel_combo = QComboBox(self)
            self.channel_combo.addItems(CHANNELS)
            self.channel_combo.currentIndexChanged.connect(self._show_channel)
            self.black_spin = QSpinBox(self)
            self.black_spin.setRange(0, 254)
            self.white_spin = QSpinBox(self)
            self.white_spin.setRange(1, 255)
            self.white_spin.setValue(255)
            self.gamma_spin = QDoubleSpinBox(self)
            self.gamma_spin.setRange(0.1, 9.99)
            self.gamma_spin.setDecimals(2)
            self.gamma_spin.setSingleStep(0.05)
            self.gamma_spin.setValue(1.0)
            self.gamma_spin.setToolTip("Midtones: more than 1 brightens, less darkens")
            for spin in (self.black_spin, self.white_spin, self.gamma_spin):
                spin.valueChanged.connect(self._levels_typed)
            auto = QPushButton("Auto", self)
            auto.setToolTip("Black and white points of each channel from the photo")
            auto.clicked.connect(self.auto_levels_values)
            form.addRow("Channel:", self.channel_combo)
            form.addRow(self.histogram)
            form.addRow("Black point:", self.black_spin)
            form.addRow("White point:", self.white_spin)
            form.addRow("Midtones (gamma):", self.gamma_spin)
            form.addRow(auto)
            self._show_channel()

    def _note(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setWordWrap(True)
        return label

    # -- Levels --------------------------------------------------------------------
    def _channels(self) -> list[int]:
        index = self.channel_combo.currentIndex()
        return [0, 1, 2] if index == 0 else [index - 1]

    def _show_channel(self, *_: object) -> None:
        first = self._channels()[0]
        for spin, value in (
            (self.black_spin, self.blacks[first]),
            (self.white_spin, self.whites[first]),
            (self.gamma_spin, self.gammas[first]),
        ):
            with QSignalBlocker(spin):
                spin.setValue(value)
        channels = self._channels()
        values = self.proxy[..., channels]
        if self.selection is not None:
            values = values[self.selection]
        self.histogram.set_values(values)
        self._mark_levels()

    def _mark_levels(self) -> None:
        self.histogram.black = self.black_spin.value()
        self.histogram.white = self.white_spin.value()
        self.histogram.update()

    def set_levels(self, black: float, white: float, gamma: float) -> None:
        """Set the black, white and gamma of the channel(s) chosen in the list."""
        for spin, value in ((self.black_spin, black), (self.white_spin, white)):
            with QSignalBlocker(spin):
                spin.setValue(round(value))
        with QSignalBlocker(self.gamma_spin):
            self.gamma_spin.setValue(gamma)
        self._levels_typed()

    def _levels_typed(self, *_: object) -> None:
        black = self.black_spin.value()
        white = max(self.white_spin.value(), black + 1)
        for channel in self._channels():
            self.blacks[channel] = black
            self.whites[channel] = white
            self.gammas[channel] = self.gamma_spin.value()
        self._mark_levels()
        self.refresh()

    def auto_levels_values(self) -> None:
        lows, highs = channel_range(self.proxy, 0.5, self.selection)
        self.blacks = [float(v) for v in lows]
        self.whites = [float(max(h, lo + 1)) for lo, h in zip(lows, highs, strict=True)]
        self.gammas = [1.0, 1.0, 1.0]
        self._show_channel()
        self.refresh()

    # -- White Balance ----------------------------------------------------------------
    def pick_point(self, x: float, y: float) -> None:
        """Take the colour at (x, y) of the preview as the grey to neutralise."""
        self.picked = (x, y)
        self.pick.setChecked(True)
        self.refresh()

    # -- the curve and its preview -------------------------------------------------------
    def curve(self) -> ToneCurve:
        """The adjustment as set now (measured on the preview: the same curve applies to
        the full-size photo)."""
        kind, proxy, where = self.kind, self.proxy, self.selection
        strength = self.strength_spin.value() / 100
        if kind in (AUTO_LEVELS, AUTO_CONTRAST):
            per_channel = kind == AUTO_LEVELS
            curve = auto_levels(proxy, self.clip_spin.value(), where, per_channel)
            return curve.blend(strength)
        if kind == FADE:
            return fade_restoration(proxy, self.clip_spin.value(), strength, where)
        if kind == WHITE_BALANCE:
            if self.pick.isChecked() and self.picked is not None:
                gains = picked_gains(proxy, *self.picked)
            else:
                gains = grey_world_gains(proxy, where)
            return gains_curve(gains).blend(strength)
        return levels_curve(tuple(self.blacks), tuple(self.whites), tuple(self.gammas))

    def refresh(self, *_: object) -> None:
        self._timer.start(0)  # several changes in one event-loop turn: one preview

    def _show_preview(self) -> None:
        if self.before.isChecked():
            shown = self.proxy
        else:
            shown = apply_under(self.proxy, self.curve(), self.selection)
        self.view.set_image(shown)

    def preview_pixels(self) -> np.ndarray:
        """What the preview shows now (for tests)."""
        self._timer.stop()
        self._show_preview()
        return self.view._array.copy()

    def _paint_overlay(self, painter: QPainter, scale: float) -> None:
        if self.kind == WHITE_BALANCE and self.picked is not None and self.pick.isChecked():
            x, y = self.picked
            painter.setPen(QPen(QColor(255, 200, 0), 2))
            painter.drawEllipse(QPointF(x * scale, y * scale), 6, 6)


def show_tone_dialog(shell: Shell, kind: str) -> int | None:
    """Ask for the adjustment with a preview, then apply it as a job; None when cancelled."""
    document = shell.document
    if document is None or shell.jobs.busy:
        return None
    document.end_stroke()
    masked = not document.mask_is_empty()
    proxy = proxy_from_levels(document.image_pyramid.levels, PREVIEW_SIDE)
    selection = None
    if masked:
        mask_proxy = proxy_from_levels(document.mask_pyramid.levels, PREVIEW_SIDE, area=False)
        if mask_proxy.shape[:2] != proxy.shape[:2]:
            import cv2

            mask_proxy = cv2.resize(
                mask_proxy, (proxy.shape[1], proxy.shape[0]), interpolation=cv2.INTER_NEAREST
            )
        selection = mask_proxy > 0
        if not selection.any():  # a tiny mask vanished in the small copy: measure it all
            selection = None
    dialog = ToneDialog(shell.widget(), kind, proxy, selection)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return apply_curve(shell, dialog.curve(), kind)


def apply_curve(shell: Shell, curve: ToneCurve, text: str) -> int | None:
    """Apply `curve` to the masked area (if painted) or the whole photo, as a job."""
    document = shell.document
    if document is None or shell.jobs.busy:
        return None
    document.end_stroke()
    masked = not document.mask_is_empty()
    snapshot = document.share_pixels()
    mask = document.mask_snapshot() if masked else None
    job = DocumentToneJob(snapshot, curve, mask, title=text)
    where = "masked area" if masked else "whole photo"

    def done(outcome: RepairOutcome | None) -> None:
        if document is not shell.document:
            return
        if outcome is None or not document.apply_patch(
            outcome.patch, mask, snapshot, outcome.edit, f"{text} ({where})"
        ):
            shell.status(f"{text} changed nothing.", 5000)
            return
        shell.status(f"{text} applied to the {where} in {outcome.patch.seconds:.2f} s", 6000)

    def failed(message: str) -> None:
        dialogs.show_error(
            shell.widget(), f"{text} failed", f"{message}\n\nThe photo is unchanged."
        )

    return shell.jobs.submit(
        job, done, on_failed=failed, on_end=lambda: document.release_pixels(snapshot)
    )
