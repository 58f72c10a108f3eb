"""Synthetic damage for the damage-detection benchmark: two independent generators.

`damage_a` is the one the detector was tuned on; `damage_b` is written differently (other
shapes, cross-sections, widths and contrasts) and is used only to check that the tuning did
not fit one generator; `damage_c` is a third, written later still another way (polygons,
width-modulated strokes, midpoint-displaced cracks, stains multiplied in) and held out. All return `(damaged uint8 HxWx3, truth bool HxW)`, where the truth is
every pixel the damage visibly changed (by at least `VISIBLE` levels in some channel).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

VISIBLE = 10.0  # levels: a change smaller than this is not counted as damage


def add_grain(image: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Film/scan grain: a little luminance noise plus less colour noise, slightly soft."""
    h, w = image.shape[:2]
    lum = cv2.GaussianBlur(rng.normal(0, sigma * 1.3, (h, w)).astype(np.float32), (0, 0), 0.6)
    col = rng.normal(0, sigma * 0.4, (h, w, 3)).astype(np.float32)
    return np.clip(image.astype(np.float32) + lum[:, :, None] + col, 0, 255).astype(np.uint8)


def _composite(base: np.ndarray, layers: list, parts: dict | None = None):
    """Layers are (alpha, colour, kind). `parts`, when given, is filled with each kind's own
    truth (what that kind alone would visibly change), for per-kind scores."""
    if parts is not None:
        for kind in {layer[2] for layer in layers}:
            own = [layer for layer in layers if layer[2] == kind]
            parts[kind] = _composite(base, own)[1]
    out = base.astype(np.float32)
    for alpha, colour, _kind in layers:
        a = np.clip(alpha, 0, 1)[:, :, None]
        out = out * (1 - a) + np.asarray(colour, np.float32)[None, None, :] * a
    damaged = np.clip(out, 0, 255)
    truth = np.abs(damaged - base.astype(np.float32)).max(axis=2) >= VISIBLE
    return damaged.astype(np.uint8), truth


def _tone(rng, base_level: float, bright: bool) -> np.ndarray:
    """A near-neutral damage colour, dark or bright."""
    level = rng.uniform(215, 255) if bright else rng.uniform(0, 45)
    tint = rng.normal(0, 6, 3)
    return np.clip(level + tint, 0, 255)


# -- generator A: drawn with OpenCV polylines and ellipses --------------------------------


def _canvas(h, w):
    return np.zeros((h, w), np.float32)


def _soft(alpha, rng, lo=0.3, hi=1.0):
    sigma = rng.uniform(lo, hi)
    return cv2.GaussianBlur(alpha, (0, 0), sigma)


def damage_a(base: np.ndarray, rng: np.random.Generator, amount: float = 1.0, parts=None):
    h, w = base.shape[:2]
    layers = []
    # Film scratches: long, near vertical, slightly wandering.
    for _ in range(rng.integers(1, 3)):
        canvas = _canvas(h, w)
        x = rng.uniform(0.05, 0.95) * w
        y0 = rng.uniform(0, 0.4) * h
        y1 = y0 + rng.uniform(0.4, 1.0) * h
        slope = math.tan(math.radians(rng.uniform(-3, 3)))
        ys = np.linspace(y0, y1, 40)
        xs = x + (ys - y0) * slope + np.cumsum(rng.normal(0, 0.4, ys.size))
        pts = np.stack([xs, ys], 1).round().astype(np.int32)
        cv2.polylines(canvas, [pts], False, 1.0, int(rng.integers(1, 4)), cv2.LINE_AA)
        layers.append(
            (
                _soft(canvas, rng) * rng.uniform(0.45, 1.0),
                _tone(rng, 0, rng.random() < 0.7),
                "scratches",
            )
        )
    # Hairs: curved random walks.
    for _ in range(rng.integers(1, 4)):
        canvas = _canvas(h, w)
        n = rng.integers(20, 70)
        angle = rng.uniform(0, 2 * math.pi)
        turn = np.cumsum(rng.normal(0, 0.12, n)) + angle
        steps = rng.uniform(2, 4)
        xs = rng.uniform(0.1, 0.9) * w + np.cumsum(np.cos(turn) * steps)
        ys = rng.uniform(0.1, 0.9) * h + np.cumsum(np.sin(turn) * steps)
        pts = np.stack([xs, ys], 1).round().astype(np.int32)
        cv2.polylines(canvas, [pts], False, 1.0, int(rng.integers(1, 3)), cv2.LINE_AA)
        layers.append(
            (
                _soft(canvas, rng) * rng.uniform(0.5, 1.0),
                _tone(rng, 0, rng.random() < 0.4),
                "scratches",
            )
        )
    # Cracks: dark branching walks.
    for _ in range(rng.integers(0, 2)):
        canvas = _canvas(h, w)
        stack = [(rng.uniform(0.1, 0.9) * w, rng.uniform(0.1, 0.9) * h, rng.uniform(0, 6.3), 60)]
        while stack:
            x, y, a, n = stack.pop()
            pts = []
            for _ in range(int(n)):
                a += rng.normal(0, 0.35)
                x, y = x + 2.5 * math.cos(a), y + 2.5 * math.sin(a)
                pts.append((x, y))
                if rng.random() < 0.03 and n > 15:
                    stack.append((x, y, a + rng.choice([-1, 1]) * rng.uniform(0.5, 1.2), n * 0.5))
            cv2.polylines(canvas, [np.round(pts).astype(np.int32)], False, 1.0, 1, cv2.LINE_AA)
        canvas = cv2.dilate(canvas, np.ones((2, 2), np.uint8)) if rng.random() < 0.5 else canvas
        layers.append((_soft(canvas, rng) * rng.uniform(0.6, 1.0), _tone(rng, 0, False), "cracks"))
    # Dust specks.
    canvas_d, canvas_b = _canvas(h, w), _canvas(h, w)
    for _ in range(int(rng.integers(10, 40) * amount)):
        canvas = canvas_b if rng.random() < 0.5 else canvas_d
        size = rng.uniform(1, 12)
        centre = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
        axes = (max(1, int(size / 2)), max(1, int(size / 2 * rng.uniform(0.4, 1.0))))
        cv2.ellipse(
            canvas,
            centre,
            axes,
            rng.uniform(0, 180),
            0,
            360,
            rng.uniform(0.6, 1.0),
            -1,
            cv2.LINE_AA,
        )
    layers.append((_soft(canvas_d, rng), _tone(rng, 0, False), "dust"))
    layers.append((_soft(canvas_b, rng), _tone(rng, 0, True), "dust"))
    # Stains: soft blotches, brownish, partly transparent.
    for _ in range(rng.integers(0, 3)):
        canvas = _canvas(h, w)
        size = rng.uniform(12, 40)
        centre = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
        for _ in range(4):
            offset = rng.normal(0, size / 6, 2)
            c = (int(centre[0] + offset[0]), int(centre[1] + offset[1]))
            r = (
                max(2, int(size / 3 * rng.uniform(0.6, 1.0))),
                max(2, int(size / 3 * rng.uniform(0.6, 1.0))),
            )
            cv2.ellipse(canvas, c, r, rng.uniform(0, 180), 0, 360, 1.0, -1, cv2.LINE_AA)
        canvas = cv2.GaussianBlur(canvas, (0, 0), rng.uniform(1.0, 2.5))
        colour = np.array([rng.uniform(70, 130), rng.uniform(45, 90), rng.uniform(20, 50)])
        layers.append((canvas * rng.uniform(0.45, 0.8), colour, "spots"))
    return _composite(base, layers, parts)


# -- generator B: written another way (Gaussian cross-sections, Bezier curves, splats) -----


def _distance_line(h, w, p0, p1):
    """Distance of every pixel to the segment p0-p1 (within its bounding box + pad)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.asarray(p1, np.float32) - np.asarray(p0, np.float32)
    length2 = max(float(d @ d), 1e-6)
    t = np.clip(((xx - p0[0]) * d[0] + (yy - p0[1]) * d[1]) / length2, 0, 1)
    return np.hypot(xx - (p0[0] + t * d[0]), yy - (p0[1] + t * d[1]))


def _profile(distance, width):
    """Gaussian cross-section: a line `width` px wide at half height."""
    sigma = max(width, 0.8) / 2.355
    return np.exp(-0.5 * (distance / sigma) ** 2)


def _bezier_alpha(h, w, rng, width, n_ctrl=4, scale=0.3):
    start = rng.uniform(0.1, 0.9, 2) * (w, h)
    ctrl = start + np.cumsum(rng.normal(0, scale * min(h, w) / 2, (n_ctrl, 2)), axis=0)
    t = np.linspace(0, 1, 200)[:, None]
    pts = np.zeros((200, 2))
    for i in range(n_ctrl):
        coeff = math.comb(n_ctrl - 1, i) * t**i * (1 - t) ** (n_ctrl - 1 - i)
        pts += coeff * ctrl[i]
    canvas = np.zeros((h, w), np.uint8)
    cv2.polylines(canvas, [np.round(pts).astype(np.int32)], False, 255, 1)
    dist = cv2.distanceTransform(255 - canvas, cv2.DIST_L2, 3)
    return _profile(dist, width)


def damage_b(base: np.ndarray, rng: np.random.Generator, parts=None):
    h, w = base.shape[:2]
    layers = []
    # Straight scratches in any direction, up to 5 px, Gaussian cross-section.
    for _ in range(rng.integers(1, 4)):
        angle = rng.uniform(0, math.pi) if rng.random() < 0.5 else math.pi / 2 + rng.normal(0, 0.05)
        length = rng.uniform(0.3, 1.2) * max(h, w)
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        p0 = (cx - math.cos(angle) * length / 2, cy - math.sin(angle) * length / 2)
        p1 = (cx + math.cos(angle) * length / 2, cy + math.sin(angle) * length / 2)
        width = rng.uniform(1.0, 5.0)
        alpha = _profile(_distance_line(h, w, p0, p1), width) * rng.uniform(0.35, 0.9)
        layers.append((alpha, _tone(rng, 0, rng.random() < 0.5), "scratches"))
    # Hairs as Bezier curves.
    for _ in range(rng.integers(1, 3)):
        alpha = _bezier_alpha(h, w, rng, rng.uniform(1.0, 2.5)) * rng.uniform(0.5, 1.0)
        layers.append((alpha, _tone(rng, 0, rng.random() < 0.5), "scratches"))
    # Cracks: a few connected segments forming a fork.
    for _ in range(rng.integers(0, 2)):
        canvas = np.zeros((h, w), np.uint8)
        start = rng.uniform(0.2, 0.8, 2) * (w, h)
        for _branch in range(rng.integers(2, 4)):
            p = start.copy()
            heading = rng.uniform(0, 2 * math.pi)
            for _ in range(rng.integers(3, 8)):
                heading += rng.normal(0, 0.6)
                q = p + rng.uniform(6, 18) * np.array([math.cos(heading), math.sin(heading)])
                cv2.line(
                    canvas, tuple(np.round(p).astype(int)), tuple(np.round(q).astype(int)), 255, 1
                )
                p = q
        dist = cv2.distanceTransform(255 - canvas, cv2.DIST_L2, 3)
        alpha = _profile(dist, rng.uniform(1.0, 2.5)) * rng.uniform(0.6, 0.95)
        layers.append((alpha, _tone(rng, 0, False), "cracks"))
    # Dust: Gaussian splats, some in small clusters.
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    for bright in (False, True):
        alpha = np.zeros((h, w), np.float32)
        for _ in range(rng.integers(5, 25)):
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            for _ in range(1 if rng.random() < 0.7 else rng.integers(2, 4)):
                sx, sy = rng.uniform(0.6, 4.0), rng.uniform(0.6, 4.0)
                ox, oy = rng.normal(0, 3, 2)
                x0, y0 = int(max(0, cx + ox - 15)), int(max(0, cy + oy - 15))
                x1, y1 = int(min(w, cx + ox + 15)), int(min(h, cy + oy + 15))
                if x1 <= x0 or y1 <= y0:
                    continue
                g = np.exp(
                    -0.5
                    * (
                        ((xx[y0:y1, x0:x1] - cx - ox) / sx) ** 2
                        + ((yy[y0:y1, x0:x1] - cy - oy) / sy) ** 2
                    )
                )
                alpha[y0:y1, x0:x1] = np.maximum(
                    alpha[y0:y1, x0:x1], np.clip(g * 1.5, 0, 1) * rng.uniform(0.5, 1.0)
                )
        layers.append((alpha, _tone(rng, 0, bright), "dust"))
    # Stains: a dark soft disc or a coffee ring, 15-40 px.
    for _ in range(rng.integers(0, 3)):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(7, 20)
        d = np.hypot(xx - cx, yy - cy)
        if rng.random() < 0.5:
            alpha = np.clip((r - d) / 3.0, 0, 1) * rng.uniform(0.35, 0.7)
        else:
            alpha = np.exp(-0.5 * ((d - r) / 1.8) ** 2) * rng.uniform(0.5, 0.8)
        colour = np.array([rng.uniform(60, 120), rng.uniform(40, 80), rng.uniform(20, 60)])
        layers.append((alpha.astype(np.float32), colour, "spots"))
    return _composite(base, layers, parts)


# -- generator C: written a third way (polygons, width-modulated strokes, midpoint-displaced
# cracks, multiplied noise stains); never looked at while tuning the detector ----------------


def _stroke(canvas, pts, widths) -> None:
    """A stroke through `pts` whose width varies along it, drawn as overlapping discs."""
    for (x, y), r in zip(pts, widths, strict=True):
        cv2.circle(canvas, (int(round(x * 4)), int(round(y * 4))), int(round(r * 2)), 1.0, -1,
                   cv2.LINE_AA, shift=2)  # fmt: skip


def _jagged(p, q, rng, depth):
    """Midpoint displacement between p and q: a list of points from p to q."""
    if depth == 0:
        return [p, q]
    mid = (p + q) / 2 + rng.normal(0, np.linalg.norm(q - p) * 0.15, 2)
    return _jagged(p, mid, rng, depth - 1)[:-1] + _jagged(mid, q, rng, depth - 1)


def damage_c(base: np.ndarray, rng: np.random.Generator, parts=None):
    h, w = base.shape[:2]
    layers = []
    # Scratches: width swells and fades along the length; some bright, some dark.
    for _ in range(rng.integers(1, 3)):
        canvas = np.zeros((h, w), np.float32)
        angle = rng.normal(math.pi / 2, 0.3) if rng.random() < 0.6 else rng.uniform(0, math.pi)
        length = rng.uniform(0.25, 0.9) * max(h, w)
        t = np.linspace(0, 1, int(length))
        x0, y0 = rng.uniform(0.1, 0.9) * w, rng.uniform(0.1, 0.9) * h
        xs = x0 + (t - 0.5) * length * math.cos(angle)
        ys = y0 + (t - 0.5) * length * math.sin(angle)
        widths = rng.uniform(0.4, 1.6) * (1 + 0.5 * np.sin(t * rng.uniform(3, 12)))
        fade = np.clip(np.sin(np.pi * t) * 1.5, 0, 1)  # tapers in and out along its length
        _stroke(canvas, np.stack([xs, ys], 1), widths * (0.3 + 0.7 * fade))
        alpha = cv2.GaussianBlur(canvas, (0, 0), 0.6) * rng.uniform(0.4, 0.85)
        layers.append((alpha, _tone(rng, 0, rng.random() < 0.6), "scratches"))
    # Hairs and lint: sinuous curves, thin.
    for _ in range(rng.integers(1, 4)):
        canvas = np.zeros((h, w), np.float32)
        n = int(rng.uniform(30, 160))
        t = np.arange(n, dtype=np.float32)
        wiggle = rng.uniform(2, 10) * np.sin(t / rng.uniform(6, 25) + rng.uniform(0, 6))
        angle = rng.uniform(0, 2 * math.pi)
        cx, cy = rng.uniform(0.1, 0.9) * w, rng.uniform(0.1, 0.9) * h
        xs = cx + t * math.cos(angle) - wiggle * math.sin(angle)
        ys = cy + t * math.sin(angle) + wiggle * math.cos(angle)
        _stroke(canvas, np.stack([xs, ys], 1), np.full(n, rng.uniform(0.5, 1.1)))
        alpha = cv2.GaussianBlur(canvas, (0, 0), 0.5) * rng.uniform(0.55, 0.95)
        layers.append((alpha, _tone(rng, 0, rng.random() < 0.3), "scratches"))
    # Cracks: a small network of jagged segments between random points.
    for _ in range(rng.integers(0, 2)):
        canvas = np.zeros((h, w), np.float32)
        centre = rng.uniform(0.2, 0.8, 2) * (w, h)
        points = centre + rng.normal(0, min(h, w) * 0.06, (rng.integers(4, 8), 2))
        for i in range(1, len(points)):
            j = int(np.argmin(np.linalg.norm(points[:i] - points[i], axis=1)))
            pts = np.array(_jagged(points[j], points[i], rng, 4))
            cv2.polylines(canvas, [np.round(pts).astype(np.int32)], False, 1.0, 1, cv2.LINE_AA)
        alpha = cv2.GaussianBlur(canvas, (0, 0), 0.4) * rng.uniform(0.65, 1.0)
        layers.append((alpha, _tone(rng, 0, False), "cracks"))
    # Dust: small irregular polygons, each its own opacity.
    for bright in (False, True):
        canvas = np.zeros((h, w), np.float32)
        for _ in range(int(rng.integers(8, 30))):
            size = rng.uniform(1.0, 11.0)
            centre = rng.uniform(0, 1, 2) * (w, h)
            corners = centre + rng.normal(0, size / 3, (int(rng.integers(3, 7)), 2))
            hull = cv2.convexHull(np.round(corners * 4).astype(np.int32))
            cv2.fillPoly(canvas, [hull], float(rng.uniform(0.5, 1.0)), cv2.LINE_AA, shift=2)
        alpha = cv2.GaussianBlur(canvas, (0, 0), rng.uniform(0.3, 0.8))
        layers.append((alpha, _tone(rng, 0, bright), "dust"))
    # Stains (foxing): smoothed noise cut into a blob, multiplied in as a warm tint.
    stains = []
    for _ in range(rng.integers(0, 3)):
        r = rng.uniform(6, 20)
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        x0, y0 = int(max(0, cx - 2 * r)), int(max(0, cy - 2 * r))
        x1, y1 = int(min(w, cx + 2 * r)), int(min(h, cy + 2 * r))
        if x1 <= x0 or y1 <= y0:
            continue
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        noise = cv2.GaussianBlur(rng.normal(0, 1, (y1 - y0, x1 - x0)).astype(np.float32), (0, 0), 3)
        d = np.hypot(xx - cx, yy - cy) / r + noise * 0.4
        strength = np.clip((1.0 - d) * 3.0, 0, 1) * rng.uniform(0.3, 0.6)
        stains.append((y0, y1, x0, x1, strength, np.array([0.95, 0.8, 0.55], np.float32)))
    damaged, truth = _composite(base, layers, parts)
    if stains:
        out = damaged.astype(np.float32)
        only = base.astype(np.float32)
        for y0, y1, x0, x1, strength, tint in stains:
            factor = 1 - strength[:, :, None] * (1 - tint[None, None, :])
            out[y0:y1, x0:x1] *= factor
            only[y0:y1, x0:x1] *= factor
        damaged = np.clip(out, 0, 255).astype(np.uint8)
        changed = np.abs(damaged.astype(np.float32) - base.astype(np.float32)).max(axis=2)
        truth = changed >= VISIBLE
        if parts is not None:
            stain_only = np.clip(only, 0, 255).astype(np.uint8).astype(np.float32)
            parts["spots"] = np.abs(stain_only - base.astype(np.float32)).max(axis=2) >= VISIBLE
    return damaged, truth
