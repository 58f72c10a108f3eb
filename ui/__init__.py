"""The Restorer desktop application (PySide6). Depends on `restorer`, never the reverse.

app.py          composition root: builds the window, installs the features in a list
shell.py        the `Shell` features talk to (menus and tool bars by id, actions, the
                document, canvas, jobs, engine choice, files, status)
main_window.py  the frame: menus and tool bars created up front, docks, status bar
core/           jobs (one `JobEvent` signal), numpy<->QImage, theme, dialogs, widgets,
                settings, the engine choice
document/       the open photo, its undo commands, opening and saving
canvas/         the view: pyramid, mask layer, brush, zoom and pan, previews
features/<area>/  one feature each, `install(shell)`; see `ui.shell`
"""
