"""Training a restoration network on damaged/clean pairs.

Clean-up filters learn with a Charbonnier (or L1) loss. Inpainting adds an adversarial
loss from a spectral-normalised patch discriminator and a feature-matching loss on its
features; there is no pretrained perceptual network offline, so LaMa's perceptual loss
is left out. The weights the model file gets are an exponential moving average (EMA) of
the trained ones. Every random number comes from one `torch.Generator` saved with the
checkpoint, so a resumed run continues exactly as an uninterrupted one. Pause, stop,
time estimates and the non-finite-loss stop are the GAN studio's.
"""

from __future__ import annotations

import contextlib
import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from restorer.checkpoints import Curves, WeightAverage
from restorer.generate.trainer import TrainingControl, TrainingDiverged, format_duration
from restorer.progress import Progress
from restorer.train.config import TrainConfig
from restorer.train.data import Pairs, PhotoFolder, to_uint8
from restorer.train.models import SmallLaMa, build_network, run_network

LOG_EVERY = 10
STRIP_SAMPLES = 4


class PatchDiscriminator(nn.Module):
    """A PatchGAN (70 px receptive field at full depth) with spectral normalisation; sees
    picture + mask and returns its score map and the features for feature matching."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        sn = nn.utils.spectral_norm
        widths = [4, width, width * 2, width * 4]
        self.layers = nn.ModuleList(
            nn.Sequential(sn(nn.Conv2d(a, b, 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True))
            for a, b in zip(widths[:-1], widths[1:], strict=True)
        )
        self.score = sn(nn.Conv2d(widths[-1], 1, 3, 1, 1))

    def forward(self, image: torch.Tensor, mask: torch.Tensor):
        x = torch.cat([image * 2 - 1, mask], 1)
        features = []
        for layer in self.layers:
            x = layer(x)
            features.append(x)
        return self.score(x), features


def charbonnier(a: torch.Tensor, b: torch.Tensor, weight: torch.Tensor | None = None):
    value = torch.sqrt((a - b) ** 2 + 1e-6)
    if weight is None:
        return value.mean()
    return (value * weight).sum() / (weight.sum() * a.shape[1]).clamp_min(1.0)


def l1(a: torch.Tensor, b: torch.Tensor, weight: torch.Tensor | None = None):
    value = (a - b).abs()
    if weight is None:
        return value.mean()
    return (value * weight).sum() / (weight.sum() * a.shape[1]).clamp_min(1.0)


@dataclass
class History(Curves):
    """Training loss (means over `LOG_EVERY` steps) and validation PSNR during training."""

    steps: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    val_steps: list[int] = field(default_factory=list)
    val_psnr: list[float] = field(default_factory=list)
    val_seconds: list[float] = field(default_factory=list)  # training time when measured


@dataclass
class RestorationStatus:
    """What the person sees about a run."""

    step: int
    total: int
    loss: float
    steps_per_s: float
    seconds_left: float
    history: History
    device: str = "cpu"
    val_psnr: float | None = None  # when measured this step
    strip: np.ndarray | None = None  # degraded | model | clean rows, when refreshed


class RestorationTrainer:
    """Network, its EMA, (for inpainting) the discriminator, optimisers, random state."""

    def __init__(
        self,
        config: TrainConfig,
        data: PhotoFolder | None = None,
        device: str = "cpu",
        initial: nn.Module | None = None,
    ) -> None:
        self.config = config.validate()
        self.task = config.task_spec()
        self.data = data
        self.device = torch.device(device)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            self.net = (
                initial
                if initial is not None
                else build_network(config.task, config.arch, config.size)
            )
            self.d = PatchDiscriminator(config.disc_width) if config.task == "inpaint" else None
        self.ema = copy.deepcopy(self.net).requires_grad_(False).eval()
        self.net.to(self.device).train()
        self.ema.to(self.device)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=config.lr, betas=config.betas)
        self.opt_d = None
        if self.d is not None:
            self.d.to(self.device).train()
            self.opt_d = torch.optim.Adam(self.d.parameters(), lr=config.lr_d, betas=(0.5, 0.99))
        self._average = WeightAverage(self.net, self.ema)
        self.rng = torch.Generator().manual_seed(config.seed + 1)
        self.step = 0
        self.seconds = 0.0  # training time so far (all runs, pauses excluded)
        self.history = History()
        self._sums = [0.0, 0]
        self._validation: Pairs | None = None
        self._loss = charbonnier if config.loss == "charbonnier" else l1

    # -- one step -------------------------------------------------------------
    def _autocast(self):
        use = self.device.type == "cuda" and not isinstance(self.net, SmallLaMa)
        if use and torch.cuda.is_bf16_supported():
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def train_step(self) -> float:
        """One update (for inpainting: the discriminator's, then the network's)."""
        if self.data is None:
            raise TrainingDiverged("No training photos were given to this trainer.")
        c = self.config
        pairs = self.data.batch(c.batch, c.crop, self.task, self.rng)
        degraded, clean = pairs.degraded.to(self.device), pairs.clean.to(self.device)
        mask = pairs.mask.to(self.device) if pairs.mask is not None else None
        with self._autocast():
            output = run_network(self.net, degraded, mask).float()
        if self.d is None:
            loss = self._loss(output, clean)
        else:
            loss = self._inpainting_loss(output, clean, mask)
        self._check_finite(loss, "training")
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.step += 1
        self._average.update(min(c.ema_decay, (1 + self.step) / (10 + self.step)))
        value = float(loss.detach())
        self._log(value)
        return value

    def _inpainting_loss(self, output, clean, mask) -> torch.Tensor:
        c = self.config
        real_scores, real_features = self.d(clean, mask)
        fake_scores, _ = self.d(output.detach(), mask)
        loss_d = F.softplus(-real_scores).mean() + F.softplus(fake_scores).mean()
        self._check_finite(loss_d, "discriminator")
        self.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_d.step()
        self.d.requires_grad_(False)
        scores, features = self.d(output, mask)
        adversarial = F.softplus(-scores).mean()
        matching = sum(
            F.l1_loss(fake, real.detach())
            for fake, real in zip(features, real_features, strict=True)
        ) / len(features)
        self.d.requires_grad_(True)
        return self._loss(output, clean, mask) + c.adv_weight * adversarial + c.fm_weight * matching

    def _check_finite(self, loss: torch.Tensor, which: str) -> None:
        if not torch.isfinite(loss).item():
            raise TrainingDiverged(
                f"Training stopped at step {self.step + 1}: the {which} loss became "
                f"{float(loss.detach())}. The last good checkpoint is kept; try a lower "
                "learning rate."
            )

    def _log(self, loss: float) -> None:
        self._sums[0] += loss
        self._sums[1] += 1
        if self.step % LOG_EVERY == 0:
            self.history.steps.append(self.step)
            self.history.loss.append(self._sums[0] / self._sums[1])
            self._sums = [0.0, 0]

    # -- looking at the model -------------------------------------------------
    def validation(self) -> Pairs:
        if self._validation is None:
            if self.data is None:
                raise TrainingDiverged("No validation photos were given to this trainer.")
            self._validation = self.data.validation_pairs(
                self.config.val_crop, self.task, self.config.val_limit
            )
        return self._validation

    @torch.no_grad()
    def restore(self, pairs: Pairs, chunk: int = 4) -> torch.Tensor:
        """The EMA network's output for `pairs` (on the CPU, in [0, 1])."""
        outputs = []
        for start in range(0, len(pairs.degraded), chunk):
            degraded = pairs.degraded[start : start + chunk].to(self.device)
            mask = None
            if pairs.mask is not None:
                mask = pairs.mask[start : start + chunk].to(self.device)
            with self._autocast():
                outputs.append(run_network(self.ema, degraded, mask).float().clamp(0, 1).cpu())
        return torch.cat(outputs)

    def validate(self) -> float:
        """Mean PSNR (dB) of the EMA network's output against the clean validation crops."""
        from restorer.train.metrics import psnr

        pairs = self.validation()
        outputs = to_uint8(self.restore(pairs))
        clean = to_uint8(pairs.clean)
        return float(np.mean([psnr(o, c) for o, c in zip(outputs, clean, strict=True)]))

    def strip(self, count: int = STRIP_SAMPLES) -> np.ndarray:
        """Validation samples side by side: damaged | model | clean, one row each."""
        pairs = self.validation()
        chosen = Pairs(
            pairs.degraded[:count],
            pairs.clean[:count],
            None if pairs.mask is None else pairs.mask[:count],
        )
        shown = chosen.degraded.clone()
        if chosen.mask is not None:  # the hole, as the person brushed it
            shown = (
                shown * (1 - chosen.mask)
                + chosen.mask * torch.tensor([1.0, 0.2, 0.2])[None, :, None, None]
            )
        rows = [to_uint8(shown), to_uint8(self.restore(chosen)), to_uint8(chosen.clean)]
        return np.concatenate(
            [np.concatenate([r[i] for r in rows], 1) for i in range(len(rows[0]))], 0
        )

    # -- the loop --------------------------------------------------------------
    def run(
        self,
        until_step: int,
        progress: Progress | None = None,
        control: TrainingControl | None = None,
        on_status: Callable[[RestorationStatus], None] | None = None,
        save: Callable[[RestorationTrainer], None] | None = None,
        time_limit: float | None = None,
        strip_every: int = 0,
    ) -> RestorationStatus:
        """Train until `until_step` (or `time_limit` seconds, or a stop); validate every
        `config.eval_every` steps and checkpoint through `save` every
        `config.checkpoint_every` steps and at the end. A non-finite loss raises
        `TrainingDiverged` without saving, so the last good checkpoint stays."""
        progress = progress or Progress()
        control = control or TrainingControl()
        start_step, start_seconds = self.step, self.seconds
        started = time.perf_counter()
        paused = 0.0
        status = RestorationStatus(self.step, until_step, math.nan, 0.0, math.nan, self.history)
        status.device = self.device.type
        while self.step < until_step and not control.stopping:
            paused += control.wait_while_paused(progress)
            if control.stopping:
                break
            progress.check()
            loss = self.train_step()
            elapsed = max(1e-9, time.perf_counter() - started - paused)
            self.seconds = start_seconds + elapsed
            rate = (self.step - start_step) / elapsed
            left = (until_step - self.step) / rate
            if time_limit is not None:
                left = min(left, max(0.0, time_limit - elapsed))
            status = RestorationStatus(
                self.step, until_step, loss, rate, left, self.history, self.device.type
            )
            if self.config.eval_every and self.step % self.config.eval_every == 0:
                status.val_psnr = self._record_validation()
            if strip_every and self.step % strip_every == 0:
                status.strip = self.strip()
            if save is not None and self.step % self.config.checkpoint_every == 0:
                save(self)
            if on_status is not None:
                on_status(status)
            progress.update(
                (self.step - start_step) / max(1, until_step - start_step),
                f"step {self.step}/{until_step}  loss {loss:.4f}  {rate:.2f} steps/s  "
                f"{format_duration(left)} left",
            )
            if time_limit is not None and elapsed >= time_limit:
                break
        measured = bool(self.history.val_steps) and self.history.val_steps[-1] == self.step
        if self.config.eval_every and not measured and self.step != start_step:
            status.val_psnr = self._record_validation()
        if save is not None and self.step != start_step:
            save(self)
        return status

    def _record_validation(self) -> float:
        value = self.validate()
        self.history.val_steps.append(self.step)
        self.history.val_psnr.append(value)
        self.history.val_seconds.append(round(self.seconds, 2))
        return value
