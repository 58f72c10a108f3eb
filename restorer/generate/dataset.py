"""A folder of the user's pictures, ready for training: every image scaled once so its
short side is a little larger than the model's size; each batch takes random crops and
random mirror images of those, drawn from the trainer's own random generator.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch

from restorer.errors import ImageReadError
from restorer.generate.config import GanError
from restorer.imageio import READ_EXTENSIONS, load_image
from restorer.progress import Progress

MIN_IMAGES = 50
# Images are kept with the short side this much larger than the model's size, so crops
# vary in position while still showing most of each picture.
CROP_MARGIN = 1.125


@dataclass
class ImageFolder:
    """Decoded, resized training images (uint8, each at least size × size)."""

    folder: Path
    size: int
    images: list[np.ndarray]
    skipped: list[str] = field(default_factory=list)  # "name: reason" for unreadable files
    names: list[str] = field(default_factory=list)  # file name of each image

    def __len__(self) -> int:
        return len(self.images)

    def batch(self, count: int, gen: torch.Generator) -> torch.Tensor:
        """`count` random crops (with random mirror) as N × 3 × size × size in [-1, 1]."""
        picks = torch.randint(0, len(self.images), (count,), generator=gen).tolist()
        out = np.empty((count, self.size, self.size, 3), np.uint8)
        for i, index in enumerate(picks):
            image = self.images[index]
            h, w = image.shape[:2]
            top = int(torch.randint(0, h - self.size + 1, (1,), generator=gen))
            left = int(torch.randint(0, w - self.size + 1, (1,), generator=gen))
            crop = image[top : top + self.size, left : left + self.size]
            if bool(torch.rand((), generator=gen) < 0.5):
                crop = crop[:, ::-1]
            out[i] = crop
        return to_tensor(out)

    def center_crops(self, limit: int | None = None) -> np.ndarray:
        """The middle size × size crop of each image (N × size × size × 3 uint8)."""
        chosen = self.images if limit is None else self.images[:limit]
        crops = []
        for image in chosen:
            h, w = image.shape[:2]
            top, left = (h - self.size) // 2, (w - self.size) // 2
            crops.append(image[top : top + self.size, left : left + self.size])
        return np.stack(crops)


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """N × H × W × 3 uint8 → N × 3 × H × W float in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float() / 127.5 - 1.0


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """N × 3 × H × W in [-1, 1] → N × H × W × 3 uint8."""
    scaled = (images.detach().float().clamp(-1, 1) + 1.0) * 127.5
    return scaled.round().to(torch.uint8).permute(0, 2, 3, 1).contiguous().numpy()


def fit_short_side(image: np.ndarray, short: int) -> np.ndarray:
    """Resize so the short side is `short` px (area filter when shrinking)."""
    h, w = image.shape[:2]
    scale = short / min(h, w)
    size = (max(short, round(w * scale)), max(short, round(h * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(image, size, interpolation=interpolation)


def image_files(folder: Path) -> list[Path]:
    """The picture files directly inside `folder`, sorted by name."""
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in READ_EXTENSIONS
    )


def read_folder(
    folder: str | os.PathLike[str],
    prepare: Callable[[np.ndarray], np.ndarray | str],
    *,
    minimum: int,
    error: type,
    noun: str,
    hint: str,
    progress: Progress | None = None,
) -> tuple[Path, list[Path], list[np.ndarray], list[str], list[str]]:
    """Read the `noun` (pictures, photos) directly inside `folder` for training.

    `prepare(rgb)` turns each readable photo into what training keeps, or into a reason to
    skip it. Returns (folder, files, kept images, their names, skipped lines "name: why");
    a folder with fewer than `minimum` files is refused with `error`, and so is a path
    that is not a folder. The caller decides whether enough images were usable.
    """
    progress = progress or Progress()
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise error(f"{path} is not a folder of {noun}.")
    files = image_files(path)
    if len(files) < minimum:
        raise error(f"{path} holds {len(files)} {noun}; training needs at least {minimum}. {hint}")
    images: list[np.ndarray] = []
    names: list[str] = []
    skipped: list[str] = []
    for index, file in enumerate(files):
        progress.update(index / len(files), f"Reading {file.name}")
        try:
            photo = load_image(file)
        except ImageReadError as exc:
            skipped.append(f"{file.name}: {exc}")
            continue
        kept = prepare(photo.rgb)
        if isinstance(kept, str):
            skipped.append(f"{file.name}: {kept}")
            continue
        images.append(kept)
        names.append(file.name)
    progress.update(1.0, f"Read {len(images)} {noun}")
    return path, files, images, names, skipped


def load_folder(
    folder: str | os.PathLike[str],
    size: int,
    progress: Progress | None = None,
    minimum: int = MIN_IMAGES,
) -> ImageFolder:
    """Read every picture in `folder` for training at `size` px.

    Unreadable files are skipped and listed; fewer than `minimum` readable pictures is
    refused with a `GanError`, since a GAN cannot learn anything from so few.
    """
    short = max(size, round(size * CROP_MARGIN))
    path, files, images, names, skipped = read_folder(
        folder,
        lambda rgb: fit_short_side(rgb, short),
        minimum=minimum,
        error=GanError,
        noun="pictures",
        hint="Add more pictures of the same kind.",
        progress=progress,
    )
    if len(images) < minimum:
        raise GanError(
            f"Only {len(images)} of the {len(files)} pictures in {path} could be read "
            f"({len(skipped)} skipped); training needs at least {minimum}."
        )
    return ImageFolder(path, size, images, skipped, names)
