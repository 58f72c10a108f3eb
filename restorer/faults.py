"""Fault injection for the crash tests: a named point where a save can be killed.

`RESTORER_FAULT=<point>` in the environment makes the process end at once (like
`kill -9`: no `finally`, no clean-up) when it reaches that point. Unset, a point costs
one dictionary look-up. Points: `save.written`, `save.before_rename` (image saves);
`autosave.pixels`, `autosave.mask`, `autosave.meta`, `autosave.switched` (autosave).
"""

from __future__ import annotations

import os

KILLED = 137  # the status a process killed by SIGKILL reports in a shell


def point(name: str) -> None:
    """End the process here, without clean-up, if `RESTORER_FAULT` names this point."""
    if os.environ.get("RESTORER_FAULT") == name:
        os._exit(KILLED)
