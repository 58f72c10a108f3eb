"""Builders for the GAN tests: a tiny folder of pictures and a tiny model's settings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from restorer.generate.config import GanConfig


def tiny_folder(folder: Path, count: int = 50, seed: int = 0) -> Path:
    """`count` pictures of 16–40 px: a coloured band across a plain background."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for index in range(count):
        height, width = (int(v) for v in rng.integers(16, 41, 2))
        image = np.empty((height, width, 3), np.uint8)
        image[:] = rng.integers(0, 256, 3)
        image[height // 3 : 2 * height // 3] = rng.integers(0, 256, 3)
        Image.fromarray(image).save(folder / f"picture-{index:02d}.png")
    return folder


def tiny_config(**changes) -> GanConfig:
    """An 8 px model small enough to train a few steps in a blink."""
    values = dict(
        size=8,
        z_dim=16,
        channels=8,
        max_channels=16,
        batch=4,
        checkpoint_every=1000,
        sample_every=0,
    )
    values.update(changes)
    return GanConfig(**values)


@pytest.fixture(autouse=True)
def single_torch_thread():
    """Tiny models train fastest on one thread (and never stall on a busy machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
