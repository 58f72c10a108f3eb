"""Models → Train a Model…: train a clean-up filter or an inpainting model on a folder of
your own photos, watch it learn, compare it with what Restorer has, keep it or not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction

from ui.shell import MenuId, Shell

if TYPE_CHECKING:  # imported when first opened: the studio brings pyqtgraph along
    from ui.features.train.studio import TrainStudio


class Train:
    """The menu entry; keeps the one training studio it opened."""

    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.studio: TrainStudio | None = None
        window = shell.widget()
        self.action = QAction("&Train a Model…", window)
        self.action.setObjectName("trainModelAction")
        self.action.setStatusTip(
            "Train a clean-up filter or an inpainting model on a folder of your own photos"
        )
        self.action.triggered.connect(self.open_studio)
        shell.add_to_menu(MenuId.MODELS, [self.action])

    def open_studio(self) -> TrainStudio:
        from ui.features.train.studio import TrainStudio

        if self.studio is None:
            self.studio = TrainStudio(self.shell)
        self.studio.show()
        self.studio.raise_()
        self.studio.activateWindow()
        return self.studio


def install(shell: Shell) -> Train:
    return Train(shell)
