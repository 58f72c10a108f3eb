"""Model-folder work for the GUI worker: adding reads and hashes large files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from restorer.jobs import Job
from restorer.models.info import ModelInfo
from restorer.progress import Progress


@dataclass
class AddModelJob(Job):
    """Recognise a model file and copy it into the models folder (see `store.add`)."""

    path: Path
    model_id: str | None = None
    title: str = field(default="Adding a model")

    def run(self, progress: Progress) -> ModelInfo:
        from restorer.models.store import add

        return add(self.path, self.model_id, progress)
