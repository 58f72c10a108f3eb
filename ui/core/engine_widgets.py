"""The engine and device choosers (tool bar) and the engine and device status fields,
kept in step with an `EngineChoice` both ways."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QToolBar, QWidget

from restorer.errors import RestorerError
from ui.core.engine_choice import DEVICE_NAMES, EngineChoice


def status_field(parent: QWidget, tip: str) -> QLabel:
    label = QLabel(parent)
    label.setObjectName("statusField")
    label.setToolTip(tip)
    return label


def _chooser(bar: QToolBar, name: str, tip: str) -> QComboBox:
    label = QLabel(name, bar)
    label.setObjectName("toolLabel")
    bar.addWidget(label)
    combo = QComboBox(bar)
    combo.setToolTip(tip)
    # Clicking a chooser must not steal the keyboard from the canvas (Space pans there).
    combo.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    bar.addWidget(combo)
    return combo


class EngineChoosers(QObject):
    """Adds "Engine" and "Device" choosers to `bar`; `engine_label` and `device_label`
    are status bar fields showing the engine and where it runs."""

    def __init__(self, choice: EngineChoice, bar: QToolBar, status_parent: QWidget) -> None:
        super().__init__(bar)
        self.choice = choice
        self.engine_combo = _chooser(
            bar,
            "Engine",
            "What repairs the masked area: Auto picks per brushed area (thin scratches, dust, "
            "objects); hover over an entry for what it is good at",
        )
        # As wide as its longest entry, however the list changes (models come and go).
        self.engine_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.device_combo = _chooser(
            bar, "Device", "Where engines run: Auto uses a CUDA GPU when there is one"
        )
        self.engine_label = status_field(status_parent, "Repair engine")
        self.device_label = status_field(status_parent, "Where the engine runs")
        self.engine_combo.currentIndexChanged.connect(
            lambda: choice.select(self.engine_combo.currentData())
        )
        self.device_combo.currentIndexChanged.connect(
            lambda: choice.set_device(self.device_combo.currentData() or "auto")
        )
        choice.changed.connect(self.show)
        choice.engines_changed.connect(self.fill)
        self.fill()

    def fill(self) -> None:
        """List the engines and devices the choice offers."""
        choice = self.choice
        for combo, items in (
            (self.engine_combo, [(e.label or e.id, e.id, e.description) for e in choice.engines]),
            (self.device_combo, [(DEVICE_NAMES[d], d, None) for d in choice.devices()]),
        ):
            combo.blockSignals(True)
            combo.clear()
            for text, data, tip in items:
                combo.addItem(text, data)
                if tip:
                    combo.setItemData(combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
            combo.blockSignals(False)
        self.show()

    def show(self) -> None:
        """Select the chosen engine and device; show them in the status fields."""
        choice = self.choice
        if self.device_combo.count() != len(choice.devices()):
            self.fill()  # a GPU was found: offer it (and come back here)
            return
        for combo, value in (
            (self.engine_combo, choice.engine_id),
            (self.device_combo, choice.device),
        ):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.blockSignals(False)
        try:
            engine = choice.engine()
        except RestorerError:
            self.engine_label.setText("No engine")
            return
        self.engine_label.setText(engine.label or engine.id)
        self.device_label.setText(choice.device_text(engine))
