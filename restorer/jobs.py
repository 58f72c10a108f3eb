"""Units of work the GUI hands to its worker thread (and tests run directly).

A job is plain data plus `run(progress)`; it knows nothing of Qt. The worker calls `run`
on its own thread and delivers the return value, or the exception, back to the window.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from restorer.progress import Progress


class Job(ABC):
    """Something long-running: an engine fill, a filter, a training run, a save."""

    title: str = "Working"
    # False for work that must complete once started (a save): Cancel leaves it alone.
    cancellable: bool = True
    # The engine the job runs, if any: the worker keeps it loaded and frees the others.
    engine_id: str | None = None

    @abstractmethod
    def run(self, progress: Progress) -> Any:
        """Do the work, reporting to `progress`; return the result."""

    def prepare_preview(self, preview: Any) -> Any:
        """What the window shows for `preview`, made ready on the worker thread.

        The worker calls this for each preview it sends (not those it drops), so that
        converting pixels costs the GUI thread nothing. The default passes it on.
        """
        return preview


def changed_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(top, left, bottom, right) bounding the True pixels of `mask`, or None."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


@dataclass
class PatchResult:
    """New pixels for one rectangle of the document (all that changed)."""

    box: tuple[int, int, int, int]  # top, left, bottom, right
    pixels: np.ndarray  # (bottom-top) x (right-left) x 3 uint8
    engine_id: str = ""
    device: str = "cpu"
    seconds: float = 0.0


@dataclass
class InpaintJob(Job):
    """Repair the masked pixels of an image with one engine."""

    image: np.ndarray
    mask: np.ndarray
    engine_id: str | None = None
    device: str = "auto"
    seed: int = 0
    title: str = field(default="Repairing")

    def run(self, progress: Progress) -> PatchResult | None:
        from restorer.catalog import registry
        from restorer.devices import resolve_device
        from restorer.regions import inpaint_regions

        box = changed_box(self.mask)
        if box is None:
            return None
        engine = registry().resolve(self.engine_id)
        device = resolve_device(self.device, engine.devices)
        started = time.perf_counter()
        result = inpaint_regions(
            engine, self.image, self.mask, progress, device=device, seed=self.seed
        )
        top, left, bottom, right = box
        return PatchResult(
            box=box,
            pixels=np.ascontiguousarray(result[top:bottom, left:right]),
            engine_id=engine.id,
            device=device,
            seconds=time.perf_counter() - started,
        )
