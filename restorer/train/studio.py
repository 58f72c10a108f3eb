"""The restoration studio as a person uses it: train a model on a folder of photos, turn
it into a model file, add it to the models folder and evaluate it.

Shared by the `restorer train` command, the benchmark and the window (Models → Train a
Model…). Training is a `Job`, so a window can run it off the GUI thread, pause it and
stop it; with `keep=False` it is evaluated from its file and added only by `keep_model`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from restorer.errors import ModelError
from restorer.generate.trainer import TrainingControl
from restorer.jobs import Job
from restorer.models.info import ModelInfo
from restorer.progress import Progress
from restorer.train.checkpoint import (
    has_checkpoint,
    load_trainer,
    read_config,
    save_checkpoint,
    training_dir,
    write_model_file,
)
from restorer.train.config import TrainConfig, TrainConfigError
from restorer.train.data import PhotoFolder, load_photos
from restorer.train.evaluate import Evaluation, evaluate_model, save_evaluation, staged_model
from restorer.train.trainer import RestorationStatus, RestorationTrainer

EVAL_CROP = 256


@dataclass
class TrainModelResult:
    name: str
    folder: Path
    step: int
    stopped_early: bool
    status: RestorationStatus
    model_file: Path
    config: TrainConfig = field(default_factory=TrainConfig)
    resumed: bool = False  # continued an earlier training of the same name
    info: ModelInfo | None = None  # the model as added to the models folder
    evaluation: Evaluation | None = None
    skipped: list[str] = field(default_factory=list)


def _finetune_start(model_id: str):
    """A full-width LaMa holding the weights of model `model_id` from the models folder."""
    from restorer.models.safeload import read_weights
    from restorer.models.store import get, model_path
    from restorer.train.models import load_lama_for_finetuning

    info = get(model_id)
    if info.architecture != "LaMa":
        raise TrainConfigError(
            f"Only LaMa models can be fine-tuned here; '{model_id}' is {info.architecture_name}."
        )
    weights, _ = read_weights(model_path(info))
    return load_lama_for_finetuning(weights)


def install_model(name: str, model_file: Path, replace: bool = False, notes: str = "") -> ModelInfo:
    """Add a trained model file to the models folder as `name` (replacing an earlier
    version of the same model when `replace`), with `notes` (its evaluation) in its
    details."""
    from restorer.catalog import add_model, remove_model
    from restorer.models import store
    from restorer.models.info import id_from_name

    model_id = id_from_name(name)
    known = {info.id for info in store.list_models()}
    if model_id in known:
        if not replace:
            raise ModelError(f"A model called '{model_id}' is already in the models folder.")
        remove_model(model_id)
    return add_model(model_file, model_id=model_id, notes=notes)


def model_notes(result: TrainModelResult) -> str:
    """What the models folder says about a trained model: how it was trained, its
    evaluation on photos it never saw."""
    config = result.config
    what = (
        f"degradations {config.degradations}"
        if config.task == "filter"
        else f"masks {config.mask_kinds}"
    )
    lines = [
        f"Trained in Restorer: {config.arch} {config.size}, {result.step} steps on "
        f"{config.images} photos ({what}); no pretrained perceptual network was used.",
    ]
    if result.evaluation is not None:
        lines.append(result.evaluation.table())
    return "\n".join(lines)


def keep_model(result: TrainModelResult) -> ModelInfo:
    """Add a trained (not yet kept) model to the models folder, its evaluation in its
    details; a continued model replaces its earlier version."""
    result.info = install_model(
        result.name, result.model_file, replace=result.resumed, notes=model_notes(result)
    )
    return result.info


def discard_training(name: str) -> bool:
    """Delete the training of model `name` (checkpoint, model file, evaluation) from the
    models folder; a model already added from it stays. True if there was one."""
    target = training_dir(name)
    if not target.is_dir():
        return False
    shutil.rmtree(target)
    return True


@dataclass
class KeepModelJob(Job):
    """Keep a trained model: add it to the models folder (on the worker: LaMa files are
    ~100 MB)."""

    result: TrainModelResult
    title: str = "Adding the trained model"

    def run(self, progress: Progress) -> ModelInfo:
        progress.update(0.0, f"Adding {self.result.name} to the models folder")
        info = keep_model(self.result)
        progress.update(1.0, f"Added {info.id}")
        return info


def evaluate_trained(
    model: str | ModelInfo,
    data: PhotoFolder,
    config: TrainConfig,
    out_folder: Path,
    *,
    crop: int = EVAL_CROP,
    limit: int | None = None,
    device: str = "auto",
    progress: Progress | None = None,
) -> Evaluation:
    evaluation = evaluate_model(
        model,
        data,
        config.task_spec(),
        crop,
        limit=limit,
        device=device,
        strip_path=out_folder / "strip.png",
        progress=progress,
    )
    save_evaluation(evaluation, out_folder / "evaluation.json")
    return evaluation


@dataclass
class TrainModelJob(Job):
    """Train (or continue training) restoration model `name` on the photos in `folder`,
    then evaluate it (when `evaluate`; by default when `keep`) and, when `keep`, add it to
    the models folder with its evaluation. With `keep=False` nothing is added: the window
    shows the evaluation and the person decides (`keep_model`, `discard_training`)."""

    folder: Path
    name: str
    steps: int
    config: TrainConfig = field(default_factory=TrainConfig)
    resume: bool = False
    minutes: float | None = None  # stop after this much training time
    min_images: int = 50
    device: str = "auto"
    keep: bool = True
    evaluate: bool | None = None  # None: when keep
    eval_crop: int = EVAL_CROP
    eval_limit: int | None = None
    strip_every: int = 0
    control: TrainingControl = field(default_factory=TrainingControl)
    on_status: Callable[[RestorationStatus], None] | None = None
    title: str = "Training a restoration model"

    def run(self, progress: Progress) -> TrainModelResult:
        from restorer.devices import resolve_device
        from restorer.models.info import id_from_name
        from restorer.models.store import list_models

        device = resolve_device(self.device)
        target = training_dir(self.name)
        if self.steps < 1:
            raise TrainConfigError("Train for at least one step.")
        resuming = self.resume and has_checkpoint(self.name)
        if self.resume and not resuming:
            raise TrainConfigError(f"There is no training of '{self.name}' to resume.")
        if not resuming:
            if has_checkpoint(self.name):
                raise TrainConfigError(
                    f"A model called '{self.name}' was already trained; resume it or choose "
                    "another name."
                )
            if id_from_name(self.name) in {info.id for info in list_models()}:
                raise TrainConfigError(
                    f"A model called '{id_from_name(self.name)}' is already in the models folder."
                )
        config = read_config(target)[0] if resuming else self.config.validate()
        data = load_photos(
            self.folder,
            max(config.crop, 16),
            minimum=self.min_images,
            validation=config.validation,
            max_side=config.max_side,
            seed=config.seed,
            progress=progress.span(0.0, 0.05),
        )
        if resuming:
            trainer = load_trainer(target, data, device)
            until = trainer.step + self.steps
        else:
            config.dataset = str(Path(self.folder).resolve())
            config.images = len(data.train) + len(data.validation)
            initial = _finetune_start(config.finetune_from) if config.finetune_from else None
            trainer = RestorationTrainer(config, data, device, initial=initial)
            until = self.steps
        try:
            status = trainer.run(
                until,
                progress.span(0.05, 0.85 if self.keep else 1.0),
                self.control,
                self.on_status,
                save=lambda t: save_checkpoint(target, t),
                time_limit=None if self.minutes is None else self.minutes * 60.0,
                strip_every=self.strip_every,
            )
        except BaseException:
            if not resuming and not has_checkpoint(self.name):
                shutil.rmtree(target, ignore_errors=True)  # nothing worth keeping was written
            raise
        model_file = write_model_file(trainer, target / f"{id_from_name(self.name)}.safetensors")
        result = TrainModelResult(
            self.name,
            target,
            trainer.step,
            trainer.step < until,
            status,
            model_file,
            trainer.config,
            resuming,
        )
        result.skipped = data.skipped
        evaluate = self.keep if self.evaluate is None else self.evaluate
        if evaluate:
            progress.update(0.86, "Evaluating on the validation photos")
            result.evaluation = evaluate_trained(
                staged_model(model_file, id_from_name(self.name)),
                data,
                trainer.config,
                target,
                crop=self.eval_crop,
                limit=self.eval_limit,
                device=device,
                progress=progress.span(0.86, 0.99),
            )
        if self.keep:
            progress.update(0.99, "Adding the model to the models folder")
            keep_model(result)
        return result
