"""The open photo, its mask and its undo commands."""

from ui.document.document import Document

__all__ = ["Document"]
