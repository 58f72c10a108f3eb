"""The composition root: builds the window, installs the features, starts the app.

`python main.py [IMAGE]` opens the bundled sample photo when no image is given. The
window is a frame (`ui.main_window`); everything it can do comes from the features in
`FEATURES`, installed in this order (the order of their menu entries and tool bar
buttons). Each is `ui/features/<area>/` exporting `install(shell)`; see `ui.shell`.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import sys
import traceback
from pathlib import Path

from PySide6.QtWidgets import QApplication

from ui.core.theme import SAMPLE_PHOTO, apply_theme

log = logging.getLogger("restorer.app")

# The features, in the order they are installed (menu entries and tool bar groups follow
# it). Preferences come last: they restore the layout of everything installed before.
FEATURES = (
    "files",
    "folder",
    "edit",
    "repair",
    "mask",
    "retouch",
    "damage",
    "view",
    "navigator",
    "image",
    "models",
    "train",
    "generate",
    "help",
    "recovery",
    "preferences",
)


def build_window(*, inline_jobs: bool = False):
    """The main window with every feature installed (not shown yet).

    `inline_jobs` runs jobs on the GUI thread (the synchronous fake, for tests).
    """
    from ui.main_window import MainWindow

    window = MainWindow(inline_jobs=inline_jobs)
    for area in FEATURES:
        feature = importlib.import_module(f"ui.features.{area}")
        window.features[area] = feature.install(window)
    return window


def freeze_start_up(window) -> None:
    """Put what start-up made out of the garbage collector's reach (`gc.freeze`), now and
    again once the device check has imported PyTorch.

    A full collection walks every object the interpreter holds: with Qt's wrappers,
    NumPy and PyTorch loaded that is over 200 000 objects and about 110 ms on a 2-core
    machine, in whichever thread happens to trigger it, and meanwhile the window cannot
    paint (`benchmarks/ui_responsiveness.py --cycles`). Start-up objects live as long as
    the app, so collections need not look at them.
    """
    gc.freeze()
    choice = window.engine_choice
    if choice.device_info is not None:
        return

    def device_known() -> None:
        if choice.device_info is not None:
            choice.changed.disconnect(device_known)
            gc.freeze()

    choice.changed.connect(device_known)


def parse_args(args: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="restorer-app",
        description="Repair photos: brush over the damage, press Repair.",
    )
    parser.add_argument(
        "image",
        nargs="?",
        type=Path,
        help="the photo to open (default: the bundled sample photo)",
    )
    return parser.parse_args(args)


def _report_unexpected(window, kind, value, trace) -> None:
    """Last resort for a bug in a slot: log it, tell the person, keep running."""
    log.error("Unexpected error:\n%s", "".join(traceback.format_exception(kind, value, trace)))
    if issubclass(kind, KeyboardInterrupt):
        QApplication.quit()
        return
    from ui.core.dialogs import show_error

    show_error(
        window,
        "Something went wrong",
        f"{value} ({kind.__name__}).\n\nYour photo is still open; details are in the log.",
    )


def create_window(argv: list[str]):
    """Parse the command line, then show the main window opening the photo it names.

    A photo that cannot be opened is reported in a dialog; the window stays open.
    """
    args = parse_args(argv[1:])
    window = build_window()
    window.show()
    freeze_start_up(window)
    recovery = window.features.get("recovery")
    if recovery is None or not recovery.offer_recovery():
        window.open_path(args.image if args.image is not None else SAMPLE_PHOTO)
    return window


def main(argv: list[str] | None = None) -> int:
    """Run the application; returns its exit status."""
    argv = list(sys.argv if argv is None else argv)
    parse_args(argv[1:])  # --help and usage errors before any window appears
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication(argv[:1])
    app.setApplicationName("Restorer")
    app.setOrganizationName("Restorer")
    apply_theme(app)
    window = create_window(argv)
    if "help" in window.features:  # a welcome card, on the very first start only
        window.features["help"].show_first_run_tip()
    previous_hook = sys.excepthook
    sys.excepthook = lambda *info: _report_unexpected(window, *info)
    try:
        return app.exec()
    finally:
        sys.excepthook = previous_hook
