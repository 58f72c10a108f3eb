"""Image → Extend Canvas…: add pixels on chosen sides, filled with the current engine.

The dialog asks how many pixels to add on each side; the fill runs as a worker job
(progress, Cancel) with the engine chosen in the tool bar, and the larger photo
replaces the old one as one undo step. The mask moves with the photo.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from restorer.errors import RestorerError
from restorer.generate.extend import MAX_BORDER, Borders, check_borders
from restorer.workflows.filters import DocumentExtendJob, NewPhoto
from ui.core import dialogs

if TYPE_CHECKING:
    from ui.shell import Shell

SIDES = ("top", "bottom", "left", "right")


class ExtendDialog(QDialog):
    """Four spin boxes (pixels per side), the resulting size, and the engine that fills."""

    def __init__(self, parent: QWidget, size: tuple[int, int], engine_label: str) -> None:
        super().__init__(parent)
        self.setObjectName("extendDialog")
        self.setWindowTitle("Extend Canvas")
        self._size = size
        self.spins: dict[str, QSpinBox] = {}
        form = QFormLayout()
        self.all_sides = QSpinBox(self)
        self.all_sides.setRange(0, MAX_BORDER)
        self.all_sides.setSingleStep(16)
        self.all_sides.setSuffix(" px")
        self.all_sides.setToolTip("Set every side at once")
        self.all_sides.valueChanged.connect(lambda value: self.set_borders(Borders(*[value] * 4)))
        form.addRow("All sides:", self.all_sides)
        for side in SIDES:
            spin = QSpinBox(self)
            spin.setRange(0, MAX_BORDER)
            spin.setSingleStep(16)
            spin.setSuffix(" px")
            spin.valueChanged.connect(self._update)
            self.spins[side] = spin
            form.addRow(f"{side.capitalize()}:", spin)
        self.size_label = QLabel(self)
        self.problem_label = QLabel(self)
        self.problem_label.setObjectName("warningLabel")
        self.problem_label.setWordWrap(True)
        engine = QLabel(f"The new pixels are filled by {engine_label} (the current engine).", self)
        engine.setWordWrap(True)
        # Honest about where extending works: new pixels continue texture, not objects.
        self.hint_label = QLabel(
            "Works best where the border is background: sky, water, grass, walls, "
            "texture. Objects cut by the border are not completed: they may be "
            "smeared or repeated. Small additions look better than large ones.",
            self,
        )
        self.hint_label.setObjectName("hintLabel")
        self.hint_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Extend")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.size_label)
        layout.addWidget(engine)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)
        self._update()

    def set_borders(self, borders: Borders) -> None:
        for side in SIDES:
            self.spins[side].setValue(getattr(borders, side))

    def borders(self) -> Borders:
        return Borders(**{side: self.spins[side].value() for side in SIDES})

    def _update(self, *_: object) -> None:
        borders = self.borders()
        height, width = self._size
        new_height, new_width = borders.new_size(height, width)
        self.size_label.setText(f"{width} × {height} px  →  {new_width} × {new_height} px")
        try:
            check_borders(self._size, borders)
            problem = ""
        except RestorerError as error:
            problem = str(error)
        self.problem_label.setText(problem)
        self.problem_label.setVisible(bool(problem))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)


def extend_canvas(shell: Shell, borders: Borders) -> int | None:
    """Extend the open photo by `borders` with the current engine, as a job."""
    document = shell.document
    if document is None or shell.jobs.busy:
        return None
    document.end_stroke()
    choice = shell.engine_choice
    try:
        check_borders((document.height, document.width), borders)
        engine = choice.engine()
    except RestorerError as error:
        dialogs.show_error(shell.widget(), "Cannot extend the canvas", str(error))
        return None
    snapshot = document.share_pixels()
    job = DocumentExtendJob(
        snapshot,
        document.mask_snapshot(),
        borders,
        engine.id,
        choice.job_device(engine),
        document.has_alpha,
        document.mask_pyramid.gain,
    )

    def done(outcome: NewPhoto) -> None:
        if document is not shell.document:
            return
        document.replace_photo(outcome.state, text=f"Extend canvas ({engine.label})")
        on = "CPU" if outcome.device == "cpu" else choice.device_text(engine)
        shell.status(
            f"Extended to {outcome.detail} with {engine.label} on {on} in {outcome.seconds:.2f} s",
            8000,
        )

    def failed(message: str) -> None:
        dialogs.show_error(
            shell.widget(), "Extend canvas failed", f"{message}\n\nThe photo is unchanged."
        )

    def cancelled() -> None:
        shell.status("Extend canvas cancelled; the photo is unchanged.", 5000)

    return shell.jobs.submit(
        job,
        done,
        on_failed=failed,
        on_cancelled=cancelled,
        on_end=lambda: document.release_pixels(snapshot),
    )


def show_extend_dialog(shell: Shell) -> int | None:
    """Ask for the borders, then extend; None when cancelled or nothing is open."""
    document = shell.document
    if document is None or shell.jobs.busy:
        return None
    try:
        label = shell.engine_choice.engine().label
    except RestorerError as error:
        dialogs.show_error(shell.widget(), "Cannot extend the canvas", str(error))
        return None
    dialog = ExtendDialog(shell.widget(), (document.height, document.width), label)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return extend_canvas(shell, dialog.borders())
