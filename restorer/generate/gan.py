"""The GAN as a person uses it: train on a folder, sample, interpolate, evaluate.

Shared by the `restorer gan` command, the GAN studio and the benchmark. Training and
sampling are `Job`s, so the window runs them off the GUI thread.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from restorer.generate import store
from restorer.generate.checkpoint import load_generator, load_trainer, read_config, save_checkpoint
from restorer.generate.config import GanConfig, GanError
from restorer.generate.dataset import ImageFolder, load_folder, to_uint8
from restorer.generate.memorisation import MemorisationReport, check_memorisation
from restorer.generate.sampling import interpolation_latents, latents
from restorer.generate.swd import swd
from restorer.generate.trainer import Trainer, TrainingControl, TrainingStatus
from restorer.jobs import Job
from restorer.progress import Progress

EVAL_SAMPLES = 256
EVAL_SEED = 12345


def real_set(data: ImageFolder, count: int = EVAL_SAMPLES, seed: int = EVAL_SEED) -> np.ndarray:
    """A fixed set of random crops of the training pictures (uint8), to compare against."""
    generator = torch.Generator().manual_seed(seed)
    return to_uint8(data.batch(count, generator))


def swd_evaluator(data: ImageFolder, count: int = EVAL_SAMPLES) -> Callable[[Trainer], float]:
    """A function giving the SWD (×10³) of a trainer's EMA samples to the real pictures."""
    real = real_set(data, count)

    def evaluate(trainer: Trainer) -> float:
        return swd(trainer.generate(count, EVAL_SEED), real).mean

    return evaluate


@dataclass
class TrainResult:
    name: str
    folder: Path
    step: int
    stopped_early: bool
    status: TrainingStatus
    skipped: list[str] = field(default_factory=list)


@dataclass
class TrainJob(Job):
    """Train (or continue training) the generator `name` on the pictures in `folder`."""

    folder: Path
    name: str
    steps: int
    config: GanConfig = field(default_factory=GanConfig)
    resume: bool = False
    eval_every: int = 0
    eval_samples: int = EVAL_SAMPLES
    device: str = "cpu"  # or "cuda", or "auto" for CUDA when present
    control: TrainingControl = field(default_factory=TrainingControl)
    on_status: Callable[[TrainingStatus], None] | None = None
    title: str = "Training"

    def run(self, progress: Progress) -> TrainResult:
        from restorer.devices import resolve_device

        device = resolve_device(self.device)
        target = store.gan_dir(self.name)
        if self.steps < 1:
            raise GanError("Train for at least one step.")
        if store.exists(self.name) and not self.resume:
            raise GanError(
                f"A generator called '{self.name}' already exists; resume it or choose "
                "another name."
            )
        size = read_config(target)[0].size if self.resume and store.exists(self.name) else None
        data = load_folder(self.folder, size or self.config.size, progress.span(0.0, 0.05))
        if self.resume and store.exists(self.name):
            trainer = load_trainer(target, data, device)
            until = trainer.step + self.steps
        else:
            config = GanConfig(
                **{**self.config.__dict__, "dataset": str(Path(self.folder).resolve())}
            )
            config.images = len(data)
            trainer = Trainer(config, data, device)
            until = self.steps
        evaluate = swd_evaluator(data, self.eval_samples) if self.eval_every else None
        fresh = not store.exists(self.name)
        try:
            status = trainer.run(
                until,
                progress.span(0.05, 1.0),
                self.control,
                self.on_status,
                save=lambda t: save_checkpoint(target, t),
                evaluate=evaluate,
                eval_every=self.eval_every,
            )
        except BaseException:
            if fresh and not store.exists(self.name):  # nothing worth keeping was written
                shutil.rmtree(target, ignore_errors=True)
            raise
        return TrainResult(
            self.name, target, trainer.step, trainer.step < until, status, data.skipped
        )


# -- using a trained generator -------------------------------------------------


def _generate(generator: torch.nn.Module, z: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        return np.concatenate([to_uint8(generator(part)) for part in z.split(64)])


def sample(name: str, count: int, seed: int, progress: Progress | None = None) -> np.ndarray:
    """`count` new pictures from the generator `name` (N × size × size × 3 uint8)."""
    if count < 1:
        raise GanError("Ask for at least one picture.")
    progress = progress or Progress()
    progress.update(0.0, f"Loading {name}")
    generator, config, _ = load_generator(store.find(name))
    progress.update(0.3, f"Generating {count} pictures")
    images = _generate(generator, latents(seed, count, config.z_dim))
    progress.update(1.0)
    return images


def interpolate(
    name: str, seed_a: int, seed_b: int, steps: int, progress: Progress | None = None
) -> np.ndarray:
    """`steps` pictures morphing from seed_a's first picture to seed_b's."""
    if steps < 2:
        raise GanError("An interpolation needs at least 2 pictures.")
    progress = progress or Progress()
    progress.update(0.0, f"Loading {name}")
    generator, config, _ = load_generator(store.find(name))
    progress.update(0.3, "Interpolating")
    images = _generate(generator, interpolation_latents(seed_a, seed_b, steps, config.z_dim))
    progress.update(1.0)
    return images


@dataclass
class Evaluation:
    swd_levels: list[float]
    swd_resolutions: list[int]
    swd: float
    memorisation: MemorisationReport
    training_files: list[str]
    step: int


def evaluate(
    name: str,
    folder: str | os.PathLike[str],
    count: int = EVAL_SAMPLES,
    seed: int = EVAL_SEED,
    progress: Progress | None = None,
) -> Evaluation:
    """SWD of `count` samples to the pictures in `folder`, and the memorisation check."""
    progress = progress or Progress()
    generator, config, state = load_generator(store.find(name))
    data = load_folder(folder, config.size, progress.span(0.0, 0.4), minimum=2)
    progress.update(0.4, "Generating")
    fake = _generate(generator, latents(seed, count, config.z_dim))
    progress.update(0.6, "Measuring the distance to the real pictures")
    result = swd(fake, real_set(data, count, seed))
    progress.update(0.9, "Looking for copies of the training pictures")
    report = check_memorisation(fake, data.center_crops())
    progress.update(1.0)
    return Evaluation(
        result.levels,
        result.resolutions,
        result.mean,
        report,
        data.names,
        int(state.get("step", 0)),
    )


@dataclass
class SampleJob(Job):
    """Pictures from a trained generator, for the Generate dialog."""

    name: str
    count: int
    seed: int
    seed_b: int | None = None  # interpolate from `seed` to `seed_b` when given
    title: str = "Generating"

    def run(self, progress: Progress) -> np.ndarray:
        if self.seed_b is None:
            return sample(self.name, self.count, self.seed, progress)
        return interpolate(self.name, self.seed, self.seed_b, self.count, progress)


@dataclass
class CopyCheck:
    """The memorisation check of some pictures, with the training files they are nearest."""

    report: MemorisationReport
    nearest_files: list[str]
    folder: Path


@dataclass
class CopyCheckJob(Job):
    """Compare pictures made by `name` with the pictures it was trained on."""

    name: str
    images: np.ndarray
    folder: Path | None = None  # default: the folder the generator was trained on
    title: str = "Looking for copies"

    def run(self, progress: Progress) -> CopyCheck:
        config, _ = read_config(store.find(self.name))
        folder = Path(self.folder or config.dataset)
        if not config.dataset and self.folder is None:
            raise GanError(f"'{self.name}' does not record the folder it was trained on.")
        data = load_folder(folder, config.size, progress.span(0.0, 0.8), minimum=2)
        progress.update(0.9, "Comparing")
        report = check_memorisation(self.images, data.center_crops())
        progress.update(1.0)
        return CopyCheck(report, [data.names[i] for i in report.nearest], folder)


@dataclass
class ExportJob(Job):
    """Write pictures as PNG files `<stem>-001.png`… into a folder."""

    images: np.ndarray
    folder: Path
    stem: str
    title: str = "Exporting"

    def run(self, progress: Progress) -> list[Path]:
        return export_images(self.images, self.folder, self.stem, progress)


def export_images(
    images: np.ndarray, folder: Path, stem: str, progress: Progress | None = None
) -> list[Path]:
    """Save each picture as `<stem>-NNN.png` in `folder` (atomic saves)."""
    from restorer.imageio import save_image

    progress = progress or Progress()
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GanError(f"Cannot create {folder}: {exc.strerror or exc}") from exc
    written = []
    for index, image in enumerate(images):
        progress.update(index / len(images), f"Saving {index + 1} of {len(images)}")
        written.append(save_image(folder / f"{stem}-{index + 1:03d}.png", image))
    progress.update(1.0)
    return written
