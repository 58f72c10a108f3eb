"""HEIC/HEIF through pillow-heif: once registered, Pillow opens and saves them itself."""

from __future__ import annotations

HEIF_EXTENSIONS = (".heic", ".heif", ".hif")
HEIF_SAVE_FORMATS = {".heic": "HEIF", ".heif": "HEIF"}

_registered: bool | None = None


def register_heif() -> bool:
    """Teach Pillow HEIC/HEIF; False when pillow-heif is not installed."""
    global _registered
    if _registered is None:
        try:
            import pillow_heif
        except ImportError:
            _registered = False
        else:
            pillow_heif.register_heif_opener()
            _registered = True
    return _registered
