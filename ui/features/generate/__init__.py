"""Generate: Texture Synthesis…, GAN Studio… and Generate Images…."""

from __future__ import annotations

from PySide6.QtGui import QAction

from ui.features.generate.gan_studio import open_gan_studio
from ui.features.generate.generate_dialog import open_generate_dialog
from ui.features.generate.texture_dialog import open_texture_dialog
from ui.shell import MenuId, Shell


def install(shell: Shell) -> list[QAction]:
    window = shell.widget()
    menu = shell.menu(MenuId.GENERATE)
    texture = QAction("&Texture Synthesis…", window)
    texture.setObjectName("textureSynthesisAction")
    tip = "Grow a seamless texture of any size from a rectangle of the photo"
    texture.setStatusTip(tip)
    texture.setToolTip(tip)
    texture.triggered.connect(lambda: open_texture_dialog(shell))
    menu.aboutToShow.connect(
        lambda: texture.setEnabled(shell.document is not None and not shell.jobs.busy)
    )
    studio = QAction("&GAN Studio…", window)
    studio.setObjectName("ganStudioAction")
    studio.setStatusTip("Train a generator on a folder of your own pictures")
    studio.triggered.connect(lambda: open_gan_studio(shell))
    images = QAction("Generate &Images…", window)
    images.setObjectName("generateImagesAction")
    images.setStatusTip("Make new pictures with a generator you trained")
    images.triggered.connect(lambda: open_generate_dialog(shell))
    shell.add_to_menu(MenuId.GENERATE, [texture])
    shell.add_to_menu(MenuId.GENERATE, [studio, images])
    return [texture, studio, images]
