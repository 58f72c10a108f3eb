"""Opening an image made in the app (a texture, a generated sample) as an unsaved document."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from restorer.workflows.new_image import NewImageJob, suggested_file_name
from ui.core import dialogs

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def open_image_as_document(window: MainWindow, image: np.ndarray, name: str) -> None:
    """Open `image` (HxW, HxWx3 or HxWx4 uint8) as a new untitled document named `name`.

    Unsaved changes to the open photo are settled first (Save / Discard / Cancel), as
    when opening a file. The image is prepared on the worker; the window shows it when ready.
    """
    if not window.files.settle_unsaved(
        f"opening {name}", lambda: open_image_as_document(window, image, name)
    ):
        return
    current = window.document
    folder = current.path.parent if current is not None else Path.home()
    job = NewImageJob(np.asarray(image), name, folder / suggested_file_name(name))

    def failed(message: str) -> None:
        dialogs.show_error(window, f"Could not open {name}", message)

    window.jobs.submit(job, window.files.show_untitled, on_failed=failed)
