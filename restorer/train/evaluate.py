"""How good a trained model is, measured on the validation photos it never trained on,
beside the damaged input and what Restorer could already do: OpenCV's non-local means
(`fastNlMeansDenoisingColored`, best of a few strengths) for clean-up filters, the
weight-free engines (telea, navier-stokes, patchmatch) for inpainting.

The model runs through the same paths as any model in the models folder
(`restorer.filters.apply_filter`, `restorer.api.inpaint`), so what is measured is what
the person gets.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

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


def _timed(function, items):
    started = time.perf_counter()
    results = [function(*item) for item in items]
    return results, time.perf_counter() - started


def evaluate_model(
    model_id: str,
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
    """Scores of model `model_id` (in the models folder) and the baselines on the
    validation photos' centre crops; writes a before/after strip to `strip_path`."""
    from restorer import api
    from restorer.filters import apply_filter

    progress = progress or Progress()
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
    if inpaint:
        outputs[model_id], seconds = _timed(
            lambda d, m: api.inpaint(d, m, engine=model_id, device=device),
            zip(degraded, masks, strict=True),
        )
    else:
        outputs[model_id], seconds = _timed(
            lambda d: apply_filter(d, model_id, device=device), ((d,) for d in degraded)
        )
    evaluation.scores[model_id] = _score(outputs[model_id], cleans, masks, seconds, inpaint)
    if baselines:
        progress.update(0.5, "Running what Restorer already has")
        if inpaint:
            for engine in WEIGHT_FREE_ENGINES:
                outputs[engine], seconds = _timed(
                    lambda d, m, e=engine: api.inpaint(d, m, engine=e, device="cpu"),
                    zip(degraded, masks, strict=True),
                )
                evaluation.scores[engine] = _score(outputs[engine], cleans, masks, seconds, True)
        else:
            best = None
            for strength in NLM_STRENGTHS:
                results, seconds = _timed(
                    lambda d, h=strength: _nlmeans(d, h), ((d,) for d in degraded)
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
