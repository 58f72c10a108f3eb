"""Restorer's settings file (QSettings, INI, in the per-user config folder).

Each feature reads its own keys when it is installed and writes them when the window
closes (`Shell.closing`); `number` and `flag` read values that may be missing or odd.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

from restorer.paths import config_dir


def settings() -> QSettings:
    """Restorer's settings file, in the per-user config folder."""
    return QSettings(str(config_dir() / "restorer.ini"), QSettings.Format.IniFormat)


def number(value: object, default: float) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


def flag(value: object, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower() in ("true", "1", "yes")
    return bool(value)
