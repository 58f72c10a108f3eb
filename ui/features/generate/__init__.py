"""Generate: Texture Synthesis…, GAN Studio… and Generate Images…."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction

from ui.shell import MenuId, Shell

if TYPE_CHECKING:  # imported when first opened: the studio brings pyqtgraph along
    from ui.features.generate.gan_studio import GanStudio
    from ui.features.generate.generate_dialog import GenerateDialog


class Generate:
    """The Generate menu; keeps the one GAN studio and Generate Images dialog it opened."""

    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.studio: GanStudio | None = None
        self.generate_dialog: GenerateDialog | None = None
        self.actions = _build_menu(shell, self)

    def open_studio(self) -> GanStudio:
        from ui.features.generate.gan_studio import open_gan_studio

        self.studio = open_gan_studio(self.shell, self.studio)
        return self.studio

    def open_generate_dialog(self) -> GenerateDialog:
        from ui.features.generate.generate_dialog import open_generate_dialog

        self.generate_dialog = open_generate_dialog(self.shell, self.generate_dialog)
        return self.generate_dialog


def install(shell: Shell) -> Generate:
    return Generate(shell)


def _build_menu(shell: Shell, generate: Generate) -> list[QAction]:
    window = shell.widget()
    menu = shell.menu(MenuId.GENERATE)
    texture = QAction("&Texture Synthesis…", window)
    texture.setObjectName("textureSynthesisAction")
    tip = "Grow a seamless texture of any size from a rectangle of the photo"
    texture.setStatusTip(tip)
    texture.setToolTip(tip)
    texture.triggered.connect(lambda: _open_texture_dialog(shell))
    menu.aboutToShow.connect(
        lambda: texture.setEnabled(shell.document is not None and not shell.jobs.busy)
    )
    studio = QAction("&GAN Studio…", window)
    studio.setObjectName("ganStudioAction")
    studio.setStatusTip("Train a generator on a folder of your own pictures")
    studio.triggered.connect(generate.open_studio)
    images = QAction("Generate &Images…", window)
    images.setObjectName("generateImagesAction")
    images.setStatusTip("Make new pictures with a generator you trained")
    images.triggered.connect(generate.open_generate_dialog)
    shell.add_to_menu(MenuId.GENERATE, [texture])
    shell.add_to_menu(MenuId.GENERATE, [studio, images])
    return [texture, studio, images]


def _open_texture_dialog(shell: Shell) -> None:
    from ui.features.generate.texture_dialog import open_texture_dialog

    open_texture_dialog(shell)
