"""Noise from seeds, interpolation between seeds, and sample grids.

A seed always gives the same noise vector: image i of "N images from seed S" uses the
i-th vector drawn from a generator seeded with S, so the first image of seed S is the
same whether one or a hundred are made.
"""

from __future__ import annotations

import math

import numpy as np
import torch


def latents(seed: int, count: int, z_dim: int) -> torch.Tensor:
    """`count` standard-normal noise vectors from `seed` (count × z_dim, CPU)."""
    generator = torch.Generator().manual_seed(int(seed) & 0xFFFF_FFFF_FFFF_FFFF)
    return torch.randn(count, z_dim, generator=generator)


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation between two noise vectors (t = 0 → a, t = 1 → b)."""
    if t <= 0.0:
        return a.clone()
    if t >= 1.0:
        return b.clone()
    cos = torch.dot(a, b) / (a.norm() * b.norm()).clamp_min(1e-12)
    omega = torch.arccos(cos.clamp(-1.0, 1.0))
    if float(omega) < 1e-6:
        return torch.lerp(a, b, t)
    sin = torch.sin(omega)
    return (torch.sin((1 - t) * omega) / sin) * a + (torch.sin(t * omega) / sin) * b


def interpolation_latents(seed_a: int, seed_b: int, steps: int, z_dim: int) -> torch.Tensor:
    """`steps` vectors from seed_a's first vector to seed_b's, along the sphere."""
    if steps < 2:
        raise ValueError("an interpolation needs at least 2 steps")
    a, b = latents(seed_a, 1, z_dim)[0], latents(seed_b, 1, z_dim)[0]
    return torch.stack([slerp(a, b, i / (steps - 1)) for i in range(steps)])


def grid(images: np.ndarray, columns: int | None = None, gap: int = 2) -> np.ndarray:
    """Lay N × H × W × 3 images out in a near-square grid with a dark gap between them."""
    count, height, width = images.shape[:3]
    columns = columns or math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    out = np.full(
        (rows * height + (rows - 1) * gap, columns * width + (columns - 1) * gap, 3), 24, np.uint8
    )
    for index in range(count):
        r, c = divmod(index, columns)
        top, left = r * (height + gap), c * (width + gap)
        out[top : top + height, left : left + width] = images[index]
    return out
