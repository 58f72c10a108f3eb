"""The settings of one GAN: what the networks look like and how they are trained.

Saved as JSON next to the weights, with a `format_version` so a checkpoint written by an
older or newer Restorer is either migrated or refused with a sentence that says why.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from restorer import checkpoints
from restorer.errors import RestorerError

FORMAT_VERSION = 2
OLDEST_READABLE_VERSION = 2  # format 2: widths follow resolution, edge padding in G
SIZES = (8, 16, 32, 64, 128)
LOSSES = ("hinge", "nonsaturating")
AUGMENTS = ("color", "translation", "cutout")


class GanError(RestorerError):
    """A GAN could not be trained, loaded or used (the message says why)."""


@dataclass
class GanConfig:
    """Architecture and training settings. Everything needed to rebuild the networks."""

    size: int = 32
    z_dim: int = 128
    channels: int = 16  # width at 32 px; doubles per halving (to max_channels), halves above
    max_channels: int = 256
    batch: int = 16
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.0, 0.99)
    loss: str = "hinge"
    augment: tuple[str, ...] = AUGMENTS
    # EMA of the generator (Karras et al. 2020): its half-life is `ema_images` pictures,
    # but never more than `ema_rampup` of the pictures seen so far, so early on the
    # average follows the fast-changing generator instead of blurring its past.
    ema_images: int = 10_000
    ema_rampup: float = 0.05
    seed: int = 0
    checkpoint_every: int = 500
    sample_every: int = 100
    dataset: str = ""  # the folder trained on, for the person's information
    images: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> GanConfig:
        """Raise `GanError` for a setting no network can be built with."""
        if self.size not in SIZES:
            raise GanError(f"Image size must be one of {', '.join(map(str, SIZES))} px.")
        if self.loss not in LOSSES:
            raise GanError(f"Unknown loss '{self.loss}'; use {' or '.join(LOSSES)}.")
        unknown = [name for name in self.augment if name not in AUGMENTS]
        if unknown:
            raise GanError(f"Unknown augmentation {', '.join(unknown)}; use {', '.join(AUGMENTS)}.")
        if self.batch < 2:
            raise GanError("The batch must hold at least 2 images.")
        if self.ema_images < 0 or self.ema_rampup < 0:
            raise GanError("The EMA half-life and ramp-up must not be negative.")
        if self.lr_g <= 0 or self.lr_d <= 0:
            raise GanError("Learning rates must be positive.")
        if self.z_dim < 1 or self.channels < 1 or self.max_channels < self.channels:
            raise GanError("Network widths must be positive (max_channels ≥ channels).")
        return self

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["betas"] = list(self.betas)
        data["augment"] = list(self.augment)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GanConfig:
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        if "betas" in values:
            values["betas"] = tuple(float(b) for b in values["betas"])
        if "augment" in values:
            values["augment"] = tuple(values["augment"])
        try:
            config = cls(**values)
        except TypeError as exc:
            raise GanError(f"The GAN settings are damaged: {exc}") from exc
        return config.validate()


def dumps_document(config: GanConfig, state: dict[str, Any]) -> str:
    """The JSON written next to a checkpoint's weights."""
    return checkpoints.dumps_document(FORMAT_VERSION, config.to_dict(), state)


def loads_document(text: str, origin: str = "config.json") -> tuple[GanConfig, dict[str, Any]]:
    """(config, training state) from a checkpoint's JSON, migrating older formats."""
    document = checkpoints.parse_document(
        text, origin, FORMAT_VERSION, OLDEST_READABLE_VERSION, "GAN", GanError
    )
    # Future formats add their upgrade steps here: while version < FORMAT_VERSION: ...
    config = GanConfig.from_dict(document.get("config") or {})
    return config, dict(document.get("state") or {})
