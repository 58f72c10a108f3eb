"""A one-line progress bar on stderr for long CLI work (quiet when not a terminal)."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from restorer.progress import Progress


class ProgressBar:
    """Draws `[#####.....]  45%  message` on one line, at most 10 times a second."""

    def __init__(self, stream: TextIO | None = None, width: int = 30, enabled: bool | None = None):
        self.stream = stream or sys.stderr
        self.width = width
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._last = 0.0
        self._drawn = False

    def __call__(self, fraction: float, message: str, preview: Any = None) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if fraction < 1.0 and now - self._last < 0.1:
            return
        self._last = now
        filled = int(round(self.width * fraction))
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r[{bar}] {fraction * 100:3.0f}%  {message[:60]:<60}")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

    def progress(self) -> Progress:
        return Progress(self)

    def __enter__(self) -> Progress:
        return self.progress()

    def __exit__(self, *exc) -> None:
        self.close()
