"""Restorer's engine: repair and generate photos with no Qt and no network.

Importing this package is cheap: heavy libraries (torch, OpenCV) load only when an
engine that needs them runs.
"""

__version__ = "0.1.0"

# Before anything imports torch: OpenMP threads that sleep, not spin, when they wait
# (issue 14: spinning made the engine 13x slower on a busy machine). See
# `restorer.devices.apply_thread_policy`.
from restorer.devices import apply_thread_policy as _apply_thread_policy  # noqa: E402

_apply_thread_policy()
