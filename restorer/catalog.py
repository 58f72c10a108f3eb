"""The one place that wires engines into the registry (like spandrel's `main_registry`).

    >>> from restorer.catalog import registry
    >>> registry().resolve(None).id          # the default engine
    >>> registry().resolve("telea")          # or one by id

`registry()` is the process-wide `EngineRegistry`: the built-in engines, then one engine
per inpainting model in the models folder. Adding, downloading or removing a model goes
through `add_model` / `get_model` / `remove_model` here, which keep the folder, the loaded
weights and the engine list in step (the models store itself knows nothing of engines).
Tests and tools that want other engines swap the registry with `use_registry`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from restorer.engines.base import Engine
from restorer.engines.registry import EngineRegistry
from restorer.models.info import ModelInfo
from restorer.progress import Progress

_registry: EngineRegistry | None = None
_lock = threading.Lock()


def builtin_engines() -> list[Engine]:
    """New instances of the engines that ship with Restorer (no model files needed):
    Auto first (the default: it picks one of the others per brushed area, looking them
    up in the registry in use when it runs), then PatchMatch, Telea, Navier-Stokes."""
    from restorer.engines.auto import AutoEngine
    from restorer.engines.opencv import NavierStokesEngine, TeleaEngine
    from restorer.engines.patchmatch import PatchMatchEngine

    auto = AutoEngine(lambda: registry().all(), run=_run_in_regions)
    return [auto, PatchMatchEngine(), TeleaEngine(), NavierStokesEngine()]


def _run_in_regions(
    engine: Engine, image: np.ndarray, mask: np.ndarray, progress: Progress, device: str, seed: int
) -> np.ndarray:
    """One engine on part of a crop, through the region strategy (its size needs met)."""
    from restorer.regions import inpaint_regions

    return inpaint_regions(engine, image, mask, progress, device=device, seed=seed)


def new_registry() -> EngineRegistry:
    """A registry with the built-in engines and the models folder as provider."""
    from restorer.models.engines import model_engines

    fresh = EngineRegistry()
    for engine in builtin_engines():
        fresh.register(engine)
    fresh.add_provider(model_engines)
    return fresh


def registry() -> EngineRegistry:
    """The process-wide registry (made by `new_registry` on first use)."""
    global _registry
    with _lock:
        if _registry is None:
            _registry = new_registry()
        return _registry


@contextmanager
def use_registry(replacement: EngineRegistry) -> Iterator[EngineRegistry]:
    """Make `replacement` the process-wide registry inside the `with` block, then put back
    the one before (tests swap in registries with engines of their own this way)."""
    global _registry
    with _lock:
        previous, _registry = _registry, replacement
    try:
        yield replacement
    finally:
        with _lock:
            _registry = previous


def add_model(
    file: str | os.PathLike[str],
    model_id: str | None = None,
    progress: Progress | None = None,
    notes: str = "",
) -> ModelInfo:
    """Add a model file to the models folder (see `restorer.models.store.add`) under an id
    no engine uses, and list it among the engines if it inpaints."""
    from restorer.models.store import add

    info = add(file, model_id, progress, taken_ids=registry().ids(), notes=notes)
    registry().refresh()
    return info


def get_model(library_id: str, progress: Progress | None = None) -> ModelInfo:
    """Download a model of the library, verify it and add it (see
    `restorer.models.download.get_model`) under an id no engine uses; list it among the
    engines if it inpaints."""
    from restorer.models.download import get_model as download_and_add

    info = download_and_add(library_id, progress, taken_ids=registry().ids())
    registry().refresh()
    return info


def remove_model(model_id: str) -> ModelInfo | None:
    """Free a model if it is loaded, delete it from the models folder (see
    `restorer.models.store.remove`) and drop its engine."""
    from restorer.models.runtime import model_cache
    from restorer.models.store import remove

    model_cache().evict(model_id)
    try:
        return remove(model_id)
    finally:
        registry().refresh()
