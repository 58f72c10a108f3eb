"""Models: the models folder (Manage Models…, Open Models Folder), model engines loaded
when chosen, and the Filters menu of installed image-to-image models."""

from __future__ import annotations

from ui.features.models.controller import ModelsController
from ui.features.models.dialog import show_models_dialog
from ui.features.models.filters import FiltersMenu
from ui.shell import MenuId, Shell


class Models(ModelsController):
    """The controller, with the Filters menu it keeps up to date."""

    def __init__(self, shell: Shell) -> None:
        super().__init__(shell)
        self.filters_menu = FiltersMenu(shell, self)
        menu = shell.menu(MenuId.MODELS)
        manage = menu.addAction("&Manage Models…")
        manage.setStatusTip("Add or remove model files; see what each does and where it runs")
        manage.triggered.connect(lambda: show_models_dialog(shell, self))
        folder = menu.addAction("Open Models &Folder")
        folder.setStatusTip(str(self.folder()))
        folder.triggered.connect(self.open_folder)


def install(shell: Shell) -> Models:
    return Models(shell)
