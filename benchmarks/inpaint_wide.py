"""Fidelity of the weight-free repair engines on a wide set of real photos, in two halves.

    python benchmarks/inpaint_wide.py [--quick] [--half tuning|checking|both]
                                      [--photos N] [--max-side 384] [--kinds ...]
                                      [--engines patchmatch,telea,navier-stokes,fsr,pypatchmatch]

Photos (see `PHOTOS`) come from packages, never from the network at run time:
scikit-image's bundled data (the `bench` extra) and the photographs of three Debian
packages (`apt-get install mate-backgrounds lomiri-wallpapers-16.04
lomiri-wallpapers-20.04`, under /usr/share/backgrounds): people, architecture with
straight lines, landscapes, skies, macro and nature, indoor scenes, text and signs,
old photos. A photo whose package is missing is skipped (the run says which). Each
content group is split alternately into a **tuning** half and a **checking** half, so
both halves are varied; changes to the engine are tuned on the first and confirmed on
the second.

Four mask kinds: thin scratches, brush strokes, one object-sized blob (~10%) - as in
`benchmarks/inpaint_quality.py` - and `lines`: short thick strokes laid across the
longest straight edges of the photo (found with Canny + Hough), which the fill must
carry across. Each case scores, against the original:

- PSNR in the hole (dB, higher is better);
- seam PSNR: on the 3-px ring just inside the hole's border, where halos and colour
  steps show first (dB);
- colour shift: mean CIELAB distance between the result and the original, both
  Gaussian-blurred (sigma 4 px), in the hole (lower is better);
- texture distance (`inpaint_quality.texture_distance`: blur scores badly);
- seconds per picture (CPU; one thread for every engine unless `--threads` says
  otherwise).

Anchors: OpenCV's Telea and Navier-Stokes, OpenCV's Frequency Selective Reconstruction
(`cv2.xphoto.inpaint`, FSR_FAST, from opencv-contrib; it also rewrites pixels outside
the hole, so only its hole is kept) and PyPatchMatch (`pypatchmatch`). Prints a table
per half (all kinds, then per kind), the issue's targets for `patchmatch` on each half,
and writes benchmarks/results/inpaint_wide.json. `--quick`: 192-px photos, at most 8 a
half, a few minutes here.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[0]))
sys.path.insert(0, str(HERE))

from inpaint_quality import make_mask, psnr_in_hole, texture_distance  # noqa: E402

RESULTS = HERE / "results"
BACKGROUNDS = Path("/usr/share/backgrounds")
# (name, group, where): "skimage:NAME" is scikit-image's bundled photo, a path is
# relative to /usr/share/backgrounds. Groups are split alternately into the halves.
PHOTOS = (
    ("astronaut", "people", "skimage:astronaut"),
    ("camera", "people", "skimage:camera"),
    ("rocket", "architecture", "skimage:rocket"),
    ("bridge", "architecture", "Bridge_by_Sander_Klootwijk.jpg"),
    ("blinds", "architecture", "mate/nature/Blinds.jpg"),
    ("brick", "architecture", "skimage:brick"),
    ("friends", "architecture", "friends_by_Aitzol_Berasategi.jpg"),
    ("life", "landscape", "life_by_Aitzol_Berasategi.jpg"),
    ("picosdeeuropa", "landscape", "picosdeeuropa_by_Aitzol_Berasategi.jpg"),
    ("aitzgorri", "landscape", "aitzgorri_by_Aitzol_Berasategi.jpg"),
    ("dune", "landscape", "mate/nature/Dune.jpg"),
    ("infinite_sea", "landscape", "Infinite-Sea_by_Aury88.jpg"),
    ("greenmeadow", "landscape", "mate/nature/GreenMeadow.jpg"),
    ("sunset", "sky", "sunset_by_Aitzol_Berasategi.jpg"),
    ("storm", "sky", "mate/nature/Storm.jpg"),
    ("free", "sky", "free_by_Peter_Nerlich.jpg"),
    ("greentock", "sky", "greentock_by_Peter_Nerlich.jpg"),
    ("dragonfly", "macro", "Dragonfly_by_Bolly.jpg"),
    ("ladybird", "macro", "mate/nature/LadyBird.jpg"),
    ("seeding", "macro", "seeding_by_Clements_Engelhardt.jpg"),
    ("raindrops", "macro", "mate/nature/RainDrops.jpg"),
    ("yellowflower", "macro", "mate/nature/YellowFlower.jpg"),
    ("freshflower", "macro", "mate/nature/FreshFlower.jpg"),
    ("twowings", "macro", "mate/nature/TwoWings.jpg"),
    ("chelsea", "macro", "skimage:chelsea"),
    ("grass", "nature", "skimage:grass"),
    ("gravel", "nature", "skimage:gravel"),
    ("wood", "nature", "mate/nature/Wood.jpg"),
    ("garden", "nature", "mate/nature/Garden.jpg"),
    ("aqua", "nature", "mate/nature/Aqua.jpg"),
    ("coffee", "indoor", "skimage:coffee"),
    ("motorcycle", "indoor", "skimage:motorcycle_left"),
    ("wine", "indoor", "Wine_by_Jakkub_Mede.jpg"),
    ("kleiber", "indoor", "Kleiber_by_Lukas_Baubkus.jpg"),
    ("text", "text", "skimage:text"),
    ("page", "text", "skimage:page"),
    ("coins", "old", "skimage:coins"),
    ("moon", "old", "skimage:moon"),
    ("analogpattern", "nature", "analogpattern_by_Peter_Nerlich.jpg"),
)
KINDS = ("scratches", "strokes", "blob", "lines")
ENGINES = ("telea", "navier-stokes", "fsr", "pypatchmatch", "patchmatch")
ANCHORS = ("telea", "navier-stokes", "fsr", "pypatchmatch")
METRICS = ("psnr", "seam", "colour", "texture", "seconds")


def halves() -> dict[str, list[tuple[str, str, str]]]:
    """The photos split into 'tuning' and 'checking': alternately within each group."""
    split: dict[str, list] = {"tuning": [], "checking": []}
    seen: dict[str, int] = {}
    for entry in PHOTOS:
        index = seen.get(entry[1], 0)
        seen[entry[1]] = index + 1
        split["tuning" if index % 2 == 0 else "checking"].append(entry)
    return split


def load(where: str, max_side: int) -> np.ndarray | None:
    """The photo as HxWx3 uint8 (longer side at most `max_side`), None if not installed."""
    import cv2

    if where.startswith("skimage:"):
        from skimage import data

        name = where.split(":", 1)[1]
        try:
            image = (
                data.stereo_motorcycle()[0] if name == "motorcycle_left" else getattr(data, name)()
            )
        except Exception:  # not bundled with this version (would need a download)
            return None
    else:
        path = BACKGROUNDS / where
        if not path.exists():
            return None
        image = cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    image = np.ascontiguousarray(image[:, :, :3]).astype(np.uint8)
    scale = max_side / max(image.shape[:2])
    if scale < 1:
        size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return image


def line_mask(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Thick strokes laid across the photo's longest straight edges (Canny + Hough):
    each 12-24 px wide at 384 px (in proportion at other sizes) and three to five times
    as long, centred on an edge and at right
    angles to it. Where no straight edge is found, straight strokes at random."""
    import cv2

    height, width = image.shape[:2]
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(cv2.GaussianBlur(grey, (0, 0), 1.5), 40, 120)
    side = min(height, width)
    scale = max(height, width) / 384
    votes = max(20, side // 8)
    found = cv2.HoughLinesP(edges, 1, np.pi / 180, votes, minLineLength=side // 4, maxLineGap=3)
    lines = [] if found is None else [tuple(map(float, s)) for s in found.reshape(-1, 4)]
    lines.sort(key=lambda s: -np.hypot(s[2] - s[0], s[3] - s[1]))
    canvas = np.zeros((height, width), np.uint8)
    count = int(rng.integers(2, 4))
    chosen = []
    for x0, y0, x1, y1 in lines[: 4 * count]:
        if len(chosen) == count:
            break
        t = rng.uniform(0.3, 0.7)
        cx, cy = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
        if any(np.hypot(cx - a, cy - b) < side / 5 for a, b, _, _ in chosen):
            continue  # crossings apart from each other
        length = np.hypot(x1 - x0, y1 - y0)
        chosen.append((cx, cy, -(y1 - y0) / length, (x1 - x0) / length))
    while len(chosen) < count:
        angle = rng.uniform(0, np.pi)
        chosen.append(
            (
                rng.uniform(0.2, 0.8) * width,
                rng.uniform(0.2, 0.8) * height,
                np.cos(angle),
                np.sin(angle),
            )
        )
    for cx, cy, nx, ny in chosen:
        thickness = max(3, round(int(rng.integers(12, 25)) * scale))
        half = thickness * rng.uniform(1.5, 2.5)
        a = (int(round(cx - nx * half)), int(round(cy - ny * half)))
        b = (int(round(cx + nx * half)), int(round(cy + ny * half)))
        cv2.line(canvas, a, b, 255, thickness, cv2.LINE_8)
    return canvas > 0


def mask_for(kind: str, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if kind == "lines":
        return line_mask(image, rng)
    return make_mask(kind, image.shape[:2], rng)


# -- metrics ----------------------------------------------------------------------------


def seam_psnr(result: np.ndarray, original: np.ndarray, mask: np.ndarray) -> float:
    """PSNR on the hole pixels at most 3 px from the known part (the inner ring)."""
    from restorer.blend import hole_depth

    ring = mask & (hole_depth(mask) <= 3.0)
    return psnr_in_hole(result, original, ring)


def colour_shift(result: np.ndarray, original: np.ndarray, mask: np.ndarray) -> float:
    """Mean CIELAB distance of result and original, both blurred (sigma 4 px), in the hole."""
    import cv2

    def lab(image):
        blurred = cv2.GaussianBlur(image.astype(np.float32) / 255.0, (0, 0), 4.0)
        return cv2.cvtColor(blurred, cv2.COLOR_RGB2Lab)

    difference = lab(result)[mask] - lab(original)[mask]
    return float(np.sqrt(np.square(difference).sum(axis=1)).mean())


# -- engines ----------------------------------------------------------------------------


VARIANTS: dict[str, dict] = {}  # "patchmatch-LABEL": FillSettings overrides (--variant)


def run_engine(engine: str, image: np.ndarray, mask: np.ndarray, seed: int) -> np.ndarray:
    import cv2

    if engine in VARIANTS:
        return _variant(VARIANTS[engine], image, mask, seed)
    if engine == "fsr":
        valid = np.where(mask, 0, 255).astype(np.uint8)  # xphoto: non-zero = known
        filled = np.zeros_like(image)
        cv2.xphoto.inpaint(image, valid, filled, cv2.xphoto.INPAINT_FSR_FAST)  # into `filled`
        out = image.copy()
        out[mask] = filled[mask]
        return out
    if engine == "pypatchmatch":
        from patchmatch import patch_match

        patch_match.set_random_seed(seed)
        return patch_match.inpaint(image, mask.astype(np.uint8), patch_size=3)
    from restorer.api import inpaint

    return inpaint(image, mask, engine=engine, device="cpu", seed=seed)


def _variant(overrides: dict, image: np.ndarray, mask: np.ndarray, seed: int) -> np.ndarray:
    """`patchmatch` with some `FillSettings` changed, through the same API."""
    from functools import partial

    import restorer.engines.patchmatch as engine
    from restorer.api import inpaint
    from restorer.exemplar.fill import FillSettings, complete

    engine.complete = partial(complete, settings=FillSettings(**overrides))
    try:
        return inpaint(image, mask, engine="patchmatch", device="cpu", seed=seed)
    finally:
        engine.complete = complete


def score(result: np.ndarray, image: np.ndarray, mask: np.ndarray) -> dict:
    return {
        "psnr": round(psnr_in_hole(result, image, mask), 3),
        "seam": round(seam_psnr(result, image, mask), 3),
        "colour": round(colour_shift(result, image, mask), 3),
        "texture": round(texture_distance(result, image, mask), 3),
    }


def run_cases(photos, kinds, engines, max_side, seed, *, log=True, keep=None) -> list[dict]:
    """Every engine on every photo and mask kind; one row of scores each. `keep`: a
    dict that gets {(photo, kind): (image, mask, {engine: result})} for `save_crops`."""
    rows = []
    for name, group, where in photos:
        image = load(where, max_side)
        if image is None:
            print(f"# {name}: not installed ({where}), skipped", file=sys.stderr)
            continue
        for kind in kinds:
            rng = np.random.default_rng([seed, sum(map(ord, name)), KINDS.index(kind)])
            mask = mask_for(kind, image, rng)
            results = {}
            if keep is not None:
                keep[name, kind] = (image, mask, results)
            for engine in engines:
                started = time.perf_counter()
                result = run_engine(engine, image, mask, seed)
                seconds = time.perf_counter() - started
                assert np.array_equal(result[~mask], image[~mask]), engine
                if keep is not None:
                    results[engine] = result
                row = {"image": name, "group": group, "kind": kind, "engine": engine}
                row.update(score(result, image, mask))
                row["seconds"] = round(seconds, 3)
                row["hole_fraction"] = round(float(mask.mean()), 4)
                rows.append(row)
                if log:
                    print(json.dumps(row), flush=True)
    return rows


def save_crops(rows: list[dict], kept: dict, count: int, tag: str, half: str) -> list[Path]:
    """PNG strips of the `count` cases where `patchmatch` falls furthest below the best
    anchor's PSNR in the hole: an 80-px window round its worst spot (where its blurred
    error is largest), enlarged 3x, of the original, the hole, then each engine's result
    (variants included, so `--variant before:...` gives before and after) with its PSNR
    in the hole. Written to benchmarks/results/inpaint-wide-TAG-HALF-N-PHOTO-KIND.png."""
    import cv2

    margins = []
    for (name, kind), (_, _, results) in kept.items():
        if "patchmatch" not in results:
            continue
        mine = {r["engine"]: r["psnr"] for r in rows if (r["image"], r["kind"]) == (name, kind)}
        best = max(value for engine, value in mine.items() if engine in ANCHORS)
        margins.append((mine["patchmatch"] - best, name, kind))
    paths = []
    for index, (_, name, kind) in enumerate(sorted(margins)[:count]):
        image, mask, results = kept[name, kind]
        error = np.square(results["patchmatch"].astype(np.float32) - image).sum(axis=2) * mask
        spot_y, spot_x = np.unravel_index(
            np.argmax(cv2.GaussianBlur(error, (0, 0), 8.0)), mask.shape
        )
        side = min(80, *mask.shape)
        top = int(np.clip(spot_y - side // 2, 0, mask.shape[0] - side))
        left = int(np.clip(spot_x - side // 2, 0, mask.shape[1] - side))
        holed = image.copy()
        holed[mask] = (255, 0, 255)
        panels = [("original", image), ("hole", holed)]
        panels += [(f"{e} {psnr_in_hole(r, image, mask):.1f}dB", r) for e, r in results.items()]
        tiles = []
        for label, panel in panels:
            tile = np.ascontiguousarray(panel[top : top + side, left : left + side])
            tile = cv2.resize(tile, None, fx=3, fy=3, interpolation=cv2.INTER_NEAREST)
            tile = np.pad(tile, ((0, 16), (0, 4), (0, 0)))
            cv2.putText(
                tile,
                label,
                (2, tile.shape[0] - 4),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.35,
                (255, 255, 0),
                1,
            )
            tiles.append(tile)
        path = RESULTS / f"inpaint-wide-{tag}-{half}-{index + 1}-{name}-{kind}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        strip = cv2.cvtColor(np.hstack(tiles), cv2.COLOR_RGB2BGR)
        cv2.imwrite(str(path), strip, [cv2.IMWRITE_PNG_COMPRESSION, 9])
        paths.append(path)
    return paths


def summarise(rows: list[dict]) -> dict:
    """{engine: {"all": {metric: mean}, kind: {...}}} over the given rows."""
    summary: dict = {}
    for engine in dict.fromkeys(row["engine"] for row in rows):
        mine = [row for row in rows if row["engine"] == engine]
        summary[engine] = {"all": _means(mine)}
        for kind in KINDS:
            of_kind = [row for row in mine if row["kind"] == kind]
            if of_kind:
                summary[engine][kind] = _means(of_kind)
    return summary


def _means(rows: list[dict]) -> dict:
    return {key: float(np.mean([row[key] for row in rows])) for key in METRICS}


def table(summary: dict, part: str = "all") -> str:
    lines = [
        f"| engine ({part}) | PSNR hole | seam PSNR | colour shift | texture | s / picture |",
        "|---|---|---|---|---|---|",
    ]
    for engine, parts in summary.items():
        if part in parts:
            v = parts[part]
            lines.append(
                f"| {engine} | {v['psnr']:.2f} | {v['seam']:.2f} | {v['colour']:.2f} | "
                f"{v['texture']:.2f} | {v['seconds']:.3f} |"
            )
    return "\n".join(lines)


def targets(summary: dict) -> list[str]:
    """The issue's targets for `patchmatch` (all kinds together), each met or not."""
    if "patchmatch" not in summary:
        return []
    ours = summary["patchmatch"]["all"]
    get = {engine: parts["all"] for engine, parts in summary.items()}
    lines = []

    def say(text: str, met: bool) -> None:
        lines.append(f"{text}: {'met' if met else 'NOT met'}")

    pdes = [get[e] for e in ("telea", "navier-stokes") if e in get]
    if pdes:
        best = max(p["psnr"] for p in pdes)
        say(f"PSNR {ours['psnr']:.2f} dB >= best PDE {best:.2f} + 0.2", ours["psnr"] >= best + 0.2)
        best_seam = max(p["seam"] for p in pdes)
        say(f"seam {ours['seam']:.2f} dB >= best PDE {best_seam:.2f}", ours["seam"] >= best_seam)
    if "fsr" in get:
        fsr = get["fsr"]
        say(
            f"PSNR {ours['psnr']:.2f} dB within 0.3 of FSR {fsr['psnr']:.2f}",
            ours["psnr"] >= fsr["psnr"] - 0.3,
        )
        say(
            f"seam {ours['seam']:.2f} dB within 0.5 of FSR {fsr['seam']:.2f}",
            ours["seam"] >= fsr["seam"] - 0.5,
        )
    anchors = {e: get[e]["colour"] for e in ANCHORS if e in get}
    if anchors:
        lowest = min(anchors.values())
        say(
            f"colour shift {ours['colour']:.2f} < every anchor's (lowest {lowest:.2f})",
            ours["colour"] < lowest,
        )
    if "pypatchmatch" in get:
        theirs = get["pypatchmatch"]
        say(
            f"texture {ours['texture']:.2f} <= 0.7 x pypatchmatch {theirs['texture']:.2f}",
            ours["texture"] <= 0.7 * theirs["texture"],
        )
        say(
            f"time {ours['seconds']:.3f} s <= 0.5 x pypatchmatch {theirs['seconds']:.3f} s",
            ours["seconds"] <= 0.5 * theirs["seconds"],
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--half", choices=("tuning", "checking", "both"), default="both")
    parser.add_argument("--photos", type=int, default=None, help="at most this many a half")
    parser.add_argument("--max-side", type=int, default=384)
    parser.add_argument("--quick", action="store_true", help="192 px, at most 8 photos a half")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads", type=int, default=1, help="CPU threads for torch and OpenCV (0: their own)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "inpaint_wide.json")
    parser.add_argument(
        "--crops", type=int, default=0, help="save strips of this many worst cases a half"
    )
    parser.add_argument("--tag", default="after", help="name part of the saved strips")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        help="LABEL:KEY=VALUE,...: also run patchmatch with these FillSettings as "
        "'patchmatch-LABEL' (e.g. before:low_band_share=0.5,thick_patch=7)",
    )
    args = parser.parse_args()
    if args.threads > 0:
        # One thread each by default: PyPatchMatch uses one, and on a shared, busy machine
        # a multi-threaded run spends more time waiting for its threads than working.
        import cv2
        import torch

        torch.set_num_threads(args.threads)
        cv2.setNumThreads(args.threads)
    if args.quick:
        args.max_side = min(args.max_side, 192)
        args.photos = min(args.photos or 8, 8)
    engines, kinds = args.engines.split(","), args.kinds.split(",")
    for spec in args.variant:
        label, _, pairs = spec.partition(":")
        overrides = {}
        for pair in filter(None, pairs.split(",")):
            key, _, value = pair.partition("=")
            overrides[key] = None if value == "None" else ast.literal_eval(value)
        VARIANTS[f"patchmatch-{label}"] = overrides
        engines.append(f"patchmatch-{label}")

    warm = load("skimage:camera", 64)
    for engine in engines:  # imports, first torch call: not in the first picture's time
        run_engine(engine, warm, make_mask("strokes", warm.shape[:2], np.random.default_rng(0)), 0)

    report: dict = {"max_side": args.max_side, "halves": {}}
    chosen = ("tuning", "checking") if args.half == "both" else (args.half,)
    for half in chosen:
        photos = halves()[half][: args.photos]
        kept: dict | None = {} if args.crops else None
        rows = run_cases(photos, kinds, engines, args.max_side, args.seed, keep=kept)
        if kept:
            for path in save_crops(rows, kept, args.crops, args.tag, half):
                print(f"# saved {path}", file=sys.stderr)
        summary = summarise(rows)
        verdict = targets(summary)
        report["halves"][half] = {"rows": rows, "summary": summary, "targets": verdict}
    for half, part in report["halves"].items():
        count = len({row["image"] for row in part["rows"]})
        print(f"\n## {half} half: {count} photos, {args.max_side} px\n")
        for kind in ("all", *kinds):
            print(table(part["summary"], kind))
            print()
        for line in part["targets"]:
            print(line)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
