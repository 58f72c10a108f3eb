"""The settings of one restoration model's training, saved as versioned JSON next to
its checkpoint (the same way the GAN studio's are)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from restorer.train.arches import (
    DEFAULT_ARCH,
    DEFAULT_DEGRADATIONS,
    MASK_KINDS,
    ModelBuildError,
    arch_size,
)

FORMAT_VERSION = 1
OLDEST_READABLE_VERSION = 1
LOSSES = ("charbonnier", "l1")


class TrainConfigError(ModelBuildError):
    """Settings no model can be trained with, or a damaged settings file."""


@dataclass
class TrainConfig:
    """What is trained (task, architecture, size, damage) and how (crops, batch, loss)."""

    task: str = "filter"  # "filter" or "inpaint"
    arch: str = ""  # default: compact for filters, lama for inpainting
    size: str = "small"
    degradations: str = DEFAULT_DEGRADATIONS  # filters: see restorer.train.degrade
    mask_kinds: str = ",".join(MASK_KINDS)  # inpainting
    crop: int = 64
    batch: int = 8
    lr: float = 5e-4
    betas: tuple[float, float] = (0.9, 0.99)
    loss: str = "charbonnier"
    # inpainting: adversarial loss of a spectral-norm patch discriminator + feature matching
    adv_weight: float = 0.05
    fm_weight: float = 1.0
    lr_d: float = 2e-4
    disc_width: int = 32
    ema_decay: float = 0.999  # ramped up as (1 + step) / (10 + step) early on
    seed: int = 0
    checkpoint_every: int = 200
    eval_every: int = 100
    validation: float = 0.1  # share of the photos held out
    val_crop: int = 128
    val_limit: int = 16  # validation photos scored during training (all at the end)
    max_side: int = 1024
    finetune_from: str = ""  # a model id in the models folder (LaMa, fine-tuned at full width)
    dataset: str = ""
    images: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.arch:
            self.arch = DEFAULT_ARCH.get(self.task, "")

    def validate(self) -> TrainConfig:
        from restorer.train.degrade import parse_degradations, parse_mask_kinds

        arch_size(self.task, self.arch, self.size)
        if self.task == "filter":
            parse_degradations(self.degradations)
        else:
            parse_mask_kinds(self.mask_kinds)
        if self.loss not in LOSSES:
            raise TrainConfigError(f"Unknown loss '{self.loss}'; use {' or '.join(LOSSES)}.")
        if self.crop < 16 or self.crop % 8:
            raise TrainConfigError("Crops must be at least 16 px and a multiple of 8.")
        if self.batch < 1:
            raise TrainConfigError("The batch must hold at least one crop.")
        if self.lr <= 0 or self.lr_d <= 0:
            raise TrainConfigError("Learning rates must be positive.")
        if not 0 <= self.ema_decay < 1:
            raise TrainConfigError("The EMA decay must lie in [0, 1).")
        if not 0 < self.validation < 1:
            raise TrainConfigError("The validation share must lie between 0 and 1.")
        return self

    def task_spec(self):
        """What the training pairs are (a `restorer.train.data.Task`)."""
        from restorer.train.data import Task
        from restorer.train.degrade import parse_degradations, parse_mask_kinds

        if self.task == "filter":
            return Task("filter", degradations=parse_degradations(self.degradations))
        return Task("inpaint", mask_kinds=parse_mask_kinds(self.mask_kinds))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["betas"] = list(self.betas)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        if "betas" in values:
            values["betas"] = tuple(float(b) for b in values["betas"])
        try:
            config = cls(**values)
        except TypeError as exc:
            raise TrainConfigError(f"The training settings are damaged: {exc}") from exc
        return config.validate()


def dumps_document(config: TrainConfig, state: dict[str, Any]) -> str:
    from restorer.checkpoints import dumps_document

    return dumps_document(FORMAT_VERSION, config.to_dict(), state)


def loads_document(text: str, origin: str = "config.json") -> tuple[TrainConfig, dict[str, Any]]:
    """(settings, training state) from a checkpoint's JSON, refusing other formats."""
    from restorer.checkpoints import parse_document

    document = parse_document(
        text, origin, FORMAT_VERSION, OLDEST_READABLE_VERSION, "training", TrainConfigError
    )
    config = TrainConfig.from_dict(document.get("config") or {})
    return config, dict(document.get("state") or {})
