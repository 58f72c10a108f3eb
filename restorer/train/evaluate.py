"""How good a trained model is, measured on the validation photos it never trained on,
beside the damaged input and what Restorer could already do: OpenCV's non-local means
(`fastNlMeansDenoisingColored`, best of a few strengths) for clean-up filters, the
weight-free engines (telea, navier-stokes, patchmatch) for inpainting.

The model runs through the same paths as any model in the models folder
(`restorer.filters.apply_filter`, the region strategy of `restorer.api.inpaint`), so what
is measured is what the person gets. A trained model is evaluated from its file
(`staged_model`) before the person decides to keep it: nothing is added to the models
folder for that.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from restorer.models.engines import ModelInpaintEngine
from restorer.models.info import ModelInfo
from restorer.progress import Progress
from restorer.train.data import PhotoFolder, Task, to_uint8
from restorer.train.metrics import psnr, ssim, texture_distance

NLM_STRENGTHS = (5, 10, 15, 20, 25)
WEIGHT_FREE_ENGINES = ("telea", "navier-stokes", "patchmatch")


@dataclass
class Evaluation:
    """Mean scores per method ('input', the model id, the baselines) on `count` crops."""

    task: str
    model: str
    count: int
    crop: int
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    strip_path: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def table(self) -> str:
        """A plain-text table, one method a line."""
        inpaint = self.task == "inpaint"
        header = (
            "PSNR in hole (dB)  SSIM  texture  s/crop" if inpaint else "PSNR (dB)  SSIM    s/crop"
        )
        width = max(len(name) for name in self.scores) + 2
        lines = [
            f"Validation: {self.count} crops of {self.crop} px (photos not trained on)",
            f"{'':{width}}{header}",
        ]
        for name, s in self.scores.items():
            if inpaint:
                lines.append(
                    f"{name:{width}}{s['psnr']:17.2f}  {s['ssim']:.3f}  {s['texture']:7.2f}"
                    f"  {s['seconds']:.3f}"
                )
            else:
                lines.append(f"{name:{width}}{s['psnr']:9.2f}  {s['ssim']:.4f}  {s['seconds']:.3f}")
        return "\n".join(lines)


class StagedInpaintEngine(ModelInpaintEngine):
    """An inpainting model file that is not (yet) in the models folder, as an engine."""

    def _latest_info(self) -> ModelInfo:
        return self.info


def staged_model(model_file: Path, model_id: str) -> ModelInfo:
    """The description a model file will have once added as `model_id`, read (and its
    architecture detected) where it lies, without adding it anywhere."""
    from restorer.models.detect import build_model, describe
    from restorer.models.safeload import read_weights
    from restorer.models.store import sha256_of

    path = Path(model_file).resolve()
    weights, file_format = read_weights(path)
    fields = describe(build_model(weights, path.name))
    del weights
    return ModelInfo(
        id=model_id,
        file_name=str(path),  # absolute: the models folder / it is the file itself
        size_bytes=path.stat().st_size,
        sha256=sha256_of(path),
        source_name=path.name,
        file_format=file_format,
        **fields,
    )


def _nlmeans(degraded: np.ndarray, strength: int) -> np.ndarray:
    bgr = np.ascontiguousarray(degraded[..., ::-1])
    out = cv2.fastNlMeansDenoisingColored(bgr, None, strength, strength, 7, 21)
    return np.ascontiguousarray(out[..., ::-1])


def _score(results, cleans, masks, seconds: float, inpaint: bool) -> dict[str, float]:
    scores = {
        "psnr": float(
            np.mean(
                [
                    psnr(r, c, m if inpaint else None)
                    for r, c, m in zip(results, cleans, masks, strict=True)
                ]
            )
        ),
        "ssim": float(np.mean([ssim(r, c) for r, c in zip(results, cleans, strict=True)])),
        "seconds": seconds / max(1, len(results)),
    }
    if inpaint:
        scores["texture"] = float(
            np.mean(
                [texture_distance(r, c, m) for r, c, m in zip(results, cleans, masks, strict=True)]
            )
        )
    return scores


def _timed(function, items, progress: Progress):
    """(results, seconds) of `function` on each item, stopping early if cancelled."""
    seconds, results = 0.0, []
    for item in items:
        progress.check()
        started = time.perf_counter()
        results.append(function(*item))
        seconds += time.perf_counter() - started
    return results, seconds


def evaluate_model(
    model: str | ModelInfo,
    data: PhotoFolder,
    task: Task,
    crop: int = 256,
    *,
    limit: int | None = None,
    device: str = "auto",
    strip_path: Path | None = None,
    strip_rows: int = 4,
    baselines: bool = True,
    progress: Progress | None = None,
) -> Evaluation:
    """Scores of `model` (the id of a model in the models folder, or a `staged_model`)
    and the baselines on the validation photos' centre crops; writes a before/after strip
    to `strip_path`."""
    from restorer import api
    from restorer.devices import resolve_device
    from restorer.filters import filter_image
    from restorer.models.runtime import model_cache
    from restorer.regions import inpaint_regions

    progress = progress or Progress()
    model_id = model.id if isinstance(model, ModelInfo) else model
    if isinstance(model, ModelInfo):
        staged = StagedInpaintEngine(model)
        where = resolve_device(device, staged.devices)

        def fill(d, m):
            return inpaint_regions(staged, d, m, Progress(), device=where)
    else:

        def fill(d, m):
            return api.inpaint(d, m, engine=model, device=device)

    pairs = data.validation_pairs(crop, task, limit)
    degraded, cleans = to_uint8(pairs.degraded), to_uint8(pairs.clean)
    inpaint = task.kind == "inpaint"
    masks = [m[0].numpy() > 0.5 for m in pairs.mask] if inpaint else [None] * len(degraded)
    shown = [d.copy() for d in degraded]
    for image, mask in zip(shown, masks, strict=True):
        if mask is not None:
            image[mask] = 0
    evaluation = Evaluation(task.kind, model_id, len(degraded), int(pairs.clean.shape[-1]))
    evaluation.scores["input"] = _score(shown, cleans, masks, 0.0, inpaint)
    outputs: dict[str, list[np.ndarray]] = {}
    progress.update(0.0, f"Running {model_id} on {len(degraded)} validation crops")
    try:
        if inpaint:
            outputs[model_id], seconds = _timed(fill, zip(degraded, masks, strict=True), progress)
        else:
            outputs[model_id], seconds = _timed(
                lambda d: filter_image(d, model, device=device)[0],
                ((d,) for d in degraded),
                progress,
            )
    finally:
        if isinstance(model, ModelInfo):
            model_cache().evict(model_id)  # the file may be added (or deleted) next
    evaluation.scores[model_id] = _score(outputs[model_id], cleans, masks, seconds, inpaint)
    if baselines:
        progress.update(0.5, "Running what Restorer already has")
        if inpaint:
            for engine in WEIGHT_FREE_ENGINES:
                outputs[engine], seconds = _timed(
                    lambda d, m, e=engine: api.inpaint(d, m, engine=e, device="cpu"),
                    zip(degraded, masks, strict=True),
                    progress,
                )
                evaluation.scores[engine] = _score(outputs[engine], cleans, masks, seconds, True)
        else:
            best = None
            for strength in NLM_STRENGTHS:
                results, seconds = _timed(
                    lambda d, h=strength: _nlmeans(d, h), ((d,) for d in degraded), progress
                )
                score = _score(results, cleans, masks, seconds, False)
                if best is None or score["psnr"] > best[1]["psnr"]:
                    best = (strength, score, results)
            name = f"nlmeans (h={best[0]})"
            evaluation.scores[name] = best[1]
            outputs[name] = best[2]
    if strip_path is not None:
        columns = [shown, *outputs.values(), cleans]
        rows = [
            np.concatenate([column[i] for column in columns], 1)
            for i in range(min(strip_rows, len(shown)))
        ]
        strip = np.concatenate(rows, 0)
        strip_path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(strip_path), np.ascontiguousarray(strip[..., ::-1]))
        evaluation.strip_path = str(strip_path)
    progress.update(1.0, "Evaluated")
    return evaluation


def save_evaluation(evaluation: Evaluation, path: Path) -> Path:
    path.write_text(json.dumps(evaluation.to_dict(), indent=1), encoding="utf-8")
    return path
