"""Per-user folders: models, autosaves, settings.

`RESTORER_DATA_DIR` / `RESTORER_CONFIG_DIR` override the platform defaults (tests and
portable installs use them).
"""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """Where Restorer keeps models, checkpoints and crash-recovery state."""
    override = os.environ.get("RESTORER_DATA_DIR")
    if override:
        path = Path(override)
    else:
        from platformdirs import user_data_path

        path = user_data_path("Restorer", appauthor=False)
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    """Where Restorer keeps its settings."""
    override = os.environ.get("RESTORER_CONFIG_DIR")
    if override:
        path = Path(override)
    else:
        from platformdirs import user_config_path

        path = user_config_path("Restorer", appauthor=False)
    path.mkdir(parents=True, exist_ok=True)
    return path


def models_dir() -> Path:
    """The models folder: files the user added, and generators they trained."""
    path = data_dir() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def autosave_dir() -> Path:
    """Crash-recovery state of the open document."""
    path = data_dir() / "autosave"
    path.mkdir(parents=True, exist_ok=True)
    return path
