"""Crash recovery: autosave of the working state, and the offer to restore it at start."""

from __future__ import annotations

from ui.features.recovery.autosave import Autosaver
from ui.shell import Shell


def install(shell: Shell) -> Autosaver:
    return Autosaver(shell)
