"""The view of the open photo: image pyramid, mask layer, brush, zoom and pan, previews."""

from ui.canvas.canvas import BRUSH, ERASER, Canvas, ToolHandler

__all__ = ["BRUSH", "ERASER", "Canvas", "ToolHandler"]
