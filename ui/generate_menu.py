"""Generate → GAN Studio… and Generate Images… in the main window."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction

from ui.texture_dialog import generate_menu

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def install_generate_menu(window: MainWindow) -> None:
    """Add the GAN studio and the image generator to the window's Generate menu."""
    from ui.gan_studio import open_gan_studio
    from ui.generate_dialog import open_generate_dialog

    menu = generate_menu(window)
    if menu.actions():
        menu.addSeparator()
    studio = QAction("&GAN Studio…", window)
    studio.setObjectName("ganStudioAction")
    studio.setStatusTip("Train a generator on a folder of your own pictures")
    studio.triggered.connect(lambda: open_gan_studio(window))
    images = QAction("Generate &Images…", window)
    images.setObjectName("generateImagesAction")
    images.setStatusTip("Make new pictures with a generator you trained")
    images.triggered.connect(lambda: open_generate_dialog(window))
    menu.addActions([studio, images])
