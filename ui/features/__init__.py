"""The window's features, one folder per area; each exports `install(shell)` (see `ui.shell`)."""
