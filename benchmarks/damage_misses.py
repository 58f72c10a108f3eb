"""Where the detector loses dust and scratch pixels: a breakdown of the missed truth.

    .venv/bin/python benchmarks/damage_misses.py --generators A,B   # tuning half, seed 1

For each tuning photo (never the checking half, never generator C) every true dust or
scratch pixel that the mask misses (not within the 2-px tolerance) is put in one class:

- ``faint``: the damage changes the luminance there by less than the weak threshold;
- ``texture``: the change is over the weak threshold but its score (residual minus the
  local texture) is not: lost to the texture normalisation or to the residual filter;
- ``soft_edge``: under the weak threshold, but the damage it belongs to was found;
- ``no_seed``: over the weak threshold, but its component holds no strong pixel (or none
  within reach);
- ``shape``: in a component with no shape (too big, merged with an edge, not thin);
- ``rules``: in a candidate that the rule in WEIGHTS rejected.
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

import damage_synth  # noqa: E402
from damage_detection import GENERATORS, TUNING_PHOTOS, load_photo  # noqa: E402
from damage_synth import add_grain  # noqa: E402

from restorer.damage import detect  # noqa: E402

CLASSES = ("faint", "texture", "soft_edge", "no_seed", "shape", "rules")


def classify(damaged, base, parts, counts) -> None:
    settings = detect.DamageSettings()
    found = detect.detect_damage(damaged) > 0
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    near_found = cv2.dilate(found.view(np.uint8), disc) > 0
    gray_d = cv2.cvtColor(damaged, cv2.COLOR_RGB2GRAY).astype(np.float32)
    gray_b = cv2.cvtColor(base, cv2.COLOR_RGB2GRAY).astype(np.float32)
    change = gray_d - gray_b
    gray, weak, groups = detect.tile_candidates(damaged, settings)
    scaled = detect._Scaled.of(damaged, 1, detect.TUNING)
    factor = 2.0 ** ((0.5 - settings.sensitivity) * 2.0)
    grain = max(detect._grain(gray), detect.TUNING.min_grain)
    strong = (detect.TUNING.strong * grain + detect.TUNING.strong_floor) * factor
    in_candidate = np.zeros(gray.shape, bool)
    in_kept = np.zeros(gray.shape, bool)
    for group in groups:
        keep = detect._decide(group, settings.sensitivity)
        labels = group.labels
        if group.scale > 1:
            h, w = gray.shape
            labels = cv2.resize(labels.astype(np.float32), (w, h), interpolation=cv2.INTER_NEAREST)
            labels = labels.astype(np.int64)
        in_candidate |= labels > 0
        in_kept |= keep[labels]
    for kind in ("dust", "scratches"):
        truth = parts.get(kind)
        if truth is None:
            continue
        missed = truth & ~near_found
        c = counts.setdefault(kind, dict.fromkeys(CLASSES, 0) | {"truth": 0, "missed": 0})
        c["truth"] += int(truth.sum())
        c["missed"] += int(missed.sum())
        n, comp = cv2.connectedComponents(truth.view(np.uint8), connectivity=8)
        found_comp = np.zeros(n, bool)
        found_comp[np.unique(comp[truth & near_found])] = True
        found_comp[0] = False
        dark = change < 0
        score = np.where(dark, scaled.scores[0], scaled.scores[1])
        over = score > weak
        mask_d = (scaled.scores[0] > weak).view(np.uint8)
        mask_b = (scaled.scores[1] > weak).view(np.uint8)
        seeded = np.zeros(gray.shape, bool)
        for m, s in ((mask_d, scaled.scores[0] > strong), (mask_b, scaled.scores[1] > strong)):
            k, lab = cv2.connectedComponents(m, connectivity=8)
            has = np.zeros(k, bool)
            has[np.unique(lab[s & (m > 0)])] = True
            has[0] = False
            seeded |= has[lab]
        weak_change = np.abs(change) > weak
        cls = {
            "rules": missed & in_candidate,
            "shape": missed & ~in_candidate & over & seeded,
            "no_seed": missed & ~in_candidate & over & ~seeded,
        }
        rest = missed & ~in_candidate & ~over
        cls["soft_edge"] = rest & found_comp[comp]
        cls["texture"] = rest & ~found_comp[comp] & weak_change
        cls["faint"] = rest & ~found_comp[comp] & ~weak_change
        for name, m in cls.items():
            c[name] += int(m.sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generators", default="A,B")
    parser.add_argument("--seeds", type=int, default=1)
    args = parser.parse_args()
    for generator in args.generators.split(","):
        if generator == "C":
            raise SystemExit("Generator C is held out: it is never diagnosed.")
        make = getattr(damage_synth, GENERATORS[generator])
        counts: dict = {}
        for name in TUNING_PHOTOS:
            photo = load_photo(name)
            for seed in range(1, args.seeds + 1):
                rng = np.random.default_rng(seed * 1000 + zlib.crc32(name.encode()) % 997)
                base = add_grain(photo, rng, rng.uniform(1.5, 4.0))
                parts: dict = {}
                damaged, truth = make(base, rng, parts=parts)
                classify(damaged, base, {k: v & truth for k, v in parts.items()}, counts)
        for kind, c in counts.items():
            missed = max(c["missed"], 1)
            share = {k: f"{100 * c[k] / missed:.0f}%" for k in CLASSES}
            recall = 1 - c["missed"] / max(c["truth"], 1)
            print(f"gen {generator} {kind:9s} recall {recall:.2f} missed {c['missed']}: {share}")


if __name__ == "__main__":
    main()
