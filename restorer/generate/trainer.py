"""Training a generator against a discriminator, the way that works on little data:

hinge (or non-saturating) loss, spectral normalisation in the discriminator,
differentiable augmentation of everything the discriminator sees, Adam with β1 = 0, and
an exponential moving average (EMA) of the generator's weights, which is what samples
come from. Every random number comes from one `torch.Generator` saved in checkpoints, so
a resumed run continues exactly as an uninterrupted one would.
"""

from __future__ import annotations

import copy
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from restorer.checkpoints import Curves, WeightAverage
from restorer.generate.config import GanConfig, GanError
from restorer.generate.dataset import ImageFolder, to_uint8
from restorer.generate.diffaugment import diff_augment
from restorer.generate.networks import build_networks
from restorer.generate.sampling import grid, latents
from restorer.progress import Progress

PREVIEW_COUNT = 16
LOG_EVERY = 10


def format_duration(seconds: float) -> str:
    """'1:05:09', '4:07' or '--:--' for an unknown time."""
    if not math.isfinite(seconds) or seconds < 0:
        return "--:--"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class TrainingDiverged(GanError):
    """A loss became NaN or infinite; training stopped, the last checkpoint is kept."""


class TrainingControl:
    """Pause / resume / stop for a run on another thread (stop finishes the current step
    and writes a checkpoint; cancelling the `Progress` abandons the run without one)."""

    def __init__(self) -> None:
        self._running = threading.Event()
        self._running.set()
        self._stop = threading.Event()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def wait_while_paused(self, progress: Progress) -> float:
        """Block while paused (still honouring cancel); returns the seconds spent paused."""
        started = time.perf_counter()
        while not self._running.wait(0.05):
            progress.check()
        return time.perf_counter() - started


@dataclass
class History(Curves):
    """Loss curves (means over `LOG_EVERY` steps) and distances measured during training."""

    steps: list[int] = field(default_factory=list)
    loss_g: list[float] = field(default_factory=list)
    loss_d: list[float] = field(default_factory=list)
    swd_steps: list[int] = field(default_factory=list)
    swd: list[float] = field(default_factory=list)


@dataclass
class TrainingStatus:
    """What the person sees about a run: where it is and how fast it goes."""

    step: int
    total: int
    loss_g: float
    loss_d: float
    steps_per_s: float
    seconds_left: float
    history: History
    samples: np.ndarray | None = None  # fixed-noise grid, when refreshed this step
    swd: float | None = None  # ×10³, when evaluated this step
    device: str = "cpu"


class Trainer:
    """Generator, its EMA, discriminator, optimisers, random state and step counter."""

    def __init__(self, config: GanConfig, data: ImageFolder | None = None, device: str = "cpu"):
        self.config = config.validate()
        self.data = data
        self.device = torch.device(device)
        self.g, self.d = build_networks(config)
        self.g_ema = copy.deepcopy(self.g).requires_grad_(False).eval()
        for module in (self.g, self.d, self.g_ema):
            module.to(self.device)
        # foreach: one fused update over all parameters instead of a Python loop.
        self.opt_g = torch.optim.Adam(
            self.g.parameters(), lr=config.lr_g, betas=config.betas, foreach=True
        )
        self.opt_d = torch.optim.Adam(
            self.d.parameters(), lr=config.lr_d, betas=config.betas, foreach=True
        )
        self._average = WeightAverage(self.g, self.g_ema)
        self.rng = torch.Generator().manual_seed(config.seed + 1)
        self.step = 0
        self.history = History()
        self._sums = [0.0, 0.0, 0]
        self.fixed_z = latents(config.seed, PREVIEW_COUNT, config.z_dim)

    # -- one step -------------------------------------------------------------
    def _noise(self) -> torch.Tensor:
        z = torch.randn(self.config.batch, self.config.z_dim, generator=self.rng)
        return z.to(self.device)

    def _augment(self, x: torch.Tensor) -> torch.Tensor:
        return diff_augment(x, self.config.augment, self.rng)

    def _d_loss(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
        if self.config.loss == "hinge":
            return F.relu(1.0 - real_scores).mean() + F.relu(1.0 + fake_scores).mean()
        return F.softplus(-real_scores).mean() + F.softplus(fake_scores).mean()

    def _g_loss(self, fake_scores: torch.Tensor) -> torch.Tensor:
        if self.config.loss == "hinge":
            return -fake_scores.mean()
        return F.softplus(-fake_scores).mean()

    def train_step(self) -> tuple[float, float]:
        """One discriminator and one generator update; returns (loss_g, loss_d)."""
        if self.data is None:
            raise GanError("No training pictures were given to this trainer.")
        real = self.data.batch(self.config.batch, self.rng).to(self.device)
        self.g.train()
        with torch.no_grad():
            fake = self.g(self._noise())
        loss_d = self._d_loss(self.d(self._augment(real)), self.d(self._augment(fake)))
        self._check_finite(loss_d, "discriminator")
        self.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_d.step()

        self.d.requires_grad_(False)
        loss_g = self._g_loss(self.d(self._augment(self.g(self._noise()))))
        self._check_finite(loss_g, "generator")
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        self.d.requires_grad_(True)

        self.step += 1
        self._update_ema()
        values = (float(loss_g.detach()), float(loss_d.detach()))
        self._log(*values)
        return values

    def _check_finite(self, loss: torch.Tensor, which: str) -> None:
        if not torch.isfinite(loss).item():
            raise TrainingDiverged(
                f"Training stopped at step {self.step + 1}: the {which} loss became "
                f"{float(loss.detach())}. The last good checkpoint is kept; try a lower learning rate."
            )

    def ema_decay(self) -> float:
        """How much of the average is kept this step (0 = copy the generator)."""
        seen = self.step * self.config.batch
        half_life = min(float(self.config.ema_images), seen * self.config.ema_rampup)
        if half_life <= 0:
            return 0.0
        return 0.5 ** (self.config.batch / half_life)

    def _update_ema(self) -> None:
        self._average.update(self.ema_decay())

    def _log(self, loss_g: float, loss_d: float) -> None:
        self._sums[0] += loss_g
        self._sums[1] += loss_d
        self._sums[2] += 1
        if self.step % LOG_EVERY == 0:
            count = self._sums[2]
            self.history.steps.append(self.step)
            self.history.loss_g.append(self._sums[0] / count)
            self.history.loss_d.append(self._sums[1] / count)
            self._sums = [0.0, 0.0, 0]

    # -- looking at the generator ---------------------------------------------
    @torch.no_grad()
    def preview(self) -> np.ndarray:
        """The grid of samples from the fixed noise (the same every time)."""
        images = to_uint8(self.g_ema(self.fixed_z.to(self.device)).cpu())
        return grid(images)

    @torch.no_grad()
    def generate(self, count: int, seed: int) -> np.ndarray:
        """`count` samples of the EMA generator from `seed` (N × size × size × 3 uint8)."""
        z = latents(seed, count, self.config.z_dim).to(self.device)
        chunks = [to_uint8(self.g_ema(part).cpu()) for part in z.split(64)]
        return np.concatenate(chunks)

    # -- the loop --------------------------------------------------------------
    def run(
        self,
        until_step: int,
        progress: Progress | None = None,
        control: TrainingControl | None = None,
        on_status: Callable[[TrainingStatus], None] | None = None,
        save: Callable[[Trainer], None] | None = None,
        evaluate: Callable[[Trainer], float] | None = None,
        eval_every: int = 0,
    ) -> TrainingStatus:
        """Train until `until_step` (or until stopped); checkpoint through `save` every
        `config.checkpoint_every` steps and at the end. A non-finite loss raises
        `TrainingDiverged` without saving, so the last good checkpoint stays."""
        progress = progress or Progress()
        control = control or TrainingControl()
        start_step = self.step
        started = time.perf_counter()
        paused = 0.0
        rate = 0.0
        status = self._status(until_step, 0.0, 0.0, math.nan, math.nan)
        while self.step < until_step and not control.stopping:
            paused += control.wait_while_paused(progress)
            if control.stopping:
                break
            progress.check()
            loss_g, loss_d = self.train_step()
            elapsed = max(1e-9, time.perf_counter() - started - paused)
            rate = (self.step - start_step) / elapsed
            status = self._status(until_step, rate, (until_step - self.step) / rate, loss_g, loss_d)
            if self.config.sample_every and self.step % self.config.sample_every == 0:
                status.samples = self.preview()
            if evaluate is not None and eval_every and self.step % eval_every == 0:
                status.swd = self._record_swd(evaluate)
            if save is not None and self.step % self.config.checkpoint_every == 0:
                save(self)
            if on_status is not None:
                on_status(status)
            progress.update(
                (self.step - start_step) / max(1, until_step - start_step),
                f"step {self.step}/{until_step}  G {loss_g:.3f}  D {loss_d:.3f}  "
                f"{rate:.1f} steps/s  {format_duration(status.seconds_left)} left",
            )
        if save is not None and self.step != start_step:
            save(self)
        status.samples = self.preview()
        # A last measurement, unless this step was just measured or the person asked to stop.
        measured = bool(self.history.swd_steps) and self.history.swd_steps[-1] == self.step
        if evaluate is not None and eval_every and not measured and not control.stopping:
            status.swd = self._record_swd(evaluate)
        if on_status is not None:
            on_status(status)
        return status

    def _record_swd(self, evaluate: Callable[[Trainer], float]) -> float:
        value = float(evaluate(self))
        self.history.swd_steps.append(self.step)
        self.history.swd.append(value)
        return value

    def _status(self, total: int, rate: float, left: float, g: float, d: float) -> TrainingStatus:
        return TrainingStatus(
            self.step, total, g, d, rate, left, self.history, device=self.device.type
        )
