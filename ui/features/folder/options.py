"""The folder's output options: where Save and Next and Repair All write, and what moving
to another photo does with the one left. Chosen once in a small dialog, remembered."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from restorer.workflows.folder import ASK, KEEP, OUTPUT_FORMATS, OutputChoice
from ui.core.settings import flag, settings

FORMAT_LABELS = {
    "same": "Same as the photo (RAW as TIFF)",
    "jpg": "JPEG",
    "png": "PNG (16-bit photos stay 16-bit)",
    "tif": "TIFF (16-bit photos stay 16-bit)",
}
LEAVE_LABELS = {
    KEEP: "Keep its mask and edits while I move on",
    ASK: "Ask me to save or discard them",
}


def load_choice() -> tuple[OutputChoice, str]:
    """The remembered output choice and what leaving a photo does (keep / ask)."""
    values = settings()
    folder = values.value("folder/outputFolder", "") or None
    fmt = values.value("folder/format", "same")
    choice = OutputChoice(
        folder=Path(folder) if folder else None,
        suffix=str(values.value("folder/suffix", "") or ""),
        fmt=fmt if fmt in OUTPUT_FORMATS else "same",
        overwrite=flag(values.value("folder/overwrite"), False),
    )
    leave = values.value("folder/onLeave", KEEP)
    return choice, leave if leave in (KEEP, ASK) else KEEP


def save_choice(choice: OutputChoice, leave: str) -> None:
    values = settings()
    values.setValue("folder/outputFolder", str(choice.folder) if choice.folder else "")
    values.setValue("folder/suffix", choice.suffix)
    values.setValue("folder/format", choice.fmt)
    values.setValue("folder/overwrite", choice.overwrite)
    values.setValue("folder/onLeave", leave)


class OutputOptionsDialog(QDialog):
    """Output folder (empty: `restored/` beside the photos), suffix, format, whether an
    original may be written over, and keep / ask when moving on."""

    def __init__(self, choice: OutputChoice, leave: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Folder Output Options")
        form = QFormLayout(self)
        self.folder = QLineEdit(str(choice.folder) if choice.folder else "", self)
        self.folder.setPlaceholderText("restored/ inside the photos' folder")
        browse = QPushButton("Choose…", self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder)
        row.addWidget(browse)
        form.addRow("Output folder:", row)
        self.suffix = QLineEdit(choice.suffix, self)
        self.suffix.setPlaceholderText("none: the photo's own name, e.g. _restored")
        form.addRow("Name suffix:", self.suffix)
        self.format = QComboBox(self)
        for fmt in OUTPUT_FORMATS:
            self.format.addItem(FORMAT_LABELS[fmt], fmt)
        self.format.setCurrentIndex(OUTPUT_FORMATS.index(choice.fmt))
        form.addRow("Format:", self.format)
        self.overwrite = QCheckBox("Allow writing over the original photos", self)
        self.overwrite.setChecked(choice.overwrite)
        form.addRow("", self.overwrite)
        self.leave = QComboBox(self)
        for key, label in LEAVE_LABELS.items():
            self.leave.addItem(label, key)
        self.leave.setCurrentIndex(list(LEAVE_LABELS).index(leave))
        form.addRow("Moving to another photo:", self.leave)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        name = QFileDialog.getExistingDirectory(self, "Output Folder", self.folder.text())
        if name:
            self.folder.setText(name)

    def choice(self) -> tuple[OutputChoice, str]:
        folder = self.folder.text().strip()
        output = OutputChoice(
            folder=Path(folder).expanduser() if folder else None,
            suffix=self.suffix.text().strip().replace("/", "_").replace("\\", "_"),
            fmt=self.format.currentData(),
            overwrite=self.overwrite.isChecked(),
        )
        return output, self.leave.currentData()
