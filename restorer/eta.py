"""Time left for a job, from how far it got and how long that took.

`TimeLeft` is fed the job's progress fraction now and then; it says nothing for the first
second (too early to judge) or before a little progress is made, then a rounded
estimate that moves smoothly rather than jumping with each report.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

SETTLE_SECONDS = 1.0  # no estimate before the job has run this long
MIN_FRACTION = 0.02  # ...or before this much of it is done
SMOOTHING = 0.3  # weight of a new estimate against the running one


class TimeLeft:
    """Estimates the seconds a job still needs: elapsed × (1 − f) / f, smoothed."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._start = clock()
        self._estimate: float | None = None

    def restart(self) -> None:
        self._start = self._clock()
        self._estimate = None

    def update(self, fraction: float) -> float | None:
        """The seconds left after reaching `fraction` (0..1); None while unknown."""
        elapsed = self._clock() - self._start
        if not math.isfinite(fraction) or elapsed < SETTLE_SECONDS or fraction < MIN_FRACTION:
            return None
        fraction = min(fraction, 1.0)
        raw = elapsed * (1.0 - fraction) / fraction
        if self._estimate is None:
            self._estimate = raw
        else:
            # The running estimate also counts down between reports.
            self._estimate = SMOOTHING * raw + (1 - SMOOTHING) * self._estimate
        return self._estimate


def describe_time_left(seconds: float | None) -> str:
    """'about 5 s left', 'about 2 min left', 'about 1 h 10 min left'; '' when unknown."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return ""
    if seconds < 10:
        return "a few seconds left"
    if seconds < 60:
        return f"about {int(round(seconds / 5) * 5)} s left"
    minutes = int(round(seconds / 60))
    if minutes < 60:
        return f"about {minutes} min left"
    hours, minutes = divmod(minutes, 60)
    return f"about {hours} h {minutes} min left" if minutes else f"about {hours} h left"
