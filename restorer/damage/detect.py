"""Weight-free damage detection: dust, hairs and scratches, cracks, spots and stains.

How it works, per tile of the photo (tiles overlap so nothing changes at their seams):

1. **Residuals at two scales.** On the luminance, a morphological closing (for dark damage)
   and opening (for bright damage) with a small square removes every structure narrower than
   the square; what it removed is the residual. Full resolution with a 7-px square catches
   specks up to ~6 px and lines up to 5 px wide; half resolution catches specks up to ~12 px.
   Spots and stains (up to ~40 px) have their own search, `restorer.damage.spots`.
2. **Normalised by the local texture.** Grass, hair, foliage and fabric leave residuals
   everywhere, of both polarities. A speck of dust leaves a residual of one polarity on its
   own. The score of a pixel is its residual minus a multiple of the local mean residual of the
   *opposite* polarity (which damage does not raise) and of its own polarity (which isolated
   damage raises little), and thresholds scale with the grain measured on the tile.
3. **Candidates.** Pixels over a low threshold form connected components; a component is a
   candidate when it holds a pixel over the high threshold and its shape fits a kind: small
   specks (dust), thin and long components (scratches and hairs of either polarity, dark
   cracks that may branch). Pixels that run
   straight for 15 px in one of 8 directions are split off first, so a scratch is not lost
   in the edge or blob it crosses.
4. **A rule per shape** keeps a candidate when a weighted sum of its features is positive:
   mostly how far its contrast stands above the edges and texture in a ring around it
   (`log_isolation`), plus its length for lines. The few weights in `WEIGHTS` were chosen
   on the tuning half of the benchmark only (benchmarks/damage_fit.py --grid); they are
   numbers in this file, not a model file. Colour features are measured too (for that
   search) but the chosen rules do not use them.
   Obvious specks skip that rule (`_direct_specks`): a dust candidate whose peak residual
   is 12 times the noise of its ring and that is alone there is kept. A soft speck's
   footprint may reach 20 px when its core (over half its peak) is at most 12 px.
   Ridge lines skip it too (`_ridge_shares`, `_straight_share`): a long line whose core
   stands far over BOTH its sides (not a step) is a scratch even beside the edges that
   lower its isolation, when its outline is straight runs (a polyline bent sharply, not
   the smooth arc of a rim). Where a scratch touches a curved edge, the straight runs of
   each direction are tried apart by this rule alone.
5. **Long scratches in busy texture** (`long_lines`): where grass or foliage blinds the
   components, the residual is averaged along 12 directions and kept where a long, thin,
   straight line stands alone (see its docstring).
6. The mask is grown by `grow` pixels so that a repair covers the soft edge of the damage.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

import cv2
import numpy as np

from restorer.api import as_rgb
from restorer.damage.cracks import find_cracks
from restorer.damage.spots import find_spots
from restorer.errors import RestorerError
from restorer.progress import Progress

ALL_KINDS: tuple[str, ...] = ("dust", "scratches", "cracks", "spots")
DEFAULT_SENSITIVITY = 0.5

TILE = 2048  # core of one tile, in pixels
MARGIN = 96  # context around each tile: more than the widest filter reaches


@dataclass(frozen=True)
class DamageSettings:
    """What to look for. `min_size`/`max_size` bound the size (longest side, px) of specks
    and spots; lines (scratches, hairs, cracks) are kept at any length of at least
    `min_size`."""

    kinds: tuple[str, ...] = ALL_KINDS
    sensitivity: float = DEFAULT_SENSITIVITY
    min_size: int = 1
    max_size: int = 40
    grow: int = 2

    def validated(self) -> DamageSettings:
        kinds = parse_kinds(self.kinds)
        if not 0.0 <= float(self.sensitivity) <= 1.0:
            raise RestorerError(f"Sensitivity must be between 0 and 1, not {self.sensitivity}.")
        if self.min_size < 1 or self.max_size < self.min_size:
            raise RestorerError(
                f"Sizes must satisfy 1 <= min_size <= max_size; got {self.min_size} "
                f"and {self.max_size}."
            )
        if not 0 <= self.grow <= 8:
            raise RestorerError(f"Grow must be between 0 and 8 pixels, not {self.grow}.")
        return DamageSettings(
            kinds, float(self.sensitivity), self.min_size, self.max_size, self.grow
        )


def parse_kinds(kinds: str | Iterable[str]) -> tuple[str, ...]:
    """`"dust,scratches"` or an iterable of names -> a tuple of known kinds, in canonical order."""
    names = kinds.split(",") if isinstance(kinds, str) else list(kinds)
    names = [name.strip().lower() for name in names if name.strip()]
    unknown = [name for name in names if name not in ALL_KINDS]
    if unknown:
        raise RestorerError(
            f"Unknown kind of damage {unknown[0]!r}; choose from {', '.join(ALL_KINDS)}."
        )
    if not names:
        raise RestorerError(f"Name at least one kind of damage: {', '.join(ALL_KINDS)}.")
    return tuple(kind for kind in ALL_KINDS if kind in names)


def detect_damage(
    image: np.ndarray,
    *,
    kinds: str | Iterable[str] = ALL_KINDS,
    sensitivity: float = DEFAULT_SENSITIVITY,
    min_size: int = 1,
    max_size: int = 40,
    grow: int = 2,
    progress: Progress | None = None,
    region: np.ndarray | None = None,
) -> np.ndarray:
    """Find dust, scratches, cracks and spots on `image`; return HxW uint8 (255 = damaged).

    `sensitivity` in [0, 1] (0.5 default): higher finds fainter damage and more false alarms.
    `region` (HxW bool) restricts the search to an area, e.g. what the person brushed.
    Cancellable through `progress`; reports per tile.
    """
    settings = DamageSettings(tuple(parse_kinds(kinds)), sensitivity, min_size, max_size, grow)
    settings = settings.validated()
    rgb = as_rgb(image)
    height, width = rgb.shape[:2]
    progress = progress or Progress()
    out = np.zeros((height, width), np.uint8)
    top, left, bottom, right = 0, 0, height, width
    if region is not None:
        region = np.asarray(region, bool)
        if region.shape != (height, width):
            raise RestorerError(
                f"The region is {region.shape[1]}x{region.shape[0]} but the image is "
                f"{width}x{height}; they must be the same size."
            )
        rows, cols = np.nonzero(region.any(axis=1))[0], np.nonzero(region.any(axis=0))[0]
        if rows.size == 0:
            return out
        top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    tiles = [
        (y, x, min(y + TILE, bottom), min(x + TILE, right))
        for y in range(top, bottom, TILE)
        for x in range(left, right, TILE)
    ]
    progress.update(0.0, "Finding damage")

    def one(tile: tuple[int, int, int, int]) -> np.ndarray:
        y0, x0, y1, x1 = tile
        ya, xa = max(0, y0 - MARGIN), max(0, x0 - MARGIN)
        yb, xb = min(height, y1 + MARGIN), min(width, x1 + MARGIN)
        if progress.cancelled:
            return np.zeros((y1 - y0, x1 - x0), np.uint8)
        found = detect_tile(rgb[ya:yb, xa:xb], settings, TUNING)
        return found[y0 - ya : y1 - ya, x0 - xa : x1 - xa]

    # Tiles run two at a time: OpenCV and numpy release the GIL for the heavy work.
    workers = min(2, os.cpu_count() or 1, len(tiles))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(one, tile): tile for tile in tiles}
        try:
            for done, future in enumerate(as_completed(futures), 1):
                y0, x0, y1, x1 = futures[future]
                out[y0:y1, x0:x1] = future.result()
                progress.update(done / len(tiles), "Finding damage")
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    if region is not None:
        out[~region] = 0
    return out


# -- one tile -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Tuning:
    """Constants chosen on the tuning half of benchmarks/damage_detection.py."""

    kernel: int = 7  # square of the closing/opening at each scale
    texture_window: int = 31  # local mean of residuals, full-resolution pixels
    opposite_weight: float = 1.6  # of the opposite-polarity local residual
    same_weight: float = 0.6  # of the same-polarity local residual
    weak: float = 2.5  # low threshold, in grain units ...
    strong: float = 5.0  # high threshold, in grain units ...
    weak_floor: float = 10.0  # ... plus these many levels
    strong_floor: float = 30.0
    min_grain: float = 1.5
    ring: int = 4  # width of the ring a candidate is compared with
    line_length: float = 14.0  # a thin component at least this long is a line
    line_width: float = 5.5  # largest mean width of a line
    reach: int = 24  # px: how far from a strong pixel a candidate's weak pixels may lie
    # Long scratches in busy texture (`long_lines`), at half resolution:
    line_textured: float = 15.0  # mean residual (levels, 31-px window) of busy texture
    line_taps: int = 11  # length of each oriented mean ...
    line_passes: int = 2  # ... applied this many times
    line_angles: tuple[int, ...] = tuple(range(12))  # of 12, 15 degrees apart
    line_low: float = 1.3  # hysteresis on the oriented mean, in local noise units
    line_high: float = 2.0
    line_window: int = 41  # window of the own-polarity mean ...
    line_same: float = 1.5  # ... and its weight in the noise
    line_min_length: float = 200.0  # full-resolution pixels
    line_max_width: float = 3.0  # mean width of a component
    line_bend: float = 2.0  # largest spread across its axis
    crowd_window: int = 81
    line_crowd: float = 0.04  # largest share of line pixels in the window around a line
    line_draw: float = 0.8  # a drawn pixel's residual must exceed this many grain units
    # Obvious specks (`_direct_specks`), kept whatever WEIGHTS says:
    # largest dust footprint (px) at half resolution: 20 found more of generator B's soft
    # dust on the tuning half but took letters of text for dust on the checking half, so
    # past 12 px the core decides (`speck_soft`)
    speck_footprint: int = 12
    speck_soft: int = 20  # px: a footprint up to this size is dust when its core is small
    speck_peak: float = 12.0  # peak residual over the local noise ...
    speck_floor: float = 40.0  # ... and at least these many levels
    speck_ring: int = 6  # width of the ring (px at its scale) ...
    speck_alone: float = 0.3  # ... whose largest same-polarity residual is at most this share
    speck_texture: float = 0.5  # share of the ring's edges and texture counted as noise
    speck_weighted: int = 12  # dust with a larger footprint must stand out more ...
    speck_big_margin: float = 0.0  # ... by this much log-isolation, or be obvious


TUNING = _Tuning()
# The colour features (chroma, tone) cost a Lab conversion of every candidate and ring
# pixel; WEIGHTS gives them no weight, so they are measured only for benchmarks/damage_fit.py.
COLOUR_FEATURES = False

FEATURES = (
    "bias", "log_area", "log_extent", "width", "fill", "thin", "contrast", "strong_share",
    "ring_edges", "ring_texture", "log_isolation", "extremeness", "chroma", "chroma_change",
    "tone_change", "grain", "dark",
)  # fmt: skip

# The rule that tells damage from detail, per shape: a candidate is kept when
# weights . features + (sensitivity - 0.5) * 2 > 0. Chosen on the tuning half only
# (benchmarks/damage_fit.py --grid).
WEIGHTS = {
    # contrast at least e times the edges and texture around it
    "dust": np.array([-1.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 0, 0]),
    # the longer a line, the less it must stand out: isolation + log(length) > 6.35
    "line": np.array([-6.35, 0, 1.0, 0, 0, 0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 0, 0]),
}

# Ridge lines (`_ridge_shares`): kept when this long (px), this share of their pixels on a
# ridge, at most this share on a step, and at least this isolation.
RIDGE_LENGTH = 60.0
RIDGE_SHARE = 0.8
RIDGE_STEP = 0.15
RIDGE_ISOLATION = 1.0
RIDGE_HEIGHT = 40.0  # levels over the brighter (darker) side
RIDGE_CONTRAST = 75.0  # mean residual, levels
RIDGE_STRAIGHT = 0.45  # share of its outline in straight runs of RIDGE_RUN px ...
RIDGE_RUN = 40.0
RIDGE_TOLERANCE = 1.5  # ... that stray at most this far (px)
RIDGE_GENTLE = 25.0  # degrees: a chord turning less at both ends, the same way, is an arc


def _grain(gray: np.ndarray) -> float:
    """Grain of the tile in levels: a robust spread of each pixel against its 4 neighbours."""
    small = (gray if gray.size <= 1_000_000 else gray[::2, ::2]).astype(np.float32)
    kernel = np.array([[0, -0.25, 0], [-0.25, 1, -0.25], [0, -0.25, 0]], np.float32)
    diff = cv2.filter2D(small, -1, kernel)
    return float(np.median(np.abs(diff))) * 1.4826 / 1.118


def _residuals(gray: np.ndarray, kernel: int) -> tuple[np.ndarray, np.ndarray]:
    square = cv2.getStructuringElement(cv2.MORPH_RECT, (kernel, kernel))
    dark = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, square)
    bright = cv2.morphologyEx(gray, cv2.MORPH_TOPHAT, square)
    return dark, bright


def _scores(dark, bright, window: int, tuning: _Tuning):
    """Residual minus the local texture, for dark and for bright damage (float32)."""
    window = max(3, window | 1)
    mean_dark = cv2.blur(dark.astype(np.float32), (window, window))
    mean_bright = cv2.blur(bright.astype(np.float32), (window, window))
    score_dark = dark - tuning.opposite_weight * mean_bright - tuning.same_weight * mean_dark
    score_bright = bright - tuning.opposite_weight * mean_dark - tuning.same_weight * mean_bright
    return score_dark, score_bright


@dataclass
class Candidates:
    """Connected components of one polarity at one scale, with their features."""

    scale: int
    polarity: str
    labels: np.ndarray  # int32 at 1/scale resolution, 0 = none
    shape: np.ndarray  # per label: "", "dust" or "line"
    features: np.ndarray  # (labels, FEATURES)
    background: np.ndarray  # closing (dark) or opening (bright) at 1/scale resolution
    direct: np.ndarray | None = None  # per label: a speck that stands out on its own
    direct_only: np.ndarray | None = None  # per label: kept only when `direct`
    ridge: np.ndarray | None = None  # per line label: share of its pixels on a ridge
    step: np.ndarray | None = None  # per line label: share of its pixels on a step
    ridge_only: bool = False  # kept only by the ridge rule


def _bincount_mean(index, values, count):
    return np.bincount(index, values, minlength=count) / np.maximum(
        np.bincount(index, minlength=count), 1
    )


def _line_kernels(length: int) -> list[np.ndarray]:
    """Straight 1-px segments `length` long in 8 directions."""
    kernels = []
    centre = length // 2
    for step in range(8):
        angle = np.pi * step / 8
        dx, dy = np.cos(angle) * centre, np.sin(angle) * centre
        kernel = np.zeros((length, length), np.uint8)
        start = (int(round(centre - dx)), int(round(centre - dy)))
        end = (int(round(centre + dx)), int(round(centre + dy)))
        cv2.line(kernel, start, end, 1, 1)
        kernels.append(kernel)
    return kernels


LINE_KERNELS = _line_kernels(15)


def _linear_part(mask: np.ndarray, pieces: list | None = None) -> np.ndarray:
    """The pixels of `mask` that lie on a straight run of 15 px in some direction, so a
    scratch is split from the blobs and edges it crosses. `pieces`, when given, receives
    the runs of each direction apart (full-size masks)."""
    linear = np.zeros_like(mask)
    # Only components at least 15 px long can hold such a run: open just their box.
    count, labels, stats = _label(mask)
    long = np.maximum(stats[:, 2], stats[:, 3]) >= 15
    long[0] = False
    if not long.any():
        return linear
    height, width = mask.shape  # the box, padded by half a kernel (or to the tile's edge)
    x0, y0 = max(0, stats[long, 0].min() - 8), max(0, stats[long, 1].min() - 8)
    x1 = min(width, (stats[long, 0] + stats[long, 2]).max() + 8)
    y1 = min(height, (stats[long, 1] + stats[long, 3]).max() + 8)
    crop = (long[labels[y0:y1, x0:x1]]).view(np.uint8)
    part = linear[y0:y1, x0:x1]
    for kernel in LINE_KERNELS:
        run = cv2.morphologyEx(crop, cv2.MORPH_OPEN, kernel)
        part |= run
        if pieces is not None and run.any():
            piece = np.zeros_like(mask)
            piece[y0:y1, x0:x1] = run
            pieces.append(piece)
    return linear


@dataclass
class _Scaled:
    """What both polarities share at one scale: the photo, its residuals and contrast."""

    scale: int
    rgb: np.ndarray
    gray: np.ndarray
    dark: np.ndarray
    bright: np.ndarray
    scores: tuple[np.ndarray, np.ndarray]  # dark, bright
    edges: np.ndarray  # 3x3 morphological gradient
    texture: np.ndarray  # dark + bright residual

    @classmethod
    def of(cls, rgb: np.ndarray, scale: int, tuning: _Tuning) -> _Scaled:
        if scale > 1:
            height, width = rgb.shape[:2]
            size = (max(1, width // scale), max(1, height // scale))
            rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        dark, bright = _residuals(gray, tuning.kernel)
        scores = _scores(dark, bright, tuning.texture_window // scale, tuning)
        edges = cv2.morphologyEx(gray, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
        return cls(scale, rgb, gray, dark, bright, scores, edges, cv2.add(dark, bright))


def find_candidates(scaled: _Scaled, polarity, weak, strong, grain, settings, tuning=TUNING):
    """Components over `weak` holding a pixel over `strong`, with shape and features.
    At full resolution, the straight runs of components that fit no shape are a second
    (line) group."""
    scale = scaled.scale
    dark = polarity == "dark"
    score, residual = (scaled.scores[0], scaled.dark) if dark else (scaled.scores[1], scaled.bright)
    mask = (score > weak).view(np.uint8)
    # Only weak pixels within reach of a strong one can join a candidate: dropping the
    # rest first (grain over the weak threshold) makes the labelling below much cheaper.
    seeds = (score > strong).view(np.uint8)
    reach = 2 * tuning.reach + 1
    mask &= cv2.dilate(seeds, cv2.getStructuringElement(cv2.MORPH_RECT, (reach, reach)))
    background = None
    if scale > 1:
        op = cv2.MORPH_CLOSE if dark else cv2.MORPH_OPEN
        square = cv2.getStructuringElement(cv2.MORPH_RECT, (tuning.kernel, tuning.kernel))
        background = cv2.morphologyEx(scaled.gray, op, square)
    context = (scaled, residual, score, strong, grain, background)
    if scale > 1:
        return [_group(mask, polarity, context, settings, tuning, ("blob",))]
    main = _group(mask, polarity, context, settings, tuning, ("dust", "line"))
    groups = [main]
    kinds = set(settings.kinds)
    if ("scratches" in kinds) or ("cracks" in kinds and dark):
        # A scratch that runs into an edge or a blob makes one component that is neither
        # thin nor small; its straight runs are tried again as lines on their own.
        pieces: list[np.ndarray] = []
        linear = _linear_part(mask & (main.labels == 0).astype(np.uint8), pieces)
        if linear.any():
            groups.append(_group(linear, polarity, context, settings, tuning, ("line",)))
        # Where a scratch crosses a curved edge, their straight runs still touch: the
        # runs of each direction apart are tried as ridges (`_ridge_shares`) only.
        for piece in pieces:
            group = _group(piece, polarity, context, settings, tuning, ("line",))
            if group.ridge is not None:
                group.ridge_only = True
                groups.append(group)
    return groups


def _label(mask: np.ndarray, block: int = 64):
    """`cv2.connectedComponentsWithStats` (8-connected) for a sparse mask, cheaper: only
    the groups of touching `block`-px squares that hold any pixel are labelled (labelling
    a whole 5-MP tile costs ~0.1 s even when it is empty)."""
    height, width = mask.shape
    rows, cols = -(-height // block), -(-width // block)
    padded = np.zeros((rows * block, cols * block), np.uint8)
    padded[:height, :width] = mask
    occupied = padded.reshape(rows, block, cols, block).max(axis=(1, 3))
    groups, group_of, boxes, _ = cv2.connectedComponentsWithStats(occupied, connectivity=8)
    if groups - 1 > 400 or occupied.mean() > 0.25:
        count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        return count, labels, stats
    labels = np.zeros((height, width), np.int32)
    all_stats = [np.zeros((1, 5), np.int32)]
    count = 1
    for g in range(1, groups):
        bx, by, bw, bh = boxes[g, :4]
        y0, x0 = by * block, bx * block
        y1, x1 = min(height, (by + bh) * block), min(width, (bx + bw) * block)
        mine = np.repeat(np.repeat(group_of[by : by + bh, bx : bx + bw] == g, block, 0), block, 1)
        crop = mask[y0:y1, x0:x1] & mine[: y1 - y0, : x1 - x0].view(np.uint8)
        n, part, stats, _ = cv2.connectedComponentsWithStats(crop, connectivity=8)
        if n <= 1:
            continue
        inside = part > 0
        view = labels[y0:y1, x0:x1]
        view[inside] = part[inside] + (count - 1)
        stats = stats[1:].copy()
        stats[:, 0] += x0
        stats[:, 1] += y0
        all_stats.append(stats)
        count += n - 1
    return count, labels, np.concatenate(all_stats)


def _group(mask, polarity, context, settings, tuning, allowed) -> Candidates:
    scaled, residual, score, strong, grain, background = context
    scale = scaled.scale
    count, labels, stats = _label(mask)
    keep = np.zeros(count, bool)
    keep[np.unique(labels[(score > strong) & (mask > 0)])] = True
    keep[0] = False
    w, h = stats[:, 2].astype(np.float64), stats[:, 3].astype(np.float64)
    area = stats[:, 4].astype(np.float64)
    extent = np.maximum(w, h) * scale
    diagonal = np.hypot(w, h)
    fill = area / np.maximum(w * h, 1)
    kinds = set(settings.kinds)
    shape = np.full(count, "", dtype=object)
    length = extent
    if scale == 1:
        # A curved hair is longer than its box: length ~ area / width, width ~ 4 x the
        # mean distance of its pixels to its edge.
        depth = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
        inside = labels > 0
        mean_depth = np.bincount(labels[inside], depth[inside], minlength=count)
        mean_depth = mean_depth / np.maximum(area, 1)
        length = np.maximum(extent, area / np.maximum(4 * mean_depth, 1))
        eroded = cv2.erode(mask, np.ones((5, 5), np.uint8))
        core = np.bincount(labels[eroded > 0], minlength=count)
        thin = core / np.maximum(area, 1)
        line_ok = ("scratches" in kinds) or ("cracks" in kinds and polarity == "dark")
        branched = ("cracks" in kinds) & (polarity == "dark") & (fill <= 0.12)
        width_limit = np.where(branched, 2.0 * tuning.line_width, tuning.line_width)
        lines = line_ok & (diagonal >= max(tuning.line_length, settings.min_size))
        lines &= (area / np.maximum(diagonal, 1) <= width_limit) & (thin <= 0.25)
        dust = ("dust" in kinds) & (extent <= min(12, settings.max_size))
        dust &= (extent >= settings.min_size) & ("dust" in allowed)
        shape[dust] = "dust"
        shape[lines & ~dust & ("line" in allowed)] = "line"
    else:
        thin = np.zeros(count)
        dust_limit = min(tuning.speck_footprint, settings.max_size)
        lo, hi = 6, dust_limit  # scale 2: specks past what full resolution sees
        sized = (extent > lo) & (extent <= hi) & (extent >= settings.min_size) & (fill >= 0.3)
        if tuning.speck_soft > hi:
            # A soft speck's footprint outgrows its core: past `hi`, dust is told by the
            # size of its core (over half its peak residual); letters and sharp blobs,
            # whose core is their footprint, stay out.
            soft = (extent > hi) & (extent <= min(tuning.speck_soft, settings.max_size))
            soft &= (fill >= 0.3) & keep
            if soft.any():
                core = _core_extent(labels, count, residual, soft) * scale
                sized |= soft & (core <= hi)
        if "dust" in kinds:
            shape[sized] = "dust"
    keep &= shape != ""
    labels = np.where(keep[labels], labels, 0).astype(np.int32)
    features = np.zeros((count, len(FEATURES)))
    if keep.any():
        features = _features(scaled, labels, count, residual, strong, tuning)
        features[:, 1] = np.log1p(area * scale * scale)
        features[:, 2] = np.log1p(length)
        features[:, 3] = area / np.maximum(diagonal, 1)
        features[:, 4] = fill
        features[:, 5] = thin
        features[:, 15] = grain / 10.0
        features[:, 16] = 1.0 if polarity == "dark" else 0.0
    shape[~keep] = ""
    direct = None
    if (shape == "dust").any():
        direct = _direct_specks(scaled, labels, count, residual, grain, features, tuning)
        direct &= shape == "dust"
    # Dust whose footprint is past the usual 12 px must stand out more, or be obvious.
    direct_only = (shape == "dust") & (extent > tuning.speck_weighted)
    direct_only &= features[:, 10] < 1.0 + tuning.speck_big_margin
    group = Candidates(scale, polarity, labels, shape, features, background, direct, direct_only)
    if scale == 1 and (shape == "line").any():
        # Only each line's core (residual over its mean) is measured: its soft flanks
        # lie beside the line, not on it.
        core = residual >= (features[:, 6] * 64)[labels]
        group.ridge, group.step = _ridge_shares(
            scaled.gray, np.where(core, labels, 0), count, shape == "line", polarity == "dark"
        )
    return group


def _ridge_shares(gray, labels, count, wanted, dark, distance: int = 4):
    """Per wanted label: the share of its pixels that stand out from BOTH sides across
    the line (a ridge: a scratch, even where it runs beside an edge) and the share that
    differ from one side only (a step: the rim of a cup, the edge of a plate).

    Each pixel is compared with the 3x3 mean `distance` px away on both sides, in the one
    of 4 directions where it stands out most from the darker (brighter) of its two sides."""
    ys, xs = np.nonzero(wanted[labels])
    ridge = np.zeros(count)
    step = np.zeros(count)
    if ys.size == 0:
        return ridge, step
    index = labels[ys, xs]
    height, width = gray.shape
    sign = -1.0 if dark else 1.0
    centre = gray[ys, xs].astype(np.float64) * sign
    smooth = cv2.blur(gray, (3, 3)).astype(np.float64) * sign
    best = np.full(ys.size, -np.inf)
    best_step = np.zeros(ys.size)
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        diagonal = dy != 0 and dx != 0
        sides = []
        for reach in (distance,):
            scale = max(1, round(reach / 1.414)) if diagonal else reach
            ay = np.clip(ys + dy * scale, 0, height - 1)
            ax = np.clip(xs + dx * scale, 0, width - 1)
            by = np.clip(ys - dy * scale, 0, height - 1)
            bx = np.clip(xs - dx * scale, 0, width - 1)
            sides.append((smooth[ay, ax], smooth[by, bx]))
        ((one, other),) = sides
        height_over = centre - np.maximum(one, other)  # over both sides
        better = height_over > best
        best = np.where(better, height_over, best)
        best_step = np.where(better, np.abs(one - other), best_step)
    on_ridge = (best >= RIDGE_HEIGHT) & (best_step <= best)
    on_step = best_step > np.maximum(best, 0) * 1.5
    ridge = _bincount_mean(index, on_ridge.astype(np.float64), count)
    step = _bincount_mean(index, on_step.astype(np.float64), count)
    return ridge, step


def _direct_specks(scaled: _Scaled, labels, count, residual, grain, features, tuning):
    """Per label: a speck whose peak residual is many times the noise around it and whose
    ring holds no residual near its own height, whatever the weighted rule says. Obvious
    dust on a calm or mildly textured area is always kept."""
    inside = labels > 0
    peak = np.zeros(count)
    np.maximum.at(peak, labels[inside], residual[inside].astype(np.float64))
    near = cv2.dilate(inside.view(np.uint8), np.ones((5, 5), np.uint8)) > 0
    size = 2 * tuning.speck_ring + 5
    wide = np.uint16 if count < 65536 else np.float32
    spread = cv2.dilate(labels.astype(wide), np.ones((size, size), np.uint8))
    ring = ~near & (spread > 0)
    ring_peak = np.zeros(count)
    np.maximum.at(ring_peak, spread[ring].astype(np.int64), residual[ring].astype(np.float64))
    # The noise around it: the grain, or the edges and texture of its ring (features 8, 9).
    noise = np.maximum(grain, (features[:, 8] + features[:, 9]) * 64 * tuning.speck_texture)
    direct = peak >= tuning.speck_peak * noise
    direct &= peak >= tuning.speck_floor
    direct &= ring_peak <= tuning.speck_alone * peak
    return direct


def _core_extent(labels, count, residual, wanted) -> np.ndarray:
    """Per wanted label: the longest side of the box of its pixels over half its peak."""
    ys, xs = np.nonzero(wanted[labels])
    index = labels[ys, xs]
    values = residual[ys, xs].astype(np.float64)
    peak = np.zeros(count)
    np.maximum.at(peak, index, values)
    core = values >= 0.5 * peak[index]
    ys, xs, index = ys[core], xs[core], index[core]
    low_y, low_x = np.full(count, 1 << 30), np.full(count, 1 << 30)
    high_y, high_x = np.full(count, -1), np.full(count, -1)
    np.minimum.at(low_y, index, ys)
    np.minimum.at(low_x, index, xs)
    np.maximum.at(high_y, index, ys)
    np.maximum.at(high_x, index, xs)
    extent = np.maximum(high_y - low_y, high_x - low_x) + 1
    return np.where(wanted, extent, 0).astype(np.float64)


def _features(scaled: _Scaled, labels, count, residual, strong, tuning):
    """Contrast, surroundings and colour of each component (see FEATURES)."""
    features = np.zeros((count, len(FEATURES)))
    features[:, 0] = 1.0
    inside = labels > 0
    index = labels[inside]
    values = residual[inside]
    features[:, 6] = _bincount_mean(index, values.astype(np.float64), count) / 64
    features[:, 7] = _bincount_mean(index, (values > strong).astype(np.float64), count)
    near = cv2.dilate(inside.view(np.uint8), np.ones((5, 5), np.uint8)) > 0
    size = 2 * tuning.ring + 5
    wide = np.uint16 if count < 65536 else np.float32
    spread = cv2.dilate(labels.astype(wide), np.ones((size, size), np.uint8))
    ring = ~near & (spread > 0)
    ring_index = spread[ring].astype(np.int64)
    edges = scaled.edges[ring].astype(np.float64)
    features[:, 8] = _bincount_mean(ring_index, edges, count) / 64
    texture = scaled.texture[ring].astype(np.float64)
    features[:, 9] = _bincount_mean(ring_index, texture, count) / 64
    features[:, 10] = np.log((features[:, 6] + 0.05) / (features[:, 8] + features[:, 9] + 0.05))
    if not COLOUR_FEATURES:  # the rules in WEIGHTS do not use them
        return features
    lab_in = _lab(scaled.rgb[inside])
    lab_out = _lab(scaled.rgb[ring])
    tone_in = _bincount_mean(index, lab_in[:, 0], count)
    tone_out = _bincount_mean(ring_index, lab_out[:, 0], count)
    a_in = _bincount_mean(index, lab_in[:, 1], count)
    b_in = _bincount_mean(index, lab_in[:, 2], count)
    a_out = _bincount_mean(ring_index, lab_out[:, 1], count)
    b_out = _bincount_mean(ring_index, lab_out[:, 2], count)
    features[:, 11] = tone_in / 255.0
    features[:, 12] = np.hypot(a_in, b_in) / 64
    features[:, 13] = (np.hypot(a_out, b_out) - np.hypot(a_in, b_in)) / 64
    features[:, 14] = np.abs(tone_out - tone_in) / 64
    return features


def _lab(pixels: np.ndarray) -> np.ndarray:
    """Nx3 RGB pixels -> Nx3 float Lab (L 0..255, a and b centred on 0), 8-bit OpenCV scale."""
    if pixels.size == 0:
        return np.zeros((0, 3))
    lab = cv2.cvtColor(pixels.reshape(-1, 1, 3), cv2.COLOR_RGB2Lab).reshape(-1, 3)
    return lab.astype(np.float64) - (0.0, 128.0, 128.0)


def _draw(group: Candidates, keep: np.ndarray, gray: np.ndarray, weak: float) -> np.ndarray:
    """Kept components at full resolution. Coarse ones are redrawn from the residual
    against their upsampled background, so their outline follows the damage."""
    chosen = np.where(keep[group.labels], 255, 0).astype(np.uint8)
    if group.scale == 1:
        return chosen
    height, width = gray.shape
    chosen = cv2.dilate(chosen, np.ones((3, 3), np.uint8))
    chosen = cv2.resize(chosen, (width, height), interpolation=cv2.INTER_NEAREST)
    background = cv2.resize(group.background, (width, height), interpolation=cv2.INTER_LINEAR)
    if group.polarity == "dark":
        residual = cv2.subtract(background, gray)
    else:
        residual = cv2.subtract(gray, background)
    return np.where((chosen > 0) & (residual > weak * 0.6), 255, 0).astype(np.uint8)


def tile_candidates(rgb: np.ndarray, settings: DamageSettings, tuning: _Tuning = TUNING):
    """Every candidate group of a tile, and the thresholds used (for drawing and fitting)."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    factor = 2.0 ** ((0.5 - settings.sensitivity) * 2.0)
    grain = max(_grain(gray), tuning.min_grain)
    weak = (tuning.weak * grain + tuning.weak_floor) * factor
    strong = (tuning.strong * grain + tuning.strong_floor) * factor
    kinds = set(settings.kinds)
    scales = []
    if kinds & {"dust", "scratches", "cracks"}:
        scales.append(1)
    if "dust" in kinds and settings.max_size > 6:
        scales.append(2)
    groups = []
    for scale in scales:
        relax = {1: 1.0, 2: 0.7}[scale]
        scaled = _Scaled.of(rgb, scale, tuning)
        for polarity in ("dark", "bright"):
            groups.extend(
                find_candidates(
                    scaled, polarity, weak * relax, strong * relax, grain, settings, tuning
                )
            )
    return gray, weak, groups


def _decide(group: Candidates, sensitivity: float) -> np.ndarray:
    keep = np.zeros(len(group.shape), bool)
    bias = (sensitivity - 0.5) * 2.0
    for shape, weights in WEIGHTS.items():
        rows = group.shape == shape
        if rows.any() and not group.ridge_only:
            keep[rows] = group.features[rows] @ weights + bias > 0
    if group.ridge is not None:
        # A thin line far brighter (darker) than both its sides along nearly all its
        # length is a scratch even beside the edges of the photo, which lower its isolation.
        lines = (group.shape == "line") & (group.features[:, 2] >= np.log1p(RIDGE_LENGTH))
        lines &= (group.ridge >= RIDGE_SHARE) & (group.step <= RIDGE_STEP)
        lines &= group.features[:, 10] + bias > RIDGE_ISOLATION
        lines &= group.features[:, 6] * 64 >= RIDGE_CONTRAST * 2.0 ** (-bias)
        lines &= ~keep
        if lines.any():
            # Rims and highlights along the curved edges of cups and plates are ridges
            # too; a scratch is straight, or straight pieces joined at bends.
            lines &= _straight_share(group.labels, lines) >= RIDGE_STRAIGHT
        keep |= lines
    if group.direct_only is not None:
        keep &= ~group.direct_only
    if group.direct is not None:
        keep |= group.direct
    keep[0] = False
    return keep


def _straight_share(labels: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Per wanted label: the share of its outline that follows straight runs at least
    RIDGE_RUN px long (a polygon fitted within RIDGE_TOLERANCE px). A smooth arc is cut
    into short chords; a polyline of straight pieces keeps long ones."""
    count = len(wanted)
    share = np.zeros(count)
    ys, xs = np.nonzero(wanted[labels])
    index = labels[ys, xs]
    low_y, low_x = np.full(count, 1 << 30), np.full(count, 1 << 30)
    high_y, high_x = np.zeros(count, np.int64), np.zeros(count, np.int64)
    np.minimum.at(low_y, index, ys)
    np.minimum.at(low_x, index, xs)
    np.maximum.at(high_y, index, ys)
    np.maximum.at(high_x, index, xs)
    for label in np.nonzero(wanted)[0]:
        crop = labels[low_y[label] : high_y[label] + 1, low_x[label] : high_x[label] + 1]
        mask = np.pad((crop == label).view(np.uint8), 1)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        total = straight = 0.0
        for contour in contours:
            polygon = cv2.approxPolyDP(contour, RIDGE_TOLERANCE, True).reshape(-1, 2)
            vectors = (np.roll(polygon, -1, 0) - polygon).astype(np.float64)
            sides = np.hypot(*vectors.T)
            # The turn at the start of each side; an arc turns gently, the same way, at
            # both ends of its chords, a polyline sharply at its bends and ends.
            angles = np.arctan2(vectors[:, 1], vectors[:, 0])
            turn = np.angle(np.exp(1j * (angles - np.roll(angles, 1))))
            gentle = (np.abs(turn) < np.radians(RIDGE_GENTLE)) & (np.abs(turn) > 0)
            arc = gentle & np.roll(gentle, -1) & (np.sign(turn) == np.sign(np.roll(turn, -1)))
            total += sides.sum()
            straight += sides[(sides >= RIDGE_RUN) & ~arc].sum()
        share[label] = straight / max(total, 1.0)
    return share


def _oriented_kernels(taps: int, count: int = 12) -> list[np.ndarray]:
    """Normalised straight line kernels `taps` long at `count` angles (anti-aliased)."""
    kernels = []
    centre = (taps - 1) / 2
    for step in range(count):
        angle = np.pi * step / count
        dx, dy = np.cos(angle) * centre, np.sin(angle) * centre
        # drawn 4x larger (with 2 bits of sub-pixel position), then averaged down
        kernel = np.zeros((taps * 4, taps * 4), np.float32)
        middle = (taps * 4 - 1) / 2
        start = (int(round((middle - 4 * dx) * 4)), int(round((middle - 4 * dy) * 4)))
        end = (int(round((middle + 4 * dx) * 4)), int(round((middle + 4 * dy) * 4)))
        cv2.line(kernel, start, end, 1.0, 4, cv2.LINE_AA, shift=2)
        kernel = cv2.resize(kernel, (taps, taps), interpolation=cv2.INTER_AREA)
        kernels.append(kernel / kernel.sum())
    return kernels


ORIENTED = {}


def _spread_across(labels: np.ndarray, count: int, wanted: np.ndarray) -> np.ndarray:
    """Per label: the standard deviation of its pixels across its main axis (px); how far a
    component strays from a straight line."""
    ys, xs = np.nonzero(wanted[labels])
    index = labels[ys, xs]
    n = np.maximum(np.bincount(index, minlength=count), 1)
    xs, ys = xs.astype(np.float64), ys.astype(np.float64)
    mx, my = np.bincount(index, xs, count) / n, np.bincount(index, ys, count) / n
    dx, dy = xs - mx[index], ys - my[index]
    sxx = np.bincount(index, dx * dx, count) / n
    syy = np.bincount(index, dy * dy, count) / n
    sxy = np.bincount(index, dx * dy, count) / n
    minor = (sxx + syy) / 2 - np.sqrt(((sxx - syy) / 2) ** 2 + sxy**2)
    return np.sqrt(np.maximum(minor, 0))


def long_lines(gray, grain, settings: DamageSettings, tuning=TUNING) -> np.ndarray:
    """Long scratches in busy texture (grass, foliage, gravel), where the components are
    blind: texture raises the tile's grain and its local mean, and so both thresholds.

    The residual (top-hat minus black-hat) at half resolution is averaged along 12
    directions (two passes of an 11-px line: a 21-px triangular mean) and divided by the
    local noise: the opposite polarity's mean residual nearby (which a scratch does not
    raise) or, where lines repeat (rows of bricks, blades of grass), a multiple of its own
    polarity's mean over a wider window. Kept with hysteresis where a component is long,
    thin, straight and alone in its window. Only where the texture is busy: in calm areas
    the same test takes the long edges and seams of the photo for scratches."""
    dark, bright = _residuals(gray, tuning.kernel)
    height, width = gray.shape
    size = (max(1, width // 2), max(1, height // 2))
    means = {
        "bright": cv2.resize(bright, size, interpolation=cv2.INTER_AREA).astype(np.float32),
        "dark": cv2.resize(dark, size, interpolation=cv2.INTER_AREA).astype(np.float32),
    }
    textured = cv2.blur(means["bright"] + means["dark"], (31, 31)) > tuning.line_textured
    found = np.zeros(gray.shape, np.uint8)
    if not textured.any():
        return found
    # Only the box around the busy texture is filtered (a scan is mostly calm).
    rows, cols = np.nonzero(textured.any(axis=1))[0], np.nonzero(textured.any(axis=0))[0]
    pad = 2 * tuning.line_taps + tuning.crowd_window // 2
    y0, y1 = max(0, rows[0] - pad), min(textured.shape[0], rows[-1] + 1 + pad)
    x0, x1 = max(0, cols[0] - pad), min(textured.shape[1], cols[-1] + 1 + pad)
    box = (slice(y0, y1), slice(x0, x1))
    means = {polarity: mean[box] for polarity, mean in means.items()}
    textured = textured[box]
    half = means["bright"] - means["dark"]
    centred = half - cv2.blur(half, (15, 15))
    kernels = ORIENTED.setdefault(tuning.line_taps, _oriented_kernels(tuning.line_taps))
    best = np.zeros_like(half)
    worst = np.zeros_like(half)
    for step in tuning.line_angles:
        response = cv2.filter2D(centred, -1, kernels[step])
        for _ in range(tuning.line_passes - 1):  # each pass lengthens the mean
            response = cv2.filter2D(response, -1, kernels[step])
        np.maximum(best, response, out=best)
        np.minimum(worst, response, out=worst)
    wide = (tuning.line_window, tuning.line_window)
    noise = {}
    for polarity, other in (("bright", "dark"), ("dark", "bright")):
        opposite = cv2.blur(means[other], (15, 15))
        same = cv2.blur(means[polarity], wide) * tuning.line_same
        noise[polarity] = np.maximum(np.maximum(opposite, same), 0.5 * grain)
    factor = 2.0 ** ((settings.sensitivity - 0.5) * 2.0)
    for polarity, response, residual in (("bright", best, bright), ("dark", -worst, dark)):
        z = response / noise[polarity] * factor
        low = ((z > tuning.line_low) & textured).view(np.uint8)
        count, labels, stats = _label(low)
        if count <= 1:
            continue
        keep = np.zeros(count, bool)
        keep[np.unique(labels[(z > tuning.line_high) & (low > 0)])] = True
        w, h, area = (stats[:, i].astype(np.float64) for i in (2, 3, 4))
        diagonal = np.hypot(w, h)
        keep &= diagonal * 2 >= max(tuning.line_min_length, settings.min_size)
        keep &= area / np.maximum(diagonal, 1) <= tuning.line_max_width
        keep[0] = False
        if keep.any():
            keep &= _spread_across(labels, count, keep) <= tuning.line_bend
        if keep.any():
            # Mortar, fabric, rows of anything repeat: one scratch is alone in its window.
            window = (tuning.crowd_window, tuning.crowd_window)
            density = cv2.blur(low.astype(np.float32), window)
            inside = labels > 0
            crowd = _bincount_mean(labels[inside], density[inside].astype(np.float64), count)
            keep &= crowd <= tuning.line_crowd
        if not keep.any():
            continue
        chosen = np.zeros(size[::-1], np.uint8)
        chosen[box] = np.where(keep[labels], 255, 0)
        chosen = cv2.resize(chosen, (width, height), interpolation=cv2.INTER_NEAREST)
        found |= chosen & np.where(residual > tuning.line_draw * grain, 255, 0).astype(np.uint8)
    return found


def detect_tile(rgb: np.ndarray, settings: DamageSettings, tuning: _Tuning = TUNING) -> np.ndarray:
    """The damage mask of one tile (uint8, 255 = damaged), before cropping to its core."""
    gray, weak, groups = tile_candidates(rgb, settings, tuning)
    found = np.zeros(gray.shape, np.uint8)
    for group in groups:
        keep = _decide(group, settings.sensitivity)
        if keep.any():
            found |= _draw(group, keep, gray, weak)
    if "scratches" in settings.kinds:
        found |= long_lines(gray, max(_grain(gray), tuning.min_grain), settings, tuning)
    if "spots" in settings.kinds:
        found |= find_spots(rgb, settings)
    if "cracks" in settings.kinds:
        found |= find_cracks(rgb, settings.sensitivity, settings.min_size)
    if settings.grow:
        size = 2 * settings.grow + 1
        found = cv2.dilate(found, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    return found
