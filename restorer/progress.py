"""Progress reporting and cancellation shared by every engine.

An engine receives a `Progress`, calls `update()` as it goes (which also checks for
cancellation) and `check()` in tight loops. The caller — the CLI's progress bar, the GUI
worker, a test — supplies the callback and may call `cancel()` from any thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

ProgressCallback = Callable[[float, str, Any], None]


class Cancelled(Exception):  # noqa: N818 - reads better at the raise site
    """Raised inside an engine when the user cancelled the job."""


class Progress:
    """Reports a fraction in [0, 1], a message and an optional preview image.

    `span(a, b)` returns a child whose 0..1 maps onto this one's a..b, so nested
    steps (regions, pyramid levels, tiles) report into one bar.
    """

    def __init__(
        self,
        callback: ProgressCallback | None = None,
        cancel_event: threading.Event | None = None,
    ) -> None:
        self._callback = callback
        # Whether previews reach anyone (a child made by `map_preview` has a callback
        # of its own, but forwards only when its parent had one).
        self._listening = callback is not None
        self._cancel = cancel_event if cancel_event is not None else threading.Event()
        self._start = 0.0
        self._end = 1.0
        self.fraction = 0.0
        self.message = ""

    # -- cancellation -------------------------------------------------------
    def cancel(self) -> None:
        """Ask the running work to stop at its next check."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise `Cancelled` if cancellation was asked for."""
        if self._cancel.is_set():
            raise Cancelled()

    # -- reporting ----------------------------------------------------------
    @property
    def wants_previews(self) -> bool:
        """Whether previews reach anyone; without a listener, making them is wasted work."""
        return self._listening

    def update(self, fraction: float, message: str | None = None, preview: Any = None) -> None:
        """Report progress (fraction of this span) and check for cancellation."""
        self.check()
        fraction = min(1.0, max(0.0, float(fraction)))
        overall = self._start + (self._end - self._start) * fraction
        if message is not None:
            self.message = message
        self.fraction = overall
        if self._callback is not None:
            self._callback(overall, self.message, preview)

    def map_preview(self, transform: Callable[[Any], Any]) -> Progress:
        """A child over this same range whose previews pass through `transform` first
        (e.g. to place a crop's preview in the whole photo)."""
        callback = self._callback

        def mapped(fraction: float, message: str, preview: Any) -> None:
            if callback is not None:
                callback(fraction, message, None if preview is None else transform(preview))

        child = Progress(mapped, self._cancel)
        child._listening = self._listening
        child._start, child._end = self._start, self._end
        child.message = self.message
        return child

    def span(self, start: float, end: float) -> Progress:
        """A child reporting into [start, end] of this progress's own range."""
        child = Progress(self._callback, self._cancel)
        child._listening = self._listening
        width = self._end - self._start
        child._start = self._start + width * start
        child._end = self._start + width * end
        child.message = self.message
        return child
