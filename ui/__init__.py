"""The Restorer desktop application (PySide6). Depends on `restorer`, never the reverse."""
