"""Model files the user adds: the models folder, safe loading, detection, running.

    >>> from restorer import catalog, models
    >>> info = catalog.add_model("big-lama.safetensors")   # detect, copy into the folder
    >>> [m.id for m in models.list()]
    >>> catalog.remove_model(info.id)

Inpainting models become repair engines (`restorer.models.engines`, listed by
`restorer.catalog`); image-to-image models become Restore filters (`restorer.filters`).
Adding and removing go through the catalog so the engine list follows; this package knows
nothing of engines. Importing it is cheap: torch and spandrel load only when a model is
added or run.
"""

from restorer.models.info import ModelInfo
from restorer.models.store import get, list_models
from restorer.paths import models_dir

list = list_models  # noqa: A001 - `models.list()` reads as the brief says

__all__ = ["ModelInfo", "get", "list", "list_models", "models_dir"]
