"""Model-folder work for the GUI worker: adding reads and hashes large files.

These jobs go through `restorer.catalog`, so the engine list follows every change; they
live here, above the catalog, rather than in `restorer.models`, which knows no engines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from restorer.jobs import Job
from restorer.models.info import ModelInfo
from restorer.progress import Progress


@dataclass
class AddModelJob(Job):
    """Recognise a model file and copy it into the models folder (see `catalog.add_model`)."""

    path: Path
    model_id: str | None = None
    title: str = field(default="Adding a model")

    def run(self, progress: Progress) -> ModelInfo:
        from restorer.catalog import add_model

        return add_model(self.path, self.model_id, progress)


@dataclass
class RemoveModelJob(Job):
    """Delete a model from the models folder (freeing it first if it is loaded)."""

    model_id: str
    title: str = field(default="Removing a model")
    cancellable: bool = False

    def run(self, progress: Progress) -> ModelInfo | None:
        from restorer.catalog import remove_model

        progress.update(0.0, f"Removing {self.model_id}")
        removed = remove_model(self.model_id)
        progress.update(1.0, f"Removed {self.model_id}")
        return removed


@dataclass
class LoadEngineJob(Job):
    """Load an inpainting model's weights onto its device before the first repair.

    Running it as the engine's job makes the worker free the engines used before, so
    switching models never holds two of them in memory. Returns where it runs.
    """

    engine_id: str
    device: str = "auto"
    title: str = field(default="Loading a model")

    def run(self, progress: Progress) -> str:
        from restorer.catalog import registry
        from restorer.devices import resolve_device
        from restorer.models.runtime import model_cache
        from restorer.models.store import get

        engine = registry().get(self.engine_id)
        device = resolve_device(self.device, engine.devices)
        progress.update(0.0, f"Loading {engine.label or engine.id}")
        loaded = model_cache().get(get(self.engine_id), device)
        progress.update(1.0, f"Loaded {engine.label or engine.id}")
        return loaded.label
