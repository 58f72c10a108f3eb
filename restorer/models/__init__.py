"""Model files the user adds: the models folder, safe loading, detection, running.

    >>> from restorer import models
    >>> info = models.add("big-lama.safetensors")   # detect, copy into the folder
    >>> [m.id for m in models.list()]
    >>> models.remove(info.id)

Inpainting models become repair engines (`restorer.models.engines`); image-to-image
models become Restore filters (`restorer.filters`). Importing this package is cheap:
torch and spandrel load only when a model is added or run.
"""

from restorer.models.info import ModelInfo
from restorer.models.store import add, get, list_models, model_path, remove
from restorer.paths import models_dir

list = list_models  # noqa: A001 - `models.list()` reads as the brief says

__all__ = ["ModelInfo", "add", "get", "list", "list_models", "model_path", "models_dir", "remove"]
