"""How the rules of restorer/damage/detect.py (WEIGHTS) were chosen: tuning half only.

    .venv/bin/python benchmarks/damage_fit.py --grid   # the few-feature rules (what detect.py uses)
    .venv/bin/python benchmarks/damage_fit.py          # a logistic fit over every feature

Candidates come from the tuning photos (enlarged 2x and 3x) with generator-A damage and
from the same photos clean; a candidate is damage when most of it lies on the true damage.
`--grid` scores small weighted sums of two to five features and prints, per shape, the
ones whose best threshold gives the highest pixel-weighted F1 over the candidates; the
rules in detect.py are the simplest of those near the top. The logistic fit over all
features did better on these candidates but worse on whole photos, so it is not used.
"""

from __future__ import annotations

import argparse
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from damage_detection import TUNING_PHOTOS, load_photo  # noqa: E402
from damage_synth import add_grain, damage_a  # noqa: E402

from restorer.damage import detect  # noqa: E402

detect.COLOUR_FEATURES = True  # the search below may weigh them


def collect(seeds, scales):
    rows = {"dust": [], "line": []}
    settings = detect.DamageSettings()
    for name in TUNING_PHOTOS:
        for up in scales:
            photo = load_photo(name)
            if up != 1:
                photo = cv2.resize(photo, None, fx=up, fy=up, interpolation=cv2.INTER_CUBIC)
            for seed in seeds:
                rng = np.random.default_rng(seed * 7919 + zlib.crc32(name.encode()) % 997)
                base = add_grain(photo, rng, rng.uniform(1.5, 4.0))
                damaged, truth = damage_a(base, rng)
                for image, true in ((damaged, truth), (base, np.zeros_like(truth))):
                    _, _, groups = detect.tile_candidates(image, settings)
                    for group in groups:
                        _add_rows(rows, group, true)
    return rows


def _add_rows(rows, group, truth):
    s = group.scale
    small_truth = (
        truth
        if s == 1
        else cv2.resize(
            truth.astype(np.uint8), group.labels.shape[::-1], interpolation=cv2.INTER_AREA
        )
        > 0
    )
    near = cv2.dilate(small_truth.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    count = len(group.shape)
    inside = group.labels > 0
    area = np.bincount(group.labels[inside], minlength=count).astype(np.float64)
    hits = np.bincount(group.labels[inside & near], minlength=count).astype(np.float64)
    for label in np.nonzero(group.shape != "")[0]:
        label_is_damage = hits[label] >= 0.5 * area[label]
        rows[group.shape[label]].append(
            (group.features[label], float(label_is_damage), area[label] * s * s)
        )


def fit(rows, negative_weight, fp_cost=1.5, l2=1e-4, steps=25):
    x = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    w = np.array([r[2] for r in rows])
    w = np.sqrt(w) * np.where(y > 0, 1.0, negative_weight)
    w = w / w.sum()
    mean, std = x[:, 1:].mean(0), x[:, 1:].std(0) + 1e-6
    z = np.hstack([np.ones((len(x), 1)), (x[:, 1:] - mean) / std])
    theta = np.zeros(z.shape[1])
    reg = l2 * np.eye(z.shape[1])
    reg[0, 0] = 0
    for _ in range(steps):  # Newton steps on the weighted logistic loss
        p = 1 / (1 + np.exp(-np.clip(z @ theta, -30, 30)))
        grad = z.T @ (w * (p - y)) + reg @ theta
        hess = (z * (w * p * (1 - p))[:, None]).T @ z + reg
        theta -= np.linalg.solve(hess, grad)
    raw = np.zeros_like(theta)
    raw[1:] = theta[1:] / std
    raw[0] = theta[0] - (theta[1:] * mean / std).sum()
    # Move the bias to where the pixel-weighted F1 over these candidates peaks.
    score = x @ raw
    area = np.array([r[2] for r in rows])
    best, shift = -1.0, 0.0
    for t in np.quantile(score, np.linspace(0.5, 0.999, 300)):
        chosen = score > t
        tp = (area * y * chosen).sum()
        fp = (area * (1 - y) * chosen).sum() * fp_cost
        fn = (area * y * ~chosen).sum()
        f1 = 2 * tp / max(2 * tp + fp + fn, 1e-9)
        if f1 > best:
            best, shift = f1, t
    raw[0] -= shift
    return raw, y.mean(), len(y), best


def grid(rows):
    import itertools

    names = detect.FEATURES
    plans = {
        "line": (("log_isolation", "log_extent", "contrast"), ([1.0], [0.5, 1, 1.5, 3], [0, 1, 2])),
        "dust": (("log_isolation", "ring_edges", "fill"), ([1.0], [0, 0.5, 1], [0, 1])),
    }
    for shape, (features, steps) in plans.items():
        data = rows[shape]
        if not data:
            continue
        x = np.array([r[0] for r in data])
        y = np.array([r[1] for r in data])
        area = np.array([r[2] for r in data])
        columns = [x[:, names.index(f)] for f in features]
        found = []
        for weights in itertools.product(*steps):
            score = sum(w * c for w, c in zip(weights, columns, strict=True))
            best = (0.0, 0.0)
            for t in np.quantile(score, np.linspace(0.3, 0.999, 300)):
                chosen = score > t
                tp = (area * y * chosen).sum()
                wrong = (area * (1 - y) * chosen).sum() + (area * y * ~chosen).sum()
                best = max(best, (2 * tp / max(2 * tp + wrong, 1e-9), t))
            found.append((best[0], weights, best[1]))
        found.sort(reverse=True)
        print(shape, features)
        for f1, weights, threshold in found[:3]:
            print(f"   F1 {f1:.3f}  weights {weights}  > {threshold:.2f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--negative-weight", type=float, default=1.0)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--dump", default=None, help="also save the candidates (.npz)")
    parser.add_argument("--grid", action="store_true", help="search the few-feature rules")
    args = parser.parse_args()
    rows = collect(range(11, 11 + args.seeds), scales=(1, 1.5))
    if args.dump:
        np.savez(
            args.dump,
            **{
                f"{shape}_{part}": np.array([r[i] for r in data])
                for shape, data in rows.items()
                for i, part in enumerate(("x", "y", "area"))
            },
        )
    if args.grid:
        grid(rows)
        return
    print("WEIGHTS = {")
    for shape, data in rows.items():
        if not data:
            continue
        weights, share, n, f1 = fit(data, args.negative_weight)
        print(f"    # {n} candidates, {share:.0%} damage, F1 over them {f1:.2f}")
        print(f'    "{shape}": np.array([{", ".join(f"{v:.4g}" for v in weights)}]),')
    print("}")


if __name__ == "__main__":
    main()
