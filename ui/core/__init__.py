"""Shared window infrastructure: jobs, numpy<->QImage, theme, dialogs, widgets, settings."""
