"""Training pairs from a folder of clean photos.

The photos are read once (shrunk so the long side is at most `max_side`, which also
cleans away sensor noise the model should not learn to keep), split into training and
validation photos by a seeded shuffle, and then every batch takes random crops with
random flips from the training photos and damages them on the fly. Every random choice
comes from the trainer's `torch.Generator` (each crop's damage from a seed drawn from it),
so a resumed run sees exactly the batches an uninterrupted one would.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch

from restorer.errors import RestorerError
from restorer.generate.dataset import read_folder
from restorer.progress import Progress
from restorer.train.degrade import Degradation, degrade, inpaint_mask

MIN_IMAGES = 50
VALIDATION_SEED = 2024


class TrainingDataError(RestorerError):
    """The folder cannot be trained on (missing, too few readable photos, too small)."""


@dataclass
class Task:
    """What the pairs are for: a clean-up filter (degradations) or inpainting (masks)."""

    kind: str  # "filter" or "inpaint"
    degradations: tuple[Degradation, ...] = ()
    mask_kinds: tuple[str, ...] = ()


@dataclass
class Pairs:
    """A batch as N × 3 × H × W floats in [0, 1]; `mask` N × 1 × H × W (inpainting only)."""

    degraded: torch.Tensor
    clean: torch.Tensor
    mask: torch.Tensor | None = None


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """N × H × W × 3 uint8 → N × 3 × H × W float in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float() / 255.0


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """N × 3 × H × W in [0, 1] → N × H × W × 3 uint8."""
    scaled = images.detach().float().clamp(0, 1) * 255.0
    return scaled.round().to(torch.uint8).permute(0, 2, 3, 1).contiguous().cpu().numpy()


def make_pair(clean: np.ndarray, task: Task, rng: np.random.Generator):
    """(degraded, mask) for one clean crop: damaged pixels for a filter, a brushed-style
    hole for inpainting (mask None for a filter)."""
    if task.kind == "inpaint":
        kind = task.mask_kinds[int(rng.integers(0, len(task.mask_kinds)))]
        return clean, inpaint_mask(kind, clean.shape[:2], rng)
    degraded, _ = degrade(clean, task.degradations, rng)
    return degraded, None


def stack_pairs(rows: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]) -> Pairs:
    degraded = to_tensor(np.stack([r[0] for r in rows]))
    clean = to_tensor(np.stack([r[1] for r in rows]))
    mask = None
    if rows[0][2] is not None:
        mask = torch.from_numpy(np.stack([r[2] for r in rows]).astype(np.float32))[:, None]
    return Pairs(degraded, clean, mask)


@dataclass
class PhotoFolder:
    """Clean photos split into training and validation photos."""

    folder: Path
    train: list[np.ndarray]
    validation: list[np.ndarray]
    train_names: list[str] = field(default_factory=list)
    validation_names: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def batch(self, count: int, crop: int, task: Task, gen: torch.Generator) -> Pairs:
        """`count` random crops (random flips) of the training photos, damaged for `task`."""
        rows = []
        picks = torch.randint(0, len(self.train), (count,), generator=gen).tolist()
        for index in picks:
            image = self.train[index]
            height, width = image.shape[:2]
            top = int(torch.randint(0, height - crop + 1, (1,), generator=gen))
            left = int(torch.randint(0, width - crop + 1, (1,), generator=gen))
            flips = torch.rand(2, generator=gen).tolist()
            seed = int(torch.randint(0, 2**31 - 1, (1,), generator=gen))
            clean = image[top : top + crop, left : left + crop]
            if flips[0] < 0.5:
                clean = clean[:, ::-1]
            if flips[1] < 0.5:
                clean = clean[::-1]
            clean = np.ascontiguousarray(clean)
            degraded, mask = make_pair(clean, task, np.random.default_rng(seed))
            rows.append((degraded, clean, mask))
        return stack_pairs(rows)

    def validation_pairs(self, crop: int, task: Task, limit: int | None = None) -> Pairs:
        """The centre crop of each validation photo (the same size for all: `crop` or the
        smallest photo's short side), damaged the same way every time."""
        rows = []
        chosen = self.validation if limit is None else self.validation[:limit]
        # One size for all (a batch), a multiple of 8 (LaMa's requirement).
        side = min([crop] + [min(image.shape[:2]) for image in chosen]) // 8 * 8
        for index, image in enumerate(chosen):
            height, width = image.shape[:2]
            top, left = (height - side) // 2, (width - side) // 2
            clean = np.ascontiguousarray(image[top : top + side, left : left + side])
            rng = np.random.default_rng([VALIDATION_SEED, index])
            degraded, mask = make_pair(clean, task, rng)
            rows.append((degraded, clean, mask))
        return stack_pairs(rows)


def shrink(image: np.ndarray, max_side: int) -> np.ndarray:
    """`image` with its long side at most `max_side` (area filter)."""
    height, width = image.shape[:2]
    scale = max_side / max(height, width)
    if scale >= 1:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def load_photos(
    folder: str | os.PathLike[str],
    crop: int,
    *,
    minimum: int = MIN_IMAGES,
    validation: float = 0.1,
    max_side: int = 1024,
    seed: int = 0,
    hold_out_all: bool = False,
    progress: Progress | None = None,
) -> PhotoFolder:
    """Read the photos in `folder` for training on `crop`-pixel crops.

    Unreadable files and photos smaller than a crop are skipped and listed; fewer than
    `minimum` usable photos is refused. At least one photo is held out for validation;
    `hold_out_all` makes every photo a validation photo (a separate test set).
    """

    def prepare(rgb: np.ndarray) -> np.ndarray | str:
        image = shrink(rgb, max_side)
        if min(image.shape[:2]) < crop:
            return f"smaller than a {crop} px crop"
        return np.ascontiguousarray(image)

    path, files, images, names, skipped = read_folder(
        folder,
        prepare,
        minimum=minimum,
        error=TrainingDataError,
        noun="photos",
        hint="Add more photos of the kind you want to restore.",
        progress=progress,
    )
    if hold_out_all and images:
        return PhotoFolder(path, [], images, [], names, skipped)
    if len(images) < max(2, minimum):
        raise TrainingDataError(
            f"Only {len(images)} of the {len(files)} photos in {path} could be used "
            f"({len(skipped)} skipped); training needs at least {max(2, minimum)}."
        )
    order = np.random.default_rng(seed).permutation(len(images))
    held = min(len(images) - 1, max(1, round(len(images) * validation)))
    val_idx, train_idx = sorted(order[:held]), sorted(order[held:])
    return PhotoFolder(
        path,
        [images[i] for i in train_idx],
        [images[i] for i in val_idx],
        [names[i] for i in train_idx],
        [names[i] for i in val_idx],
        skipped,
    )
