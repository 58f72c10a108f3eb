"""The generator and discriminator: small DCGAN-style networks that train on a CPU.

The generator upsamples with nearest-neighbour resizing followed by a 3×3 convolution
(never a transposed convolution), which avoids checkerboard artefacts. Batch
normalisation keeps a batch of samples varied while training; in evaluation mode (how
samples are made) it uses running statistics, so a sample depends only on its own noise. Every weight layer of the discriminator is spectrally normalised, which keeps it
Lipschitz and small-data training stable.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from restorer.generate.config import GanConfig


def _width(config: GanConfig, resolution: int) -> int:
    """Channels at a resolution: `channels` at full size, doubling per halving."""
    return min(config.max_channels, config.channels * (config.size // resolution))


class UpBlock(nn.Module):
    """Nearest ×2, then two 3×3 convolutions."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(c_in, c_out, 3, padding=1),
            nn.BatchNorm2d(c_out),
            nn.LeakyReLU(0.2),
            nn.Conv2d(c_out, c_out, 3, padding=1),
            nn.BatchNorm2d(c_out),
            nn.LeakyReLU(0.2),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class Generator(nn.Module):
    """Noise (N × z_dim) → images (N × 3 × size × size) in [-1, 1]."""

    def __init__(self, config: GanConfig) -> None:
        super().__init__()
        self.z_dim = config.z_dim
        c4 = _width(config, 4)
        self.c4 = c4
        self.project = nn.Linear(config.z_dim, c4 * 16)
        self.stem = nn.Sequential(nn.BatchNorm2d(c4), nn.LeakyReLU(0.2))
        blocks = []
        resolution = 4
        while resolution < config.size:
            blocks.append(UpBlock(_width(config, resolution), _width(config, resolution * 2)))
            resolution *= 2
        self.blocks = nn.Sequential(*blocks)
        self.to_rgb = nn.Conv2d(_width(config, config.size), 3, 1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        z = z * torch.rsqrt(z.pow(2).mean(dim=1, keepdim=True) + 1e-8)
        x = self.stem(self.project(z).view(-1, self.c4, 4, 4))
        return torch.tanh(self.to_rgb(self.blocks(x)))


class DownBlock(nn.Module):
    """Two spectrally normalised 3×3 convolutions, then 2×2 average pooling."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            spectral_norm(nn.Conv2d(c_in, c_in, 3, padding=1)),
            nn.LeakyReLU(0.2),
            spectral_norm(nn.Conv2d(c_in, c_out, 3, padding=1)),
            nn.LeakyReLU(0.2),
            nn.AvgPool2d(2),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class Discriminator(nn.Module):
    """Images (N × 3 × size × size) → one realness score each."""

    def __init__(self, config: GanConfig) -> None:
        super().__init__()
        self.from_rgb = nn.Sequential(
            spectral_norm(nn.Conv2d(3, _width(config, config.size), 1)), nn.LeakyReLU(0.2)
        )
        blocks = []
        resolution = config.size
        while resolution > 4:
            blocks.append(DownBlock(_width(config, resolution), _width(config, resolution // 2)))
            resolution //= 2
        self.blocks = nn.Sequential(*blocks)
        c4 = _width(config, 4)
        self.head = nn.Sequential(
            spectral_norm(nn.Conv2d(c4, c4, 3, padding=1)),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            spectral_norm(nn.Linear(c4 * 16, 1)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.blocks(self.from_rgb(x))).view(-1)


def build_networks(config: GanConfig, seed: int | None = None) -> tuple[Generator, Discriminator]:
    """A fresh generator and discriminator, initialised reproducibly from `seed`.

    The global torch RNG is forked, so building networks never disturbs other code.
    """
    config.validate()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed if seed is None else seed)
        return Generator(config), Discriminator(config)


def parameter_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
