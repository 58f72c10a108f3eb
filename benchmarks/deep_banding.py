"""Banding of a repaired area in a 16-bit photo: 8-bit fill * 257 against `deep.lift`.

A horizontal 16-bit gradient (sky-like, `--span` 16-bit units across 400 px) is damaged
in a block and repaired with the ideal 8-bit fill (the undamaged 8-bit view), so what is
measured is only how the fill is brought back to 16 bits. Prints, for each gradient, the
largest step between neighbouring pixels along a row of the fill (an 8-bit staircase
shows 257) and the RMS error against the true gradient, in 16-bit units.

    python benchmarks/deep_banding.py
"""

from __future__ import annotations

import json

import numpy as np

from restorer.formats.deep import lift, to_view8


def measure(span: float) -> dict[str, float]:
    height, width = 120, 400
    ramp = np.linspace(10000, 10000 + span, width)
    true = np.repeat(np.repeat(ramp[None, :, None], height, 0), 3, 2)
    original = np.rint(true).astype(np.uint16)
    mask = np.zeros((height, width), bool)
    mask[40:80, 100:300] = True
    damaged = original.copy()
    damaged[mask] = np.random.default_rng(0).integers(0, 65535, (int(mask.sum()), 3))
    fill8 = to_view8(original)
    naive = damaged.copy()
    naive[mask] = fill8[mask].astype(np.uint16) * 257
    lifted = lift(damaged, fill8, mask)
    out: dict[str, float] = {"span": span}
    for name, result in (("naive", naive), ("lifted", lifted)):
        error = result[mask].astype(float) - true[mask]
        row = result[60, 100:300, 0].astype(int)
        out[f"{name}_max_step"] = int(np.abs(np.diff(row)).max())
        out[f"{name}_rms"] = round(float(np.sqrt((error**2).mean())), 1)
    out["outside_identical"] = bool(np.array_equal(lifted[~mask], damaged[~mask]))
    return out


if __name__ == "__main__":
    for span in (1000.0, 3000.0, 12000.0):
        print(json.dumps(measure(span)))
