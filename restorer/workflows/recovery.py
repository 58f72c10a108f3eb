"""Reading a crashed session's autosave back as a photo for the window (no Qt)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from restorer.geometry import bounding_box
from restorer.jobs import Job
from restorer.progress import Progress
from restorer.pyramid import Pyramid
from restorer.recovery import RecoveryStore
from restorer.workflows.jobs import LoadedPhoto


@dataclass
class RestoreJob(Job):
    """Read a crashed session's state and prepare it for the canvas."""

    folder: Path
    title: str = "Restoring"

    def run(self, progress: Progress) -> LoadedPhoto:
        progress.update(0.0, "Restoring unsaved work")
        state = RecoveryStore.load(self.folder)
        progress.update(0.7)
        path = state.source_path or self.folder / "recovered.png"
        loaded = LoadedPhoto(
            path=path,
            pixels=state.pixels,
            has_alpha=state.has_alpha,
            mask=state.mask,
            image_pyramid=Pyramid(state.pixels),
            mask_pyramid=Pyramid(state.mask),
            exif=state.blob("exif"),
            icc=state.blob("icc"),
            format=state.meta.get("format"),
            # A photo restored from its unchanged file is not an unsaved change.
            recovered=not state.meta.get("image_file"),
            untitled_name=state.meta.get("name") if state.meta.get("untitled") else None,
            mask_bounds=bounding_box(state.mask),
        )
        progress.update(1.0, "Restored")
        return loaded
