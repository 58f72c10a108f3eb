"""Mask → Find Damage… (D): find dust, scratches, cracks and stains, preview, add to the mask.

A panel docked beside the canvas holds the kinds, a sensitivity slider and the size range.
Every change starts a search on the worker (never on the GUI thread); the candidate mask
is drawn over the photo in its own colour (cyan) as the canvas preview, and nothing in
the document changes until Add to Mask, which is one undo step; the result is an ordinary
mask that the brush and eraser edit. With "Only in the brushed area" the search keeps to
what is brushed, and Add to Mask replaces that area by the damage found in it.
Mask → Clean Up Dust & Scratches finds with the defaults, adds to the mask and repairs
with the chosen engine. The search runs in `restorer.workflows.damage.FindDamageJob`.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QDockWidget,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from restorer.damage import ALL_KINDS, DEFAULT_SENSITIVITY, DamageSettings
from restorer.workflows.damage import FindDamageJob, FoundDamage, added_to_mask
from ui.core import dialogs
from ui.core.convert import wrap_array
from ui.document.repair import submit_repair
from ui.shell import MenuId, Shell

KIND_LABELS = {
    "dust": "Dust specks",
    "scratches": "Scratches and hairs",
    "cracks": "Cracks",
    "spots": "Spots and stains",
}
SEARCH_DELAY_MS = 150  # wait this long after the last slider move before searching


class DamagePanel(QWidget):
    """The controls; `settings()` reads them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.kind_boxes: dict[str, QCheckBox] = {}
        for kind in ALL_KINDS:
            box = QCheckBox(KIND_LABELS[kind], self)
            box.setChecked(True)
            self.kind_boxes[kind] = box
            layout.addWidget(box)
        form = QFormLayout()
        self.sensitivity = QSlider(Qt.Orientation.Horizontal, self)
        self.sensitivity.setRange(0, 100)
        self.sensitivity.setValue(round(DEFAULT_SENSITIVITY * 100))
        self.sensitivity.setToolTip("Higher finds fainter damage, and more that is not damage")
        form.addRow("Sensitivity", self.sensitivity)
        self.min_size = QSpinBox(self)
        self.min_size.setRange(1, 200)
        self.min_size.setValue(1)
        self.min_size.setSuffix(" px")
        form.addRow("Smallest", self.min_size)
        self.max_size = QSpinBox(self)
        self.max_size.setRange(2, 400)
        self.max_size.setValue(40)
        self.max_size.setSuffix(" px")
        self.max_size.setToolTip("Largest speck or spot (lines are found at any length)")
        form.addRow("Largest", self.max_size)
        layout.addLayout(form)
        self.in_brushed = QCheckBox("Only in the brushed area", self)
        layout.addWidget(self.in_brushed)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add to Mask", self)
        self.add_button.setEnabled(False)
        self.close_button = QPushButton("Close", self)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        layout.addStretch(1)

    def settings(self) -> DamageSettings:
        kinds = tuple(kind for kind, box in self.kind_boxes.items() if box.isChecked())
        low = self.min_size.value()
        return DamageSettings(
            kinds=kinds,
            sensitivity=self.sensitivity.value() / 100.0,
            min_size=low,
            max_size=max(low, self.max_size.value()),
        )


class DamageFinder(QObject):
    """Runs searches on the worker as the panel changes and shows the latest one."""

    def __init__(self, shell: Shell) -> None:
        super().__init__(shell.widget())
        self.shell = shell
        self.panel = DamagePanel()
        self.dock = QDockWidget("Find Damage", shell.widget())
        self.dock.setObjectName("findDamageDock")
        self.dock.setWidget(self.panel)
        self.dock.hide()
        shell.add_dock(self.dock, Qt.DockWidgetArea.RightDockWidgetArea)
        self.found: FoundDamage | None = None
        self.job_id: int | None = None
        self._region = None
        self._again = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search)
        for box in self.panel.kind_boxes.values():
            box.toggled.connect(self._changed)
        self.panel.sensitivity.valueChanged.connect(self._changed)
        self.panel.min_size.valueChanged.connect(self._changed)
        self.panel.max_size.valueChanged.connect(self._changed)
        self.panel.in_brushed.toggled.connect(self._changed)
        self.panel.add_button.clicked.connect(self.add_to_mask)
        self.panel.close_button.clicked.connect(self.close)
        self.dock.visibilityChanged.connect(self._visibility_changed)
        shell.document_changed.connect(lambda _doc: self._forget())
        self.find_action = shell.add_action(
            "Find &Damage…",
            self.open,
            ["D"],
            tip="Find dust, scratches, cracks and stains and preview them as a mask (D)",
        )
        self.clean_action = shell.add_action(
            "&Clean Up Dust && Scratches",
            self.clean_up,
            tip="Find dust and scratches with the default settings, then repair them",
        )
        shell.add_to_menu(MenuId.MASK, [self.find_action, self.clean_action])

    # -- opening and closing ---------------------------------------------------
    def open(self) -> None:
        """Show the panel and search with its settings."""
        if self.shell.document is None:
            self.shell.status("Open a photo first.", 4000)
            return
        self.dock.show()
        self.dock.raise_()
        self.search()

    def close(self) -> None:
        self.dock.hide()
        self._forget()

    def _visibility_changed(self, visible: bool) -> None:
        if not visible:
            self._forget()

    def _forget(self) -> None:
        """Drop the shown candidates (another photo, or the panel closed)."""
        self._timer.stop()
        self._again = False
        if self.found is not None:
            self.found = None
            self.shell.canvas.set_preview(None)
        self.panel.add_button.setEnabled(False)
        self.panel.status.setText("")

    # -- searching -------------------------------------------------------------
    def _changed(self, *_args) -> None:
        self.panel.add_button.setEnabled(False)
        self._timer.start()

    def search(self) -> int | None:
        """Start a search with the panel's settings (or once the running one ends)."""
        shell, document = self.shell, self.shell.document
        if document is None or not self.dock.isVisible():
            return None
        if self.job_id is not None or shell.jobs.busy:
            self._again = True
            if self.job_id is None:
                self._timer.start()  # another job is running: try again shortly
            return None
        settings = self.panel.settings()
        if not settings.kinds:
            self._show(None)
            self.panel.status.setText("Choose at least one kind of damage.")
            return None
        document.end_stroke()
        region = None
        if self.panel.in_brushed.isChecked():
            if document.mask_is_empty():
                self._show(None)
                self.panel.status.setText("Brush over the area to search first.")
                return None
            region = document.mask_snapshot() > 0
        snapshot = document.share_pixels()
        self._again = False
        job = FindDamageJob(snapshot, settings, region)

        def done(found: FoundDamage) -> None:
            if document is shell.document and self.dock.isVisible():
                self._region = region
                self._show(found)

        def failed(message: str) -> None:
            dialogs.show_error(shell.widget(), "Finding damage failed", message)

        def ended() -> None:
            document.release_pixels(snapshot)
            self.job_id = None
            if self._again:
                self._timer.start()

        self.job_id = shell.jobs.submit(job, done, on_failed=failed, on_end=ended)
        return self.job_id

    def _show(self, found: FoundDamage | None) -> None:
        self.found = found
        canvas = self.shell.canvas
        if found is None or found.box is None:
            canvas.set_preview(None)
            self.panel.status.setText("No damage found with these settings.")
            self.panel.add_button.setEnabled(False)
            return
        image = wrap_array(found.overlay).copy()  # the QImage must own its pixels
        canvas.set_preview(found.box, image)
        share = 100.0 * found.pixels / found.mask.size
        self.panel.status.setText(f"Found {found.pixels:,} pixels ({share:.2f}% of the photo).")
        self.panel.add_button.setEnabled(not self._timer.isActive() and not self._again)

    # -- using the result ------------------------------------------------------
    def add_to_mask(self) -> bool:
        """Add the shown candidates to the mask, as one undo step."""
        document, found = self.shell.document, self.found
        if document is None or found is None or found.box is None:
            return False
        if found.mask.shape != (document.height, document.width):
            return False
        new = added_to_mask(document.mask_snapshot(), found.mask, self._region)
        changed = document.replace_mask(new, text="Add found damage to mask")
        self.found = None
        self.shell.canvas.set_preview(None)
        self.panel.add_button.setEnabled(False)
        self.panel.status.setText("Added to the mask: brush or erase to adjust, then Repair.")
        return changed

    def clean_up(self) -> int | None:
        """Find dust and scratches with the default settings, add them, and repair."""
        shell, document = self.shell, self.shell.document
        if document is None or shell.jobs.busy:
            return None
        document.end_stroke()
        snapshot = document.share_pixels()
        job = FindDamageJob(snapshot, DamageSettings(), None, title="Finding dust and scratches")

        def done(found: FoundDamage) -> None:
            if document is not shell.document:
                return
            if found.box is None:
                shell.status("No dust or scratches found.", 6000)
                return
            new = added_to_mask(document.mask_snapshot(), found.mask)
            document.replace_mask(new, text="Add found damage to mask")
            QTimer.singleShot(0, self.repair)  # once this job has left the queue

        def failed(message: str) -> None:
            dialogs.show_error(shell.widget(), "Finding damage failed", message)

        def ended() -> None:
            document.release_pixels(snapshot)

        return shell.jobs.submit(job, done, on_failed=failed, on_end=ended)

    def repair(self) -> int | None:
        """Repair the mask just found with the chosen engine, as one undo step (the Repair
        feature does the same for Enter, through the same `submit_repair`)."""
        return submit_repair(
            self.shell,
            finished=lambda engine, _: f"Cleaned up dust and scratches with {engine.label}.",
        )


def install(shell: Shell) -> DamageFinder:
    """Add Mask → Find Damage… (D) and Mask → Clean Up Dust & Scratches."""
    return DamageFinder(shell)
