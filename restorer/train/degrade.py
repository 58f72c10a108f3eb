"""Synthetic damage for training pairs: what a clean photo would look like after noise,
film grain, JPEG, blur, downscaling, scratches, dust or cracks, and the masks people
brush for inpainting (thin scratches, strokes, object-sized blobs).

Every function takes a `numpy.random.Generator`, so one seed gives the same damage. The
degradations are chosen by name (`parse_degradations("noise:25,jpeg:30-90")`); each has a
default range for its strength, which `name:value` or `name:low-high` replaces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from restorer.errors import RestorerError
from restorer.train.arches import DEGRADATION_ORDER, MASK_KINDS

DAMAGE_KINDS = ("scratches", "dust", "cracks")


class DegradationError(RestorerError):
    """A degradation or mask kind that does not exist, or a strength out of range."""


# -- pixel degradations -------------------------------------------------------------


def gaussian_noise(image: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Additive white Gaussian noise of standard deviation `sigma` (0-255 scale)."""
    noisy = image.astype(np.float32) + rng.normal(0.0, sigma, image.shape).astype(np.float32)
    return np.clip(noisy + 0.5, 0, 255).astype(np.uint8)


def poisson_noise(image: np.ndarray, rng: np.random.Generator, photons: float) -> np.ndarray:
    """Shot noise: each value is a photon count of mean `photons` × brightness."""
    scale = photons / 255.0
    counts = rng.poisson(image.astype(np.float64) * scale)
    return np.clip(counts / scale + 0.5, 0, 255).astype(np.uint8)


def film_grain(image: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """Clumped, mostly luminance grain, strongest in the mid-tones (as on film)."""
    height, width = image.shape[:2]
    grain = rng.normal(0.0, 1.0, (height, width)).astype(np.float32)
    grain = cv2.GaussianBlur(grain, (0, 0), 0.7)
    grain /= max(1e-6, float(grain.std()))
    colour = rng.normal(0.0, 0.25, image.shape).astype(np.float32)
    values = image.astype(np.float32)
    midtones = 1.0 - np.abs(values / 127.5 - 1.0) ** 2
    noisy = values + strength * midtones * (grain[..., None] + colour)
    return np.clip(noisy + 0.5, 0, 255).astype(np.uint8)


def jpeg(image: np.ndarray, rng: np.random.Generator, quality: float) -> np.ndarray:
    """Encode and decode as JPEG at `quality` (4:2:0 chroma, as cameras and the web do)."""
    del rng
    bgr = np.ascontiguousarray(image[..., ::-1])
    ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(round(quality))])
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 image
        raise DegradationError("JPEG encoding failed.")
    return np.ascontiguousarray(cv2.imdecode(data, cv2.IMREAD_COLOR)[..., ::-1])


def blur(image: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Gaussian blur (defocus, a soft lens, a scanner out of focus)."""
    del rng
    return cv2.GaussianBlur(image, (0, 0), max(0.1, sigma))


def downscale(image: np.ndarray, rng: np.random.Generator, factor: float) -> np.ndarray:
    """Shrink by `factor` and enlarge back (a low-resolution scan or a resized copy)."""
    height, width = image.shape[:2]
    small = (max(1, round(width / factor)), max(1, round(height / factor)))
    shrunk = cv2.resize(image, small, interpolation=cv2.INTER_AREA)
    method = (cv2.INTER_LINEAR, cv2.INTER_CUBIC)[int(rng.integers(0, 2))]
    return cv2.resize(shrunk, (width, height), interpolation=method)


# -- damage with masks --------------------------------------------------------------


def _walk(rng: np.random.Generator, shape, steps: int, reach: float, smooth: float = 0.0):
    """A random polyline inside `shape`; `smooth` keeps its direction from turning."""
    height, width = shape
    y, x = rng.uniform(0, height), rng.uniform(0, width)
    angle = rng.uniform(0, 2 * np.pi)
    points = [(x, y)]
    for _ in range(steps):
        angle = smooth * angle + (1 - smooth) * rng.uniform(0, 2 * np.pi)
        angle += rng.normal(0, 0.3)
        length = rng.uniform(0.3, 1.0) * reach * max(height, width)
        x = float(np.clip(x + np.cos(angle) * length, 0, width - 1))
        y = float(np.clip(y + np.sin(angle) * length, 0, height - 1))
        points.append((x, y))
    return np.array(points, np.int32).reshape(-1, 1, 2)


def _paint(image: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Damaged pixels become nearly white or nearly black, softly at the edges."""
    tone = 235.0 if rng.random() < 0.6 else 20.0
    alpha = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 0.6)[..., None]
    alpha = np.maximum(alpha, mask[..., None].astype(np.float32) * 0.9)
    jitter = rng.normal(0, 8, (1, 1, 3)).astype(np.float32)
    out = image.astype(np.float32) * (1 - alpha) + (tone + jitter) * alpha
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def scratches(image: np.ndarray, rng: np.random.Generator, count: float):
    """Long, nearly straight thin lines (film scratches); returns (image, mask)."""
    mask = np.zeros(image.shape[:2], np.uint8)
    for _ in range(max(1, int(round(count)))):
        line = _walk(rng, mask.shape, int(rng.integers(1, 4)), 0.6, smooth=0.97)
        cv2.polylines(mask, [line], False, 1, int(rng.integers(1, 3)), cv2.LINE_AA)
    hit = mask > 0
    return _paint(image, hit, rng), hit


def dust(image: np.ndarray, rng: np.random.Generator, count: float):
    """Specks and short hairs; returns (image, mask)."""
    height, width = image.shape[:2]
    mask = np.zeros((height, width), np.uint8)
    for _ in range(max(1, int(round(count)))):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        if rng.random() < 0.75:
            cv2.circle(mask, (x, y), int(rng.integers(1, 4)), 1, -1)
        else:
            hair = _walk(rng, mask.shape, 4, 0.03)
            hair = hair - hair[0] + np.array([[x, y]], np.int32)
            cv2.polylines(mask, [hair], False, 1, 1)
    hit = mask > 0
    return _paint(image, hit, rng), hit


def cracks(image: np.ndarray, rng: np.random.Generator, count: float):
    """Jagged, branching thin lines (a cracked print's emulsion); returns (image, mask)."""
    mask = np.zeros(image.shape[:2], np.uint8)
    for _ in range(max(1, int(round(count)))):
        trunk = _walk(rng, mask.shape, int(rng.integers(6, 12)), 0.08, smooth=0.7)
        cv2.polylines(mask, [trunk], False, 1, int(rng.integers(1, 3)))
        for start in trunk[rng.integers(0, len(trunk), int(rng.integers(1, 4)))]:
            branch = _walk(rng, mask.shape, int(rng.integers(2, 5)), 0.05, smooth=0.5)
            branch = branch - branch[0] + start
            cv2.polylines(mask, [branch], False, 1, 1)
    hit = mask > 0
    return _paint(image, hit, rng), hit


@dataclass(frozen=True)
class Degradation:
    """One named degradation and the range its strength is drawn from."""

    name: str
    low: float
    high: float

    def apply(self, image: np.ndarray, rng: np.random.Generator):
        """(degraded image, damage mask or None)."""
        strength = float(rng.uniform(self.low, self.high)) if self.high > self.low else self.low
        result = KINDS[self.name][0](image, rng, strength)
        return result if isinstance(result, tuple) else (result, None)

    def __str__(self) -> str:
        bounds = f"{self.low:g}" if self.low == self.high else f"{self.low:g}-{self.high:g}"
        return f"{self.name}:{bounds}"


# name -> (function, default range, allowed range, what the number means)
KINDS: dict[str, tuple[Callable, tuple[float, float], tuple[float, float], str]] = {
    "blur": (blur, (0.5, 2.0), (0.1, 20.0), "Gaussian sigma in px"),
    "downscale": (downscale, (1.5, 3.0), (1.0, 8.0), "shrink factor"),
    "noise": (gaussian_noise, (5.0, 30.0), (0.0, 100.0), "Gaussian sigma (0-255)"),
    "poisson": (poisson_noise, (20.0, 200.0), (1.0, 10000.0), "photons at white"),
    "grain": (film_grain, (4.0, 16.0), (0.0, 60.0), "grain strength (0-255)"),
    "jpeg": (jpeg, (30.0, 90.0), (5.0, 100.0), "JPEG quality"),
    "scratches": (scratches, (1.0, 3.0), (1.0, 50.0), "scratches per crop"),
    "dust": (dust, (3.0, 15.0), (1.0, 500.0), "specks per crop"),
    "cracks": (cracks, (1.0, 2.0), (1.0, 20.0), "cracks per crop"),
}
# Applied in this order whatever order they were named in: the optics, then the sensor,
# then the file, then what happened to the print.
ORDER = DEGRADATION_ORDER


def parse_degradations(text: str) -> tuple[Degradation, ...]:
    """'noise:25,jpeg:30-90,dust' → degradations in processing order."""
    chosen: dict[str, Degradation] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, _, bounds = item.partition(":")
        name = name.strip().lower()
        if name not in KINDS:
            raise DegradationError(f"Unknown degradation '{name}'; choose from {', '.join(ORDER)}.")
        _, default, (least, most), meaning = KINDS[name]
        low, high = default
        if bounds:
            try:
                parts = [float(v) for v in bounds.split("-")] if bounds[0] != "-" else [None]
                low, high = (parts[0], parts[-1]) if len(parts) in (1, 2) else (None, None)
            except ValueError:
                low = None
            if low is None or high is None or low > high:
                raise DegradationError(f"'{item}': give {name}:VALUE or {name}:LOW-HIGH.")
        if low < least or high > most:
            raise DegradationError(
                f"'{item}': the {meaning} must lie between {least:g} and {most:g}."
            )
        chosen[name] = Degradation(name, float(low), float(high))
    if not chosen:
        raise DegradationError("Choose at least one degradation.")
    return tuple(chosen[name] for name in ORDER if name in chosen)


def degrade(image: np.ndarray, degradations, rng: np.random.Generator):
    """Apply each degradation in turn: (degraded uint8 image, union of damage masks)."""
    damage = np.zeros(image.shape[:2], bool)
    for degradation in degradations:
        image, mask = degradation.apply(image, rng)
        if mask is not None:
            damage |= mask
    return image, damage


# -- inpainting masks -----------------------------------------------------------------


def inpaint_mask(kind: str, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A bool mask of one kind people brush: 'scratch' (1-4 px lines), 'stroke'
    (brush strokes 6-20 % of the side wide) or 'blob' (one object-sized shape, 8-25 % of
    the area)."""
    height, width = shape
    side = min(height, width)
    canvas = np.zeros(shape, np.uint8)
    if kind == "scratch":
        for _ in range(int(rng.integers(1, 4))):
            line = _walk(rng, shape, int(rng.integers(1, 4)), 0.5, smooth=0.95)
            cv2.polylines(canvas, [line], False, 1, int(rng.integers(1, 5)))
    elif kind == "stroke":
        for _ in range(int(rng.integers(1, 3))):
            line = _walk(rng, shape, int(rng.integers(2, 6)), 0.3, smooth=0.6)
            thickness = max(2, int(side * rng.uniform(0.06, 0.2)))
            cv2.polylines(canvas, [line], False, 1, thickness, cv2.LINE_8)
            for x, y in line.reshape(-1, 2):  # round brush ends and joints
                cv2.circle(canvas, (int(x), int(y)), thickness // 2, 1, -1)
    elif kind == "blob":
        area = rng.uniform(0.08, 0.25) * height * width
        cy, cx = rng.uniform(0.25, 0.75) * height, rng.uniform(0.25, 0.75) * width
        corners = int(rng.integers(5, 10))
        angles = np.sort(rng.uniform(0, 2 * np.pi, corners))
        radii = rng.uniform(0.6, 1.0, corners)
        points = np.stack([np.cos(angles) * radii, np.sin(angles) * radii], 1)
        scale = np.sqrt(area / (np.pi * float(np.mean(radii**2))))
        polygon = np.stack([cx + points[:, 0] * scale, cy + points[:, 1] * scale], 1)
        cv2.fillPoly(canvas, [polygon.astype(np.int32)], 1)
    else:
        raise DegradationError(f"Unknown mask kind '{kind}'; choose from {', '.join(MASK_KINDS)}.")
    if not canvas.any():  # a walk that stayed on one pixel: mark it anyway
        canvas[height // 2, width // 2] = 1
    return canvas > 0


def parse_mask_kinds(text: str) -> tuple[str, ...]:
    """'scratch,blob' → ('scratch', 'blob'), refusing unknown kinds."""
    kinds = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    unknown = [kind for kind in kinds if kind not in MASK_KINDS]
    if unknown or not kinds:
        raise DegradationError(f"Mask kinds must be among {', '.join(MASK_KINDS)}.")
    return kinds
