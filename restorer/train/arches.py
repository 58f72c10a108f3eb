"""Which networks the studio can train, at which sizes (no torch: the command line
builds its help from this)."""

from __future__ import annotations

from dataclasses import dataclass

from restorer.errors import RestorerError

# Degradations, in the order they are applied, and the kinds of inpainting masks.
DEGRADATION_ORDER = (
    "blur",
    "downscale",
    "noise",
    "poisson",
    "grain",
    "jpeg",
    "scratches",
    "dust",
    "cracks",
)
MASK_KINDS = ("scratch", "stroke", "blob")
DEFAULT_DEGRADATIONS = "noise:25,jpeg:30-90"

FULL_LAMA_WIDTH = 64
FULL_LAMA_BLOCKS = 18


class ModelBuildError(RestorerError):
    """An architecture or size the studio cannot build."""


@dataclass(frozen=True)
class ArchSize:
    width: int
    depth: int


# task -> arch -> size name -> (width, depth). Compact: features and body convolutions;
# LaMa: base channels and residual blocks.
ARCHES: dict[str, dict[str, dict[str, ArchSize]]] = {
    "filter": {
        "compact": {
            "tiny": ArchSize(8, 2),
            "small": ArchSize(32, 8),
            "medium": ArchSize(48, 12),
            "large": ArchSize(64, 16),
        },
    },
    "inpaint": {
        "lama": {
            "tiny": ArchSize(4, 1),
            "small": ArchSize(16, 3),
            "medium": ArchSize(32, 6),
            "full": ArchSize(FULL_LAMA_WIDTH, FULL_LAMA_BLOCKS),
        },
    },
}
DEFAULT_ARCH = {"filter": "compact", "inpaint": "lama"}


def arch_size(task: str, arch: str, size: str) -> ArchSize:
    """The (width, depth) of `arch` at `size` for `task`, or `ModelBuildError`."""
    if task not in ARCHES:
        raise ModelBuildError(f"Unknown task '{task}'; use filter or inpaint.")
    if arch not in ARCHES[task]:
        raise ModelBuildError(
            f"A {task} model cannot use architecture '{arch}'; use {', '.join(ARCHES[task])}."
        )
    sizes = ARCHES[task][arch]
    if size not in sizes:
        raise ModelBuildError(f"Size '{size}' is not one of {', '.join(sizes)}.")
    return sizes[size]
