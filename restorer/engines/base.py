"""The one interface every repair engine implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from restorer.progress import Progress


@dataclass(frozen=True)
class SizeRequirements:
    """What an engine needs of the pixels it is given.

    The region strategy honours these once, for every engine: it pads to `multiple_of`,
    enlarges below `min_side`, and resizes crops whose longer side exceeds
    `max_working_side` down for the fill and back up (applied only inside the hole).
    """

    min_side: int = 1
    multiple_of: int = 1
    max_working_side: int | None = None


class Engine(ABC):
    """A repair engine: fills the masked pixels of an RGB image from the rest.

    Subclasses set the class attributes and implement `inpaint`. `inpaint` may change
    pixels outside the mask; the caller (`restorer.regions`) puts the originals back.
    """

    id: str = ""
    label: str = ""
    description: str = ""
    short_label: str = ""  # the technical name, for progress messages ("PatchMatch")
    needs_weights: bool = False
    devices: tuple[str, ...] = ("cpu",)
    requirements: SizeRequirements = SizeRequirements()
    # Higher is preferred when no engine is named; only weight-free engines compete.
    rank: int = 0
    # Context to keep around each hole when working on crops, as a multiple of the
    # hole's size (plus `context_min` pixels). Exemplar engines want more than
    # diffusion engines.
    context_scale: float = 1.0
    context_min: int = 16

    @abstractmethod
    def inpaint(
        self,
        image: np.ndarray,
        mask: np.ndarray,
        progress: Progress,
        *,
        device: str = "cpu",
        seed: int = 0,
    ) -> np.ndarray:
        """Return an HxWx3 uint8 image with the `mask` (HxW bool) area rebuilt."""

    def context_cap(self, hole: np.ndarray) -> int | None:
        """The most context (px per side) the brushed group `hole` (HxW bool, cropped to
        it) can use, or None for no cap; e.g. a thin stroke needs only a band round it."""
        return None

    def release(self) -> None:  # noqa: B027 - optional hook
        """Free loaded weights or device memory, if any (called when switching engines)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}>"
