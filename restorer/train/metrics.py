"""Image quality measures for evaluation: PSNR, SSIM and a texture distance."""

from __future__ import annotations

import cv2
import numpy as np


def psnr(result: np.ndarray, clean: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Peak signal-to-noise ratio in dB (inside `mask` when given); 99 when identical."""
    a, b = result.astype(np.float64), clean.astype(np.float64)
    if mask is not None:
        a, b = a[mask], b[mask]
    mse = float(np.mean((a - b) ** 2)) if a.size else 0.0
    return 99.0 if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def ssim(result: np.ndarray, clean: np.ndarray) -> float:
    """Structural similarity (Wang et al. 2004: 11×11 Gaussian window, σ 1.5), averaged
    over the colour channels."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    scores = []
    for channel in range(result.shape[2]):
        x = result[..., channel].astype(np.float64)
        y = clean[..., channel].astype(np.float64)

        def blur(image):
            return cv2.GaussianBlur(image, (11, 11), 1.5)

        mx, my = blur(x), blur(y)
        vx, vy, cov = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
        value = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
        scores.append(float(value[5:-5, 5:-5].mean() if min(x.shape) > 10 else value.mean()))
    return float(np.mean(scores))


def texture_distance(result: np.ndarray, clean: np.ndarray, mask: np.ndarray) -> float:
    """Sliced Wasserstein distance between the 7×7 patches of a 3-level Laplacian pyramid
    inside the hole, result versus original (as benchmarks/inpaint_quality.py measures
    it); lower is better, and blur scores badly."""
    rng = np.random.default_rng(1234)
    a, b = result.astype(np.float32), clean.astype(np.float32)
    hole = mask.astype(np.uint8)
    total, counted = 0.0, 0
    for _ in range(3):
        if min(a.shape[:2]) < 2:
            break
        small_a, small_b = cv2.pyrDown(a), cv2.pyrDown(b)
        size = (a.shape[1], a.shape[0])
        band_a = a - cv2.pyrUp(small_a, dstsize=size)
        band_b = b - cv2.pyrUp(small_b, dstsize=size)
        patches_a, patches_b = _patches(band_a, hole), _patches(band_b, hole)
        if len(patches_a):
            directions = rng.normal(size=(patches_a.shape[1], 64)).astype(np.float32)
            directions /= np.linalg.norm(directions, axis=0, keepdims=True)
            projected_a = np.sort(patches_a @ directions, axis=0)
            projected_b = np.sort(patches_b @ directions, axis=0)
            total += float(np.mean(np.abs(projected_a - projected_b)))
            counted += 1
        a, b = small_a, small_b
        hole = cv2.resize(hole, (a.shape[1], a.shape[0]), interpolation=cv2.INTER_NEAREST)
    return total / max(1, counted)


def _patches(band: np.ndarray, hole: np.ndarray) -> np.ndarray:
    padded = np.pad(band, ((3, 3), (3, 3), (0, 0)), mode="edge")
    ys, xs = np.nonzero(hole)
    offsets = np.arange(-3, 4)
    rows = (ys[:, None, None] + 3 + offsets[None, :, None]).astype(np.intp)
    cols = (xs[:, None, None] + 3 + offsets[None, None, :]).astype(np.intp)
    return padded[rows, cols].reshape(len(ys), -1)
