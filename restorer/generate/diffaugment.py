"""Differentiable augmentation (Zhao et al. 2020, "DiffAugment").

The same random colour, translation and cutout are applied to real and generated
images before the discriminator sees them, so it cannot memorise a few hundred pictures,
while gradients still flow to the generator. All randomness comes from one
`torch.Generator`, so training is reproducible and resumes exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F


def _rand(x: torch.Tensor, gen: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.rand(x.shape[0], *shape, generator=gen, dtype=x.dtype).to(x.device)


def color(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random brightness, saturation and contrast per image."""
    x = x + (_rand(x, gen, 1, 1, 1) - 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (_rand(x, gen, 1, 1, 1) * 2) + mean
    mean = x.mean(dim=[1, 2, 3], keepdim=True)
    return (x - mean) * (_rand(x, gen, 1, 1, 1) + 0.5) + mean


def translation(x: torch.Tensor, gen: torch.Generator, ratio: float = 0.125) -> torch.Tensor:
    """Shift each image by up to `ratio` of its size, filling with zeros."""
    n, _, h, w = x.shape
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    ty = torch.randint(-sh, sh + 1, (n, 1, 1), generator=gen)
    tx = torch.randint(-sw, sw + 1, (n, 1, 1), generator=gen)
    gy, gx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    gy = torch.clamp(gy.unsqueeze(0) + ty + 1, 0, h + 1)
    gx = torch.clamp(gx.unsqueeze(0) + tx + 1, 0, w + 1)
    padded = F.pad(x, [1, 1, 1, 1])
    index = torch.arange(n).view(n, 1, 1)
    gy, gx, index = gy.to(x.device), gx.to(x.device), index.to(x.device)
    return padded.permute(0, 2, 3, 1)[index, gy, gx].permute(0, 3, 1, 2)


def cutout(x: torch.Tensor, gen: torch.Generator, ratio: float = 0.5) -> torch.Tensor:
    """Zero one random square of `ratio` the image's size per image."""
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    oy = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), generator=gen)
    ox = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), generator=gen)
    gy, gx = torch.meshgrid(torch.arange(ch), torch.arange(cw), indexing="ij")
    gy = torch.clamp(gy.unsqueeze(0) + oy - ch // 2, 0, h - 1)
    gx = torch.clamp(gx.unsqueeze(0) + ox - cw // 2, 0, w - 1)
    mask = torch.ones(n, h, w, dtype=x.dtype)
    mask[torch.arange(n).view(n, 1, 1), gy, gx] = 0
    return x * mask.unsqueeze(1).to(x.device)


_POLICY = {"color": color, "translation": translation, "cutout": cutout}


def diff_augment(x: torch.Tensor, policy: Sequence[str], gen: torch.Generator) -> torch.Tensor:
    """Apply the named augmentations in order (names from `GanConfig.augment`)."""
    for name in policy:
        x = _POLICY[name](x, gen)
    return x.contiguous()
