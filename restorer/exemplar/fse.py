"""Frequency-selective extrapolation of a hole's rim (Seiler and Kaup 2010; the
frequency-weighted, faster form is Genser et al. 2018's Frequency Selective
Reconstruction), for all blocks at once.

Each block of the pixels to predict is modelled, over a window `margin` px wider on
every side, as a sparse sum of the window's Fourier functions, fitted to the window's
known pixels: a weight decaying with distance from the block (`decay` per px) makes
near pixels count most. Round after round the Fourier function that removes the most
weighted residual energy (low frequencies preferred) is picked, and its coefficient,
shrunk by `gamma` (the functions are not orthogonal on an irregular set of pixels),
is added to the model. In the frequency domain a round is only a product with the
weight's spectrum shifted to the picked function, so every block of a picture and all
its colour planes run in one tensor, the planes sharing the picked functions.

Near the rim of a hole this continues edges, gradients and broad texture from the
known pixels more faithfully than diffusion, which only smooths them inwards.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch

_TABLES: dict[tuple[int, str], tuple[torch.Tensor, ...]] = {}


def extrapolate(
    image: np.ndarray,
    weight: np.ndarray,
    where: np.ndarray,
    *,
    block: int = 8,
    margin: int = 8,
    iterations: int = 24,
    decay: float = 0.8,
    gamma: float = 0.5,
    low_pass: float = 0.5,
    device: str = "cpu",
) -> np.ndarray:
    """Predictions of `image` (HxWxC float) at the `where` pixels (HxW bool): n x C
    float32, in `np.nonzero(where)` order.

    `weight` (HxW, 0..1) says how far each pixel is trusted: 1 for known pixels, 0 for
    unknown ones (a fill's own pixels may get something between). `low_pass` (0..1)
    disfavours high frequencies in the choice of functions: the highest are chosen as
    if their gain were (1 - low_pass) times smaller."""
    where = where.astype(bool, copy=False)
    ys, xs = np.nonzero(where)
    channels = image.shape[2]
    if ys.size == 0:
        return np.zeros((0, channels), np.float32)
    size = block + 2 * margin
    # The blocks holding pixels to predict, on a grid anchored at the first of them.
    top0, left0 = int(ys.min()), int(xs.min())
    rows = (ys - top0) // block
    cols = (xs - left0) // block
    grid = int(cols.max()) + 1
    cells, which = np.unique(rows * grid + cols, return_inverse=True)
    tops = top0 + (cells // grid) * block - margin  # window corners in picture coordinates
    lefts = left0 + (cells % grid) * block - margin

    # Windows, cut out of the picture padded with `size` untrusted pixels all round.
    height, width = where.shape
    pad = size
    padded = np.zeros((height + 2 * pad, width + 2 * pad, channels), np.float32)
    padded[pad:-pad, pad:-pad] = image
    trust = np.zeros((height + 2 * pad, width + 2 * pad), np.float32)
    trust[pad:-pad, pad:-pad] = weight
    offsets = np.arange(size)
    window_rows = (tops + pad)[:, None, None] + offsets[None, :, None]
    window_cols = (lefts + pad)[:, None, None] + offsets[None, None, :]
    values = torch.from_numpy(padded[window_rows, window_cols]).to(device)  # B x N x N x C
    values = values.permute(0, 3, 1, 2)  # B x C x N x N
    known = torch.from_numpy(trust[window_rows, window_cols]).to(device)  # B x N x N

    centre = margin + (block - 1) / 2.0
    grid_y = torch.arange(size, device=device, dtype=torch.float32) - centre
    distance = torch.sqrt(grid_y[:, None] ** 2 + grid_y[None, :] ** 2)
    w = known * torch.pow(torch.tensor(decay, device=device), distance)  # B x N x N
    total = w.sum(dim=(1, 2)).clamp_min(1e-6)
    mean = (values * w[:, None]).sum(dim=(2, 3)) / total[:, None]  # B x C
    residual = (values - mean[:, :, None, None]) * w[:, None]

    count = len(cells)
    area = size * size
    # The residual's spectrum on the half plane of frequencies (columns 0..size/2: a
    # real signal's other half holds the conjugates), kept as real numbers, real parts
    # over imaginary ones: complex abs and products are several times slower here.
    shift, place, twin_place, halve = _tables(size, device)
    half = shift.shape[0]
    spectrum = torch.view_as_real(torch.fft.rfft2(residual).reshape(count, channels, half))
    spectrum = spectrum.permute(0, 3, 1, 2).reshape(count, 2 * channels, half).contiguous()
    weights = torch.view_as_real(torch.fft.fft2(w.to(torch.complex64)).reshape(count, area))
    weights = weights.permute(0, 2, 1).contiguous()  # B x 2 x area: the full plane
    step = gamma / weights[:, 0, 0].clamp_min(1e-6)  # gamma / W(0), W(0) the weights' sum
    favour = _frequency_favour(size, low_pass, device)[place]
    # left = gain[pattern] * signs is the 2C x 4 matrix that, times the rows W(k - u)
    # real, W(k + u) real, W(k - u) imaginary, W(k + u) imaginary, gives the change of
    # the spectrum (real rows, then imaginary) for the function u and its twin -u.
    c = torch.arange(channels, device=device)[:, None]
    pattern = torch.cat(
        [
            torch.cat([c, c, c + channels, c + channels], 1),
            torch.cat([c + channels, c + channels, c, c], 1),
        ]
    )
    signs = torch.tensor([[1.0, 1.0, -1.0, 1.0]] * channels + [[1.0, -1.0, 1.0, 1.0]] * channels)
    signs = signs.to(device)
    picks, gains = [], []
    for _ in range(iterations):
        energy = spectrum.square().sum(dim=1) * favour
        picked = energy.argmax(dim=1)  # B, on the half plane
        gain = torch.gather(spectrum, 2, picked[:, None, None].expand(count, 2 * channels, 1))
        gain = gain[:, :, 0] * (step * halve[picked])[:, None]  # B x 2C
        # A function that is its own twin (DC, Nyquist) gets half its gain twice.
        index = shift[picked][:, None, :].expand(count, 2, 2 * half)
        spread = torch.gather(weights, 2, index).reshape(count, 4, half)
        spectrum.baddbmm_(gain[:, pattern] * signs, spread, alpha=-1.0)
        picks.append(picked)
        gains.append(gain)
    coefficients = torch.zeros(count, channels, half + 1, dtype=torch.complex64, device=device)
    if picks:
        picked = torch.stack(picks, dim=1)  # B x iterations
        gain = torch.stack(gains, dim=2)  # B x 2C x iterations
        gain = torch.complex(gain[:, :channels], gain[:, channels:]) * area
        # The twin is stored only where it lies on the half plane too (columns 0 and
        # size/2); elsewhere the inverse transform supplies it; slot `half`: nowhere.
        spots = torch.cat([picked, twin_place[picked]], dim=1)[:, None, :]
        spots = spots.expand(count, channels, 2 * iterations)
        where_b = torch.arange(count, device=device)[:, None, None].expand_as(spots)
        where_c = c[None].expand_as(spots)
        values_all = torch.cat([gain, gain.conj()], dim=2)
        coefficients.index_put_((where_b, where_c, spots), values_all, accumulate=True)
    coefficients = coefficients[:, :, :half].reshape(count, channels, size, size // 2 + 1)
    model = torch.fft.irfft2(coefficients, s=(size, size))
    model = model + mean[:, :, None, None]
    # Each pixel from its own block's window.
    inner_y = ys - tops[which]
    inner_x = xs - lefts[which]
    index = torch.from_numpy(which).to(device)
    picked_values = model[index, :, torch.from_numpy(inner_y), torch.from_numpy(inner_x)]
    return picked_values.cpu().numpy().astype(np.float32)


def _tables(size: int, device: str) -> tuple[torch.Tensor, ...]:
    """For the half plane of frequencies (columns 0..size/2, row by row) of a size x
    size window: for u and k on it, the flat full-plane index of k - u, then of k + u
    (half x 2 half); the full-plane index of each; the half-plane index of -u, or
    `half` where -u is not on the half plane; and 0.5 where -u is u, else 1."""
    key = (size, str(device))
    if key not in _TABLES:
        f = torch.arange(size, device=device)
        columns = torch.arange(size // 2 + 1, device=device)
        place = (f[:, None] * size + columns[None, :]).reshape(-1)
        ky, kx = place // size, place % size
        uy, ux = ky[:, None], kx[:, None]
        minus = ((ky[None] - uy) % size) * size + (kx[None] - ux) % size
        plus = ((ky[None] + uy) % size) * size + (kx[None] + ux) % size
        shift = torch.cat([minus, plus], dim=1)
        half = len(place)
        my, mx = (-ky) % size, (-kx) % size  # -u
        on_half = mx <= size // 2
        twin_place = torch.where(on_half, my * (size // 2 + 1) + mx, half)
        halve = torch.where((my == ky) & (mx == kx), 0.5, 1.0)
        _TABLES[key] = (shift, place, twin_place, halve)
    return _TABLES[key]


def _frequency_favour(size: int, low_pass: float, device: str) -> torch.Tensor:
    """Flat weights of each frequency in the choice: 1 at DC, falling linearly with the
    radial frequency to 1 - low_pass at the highest."""
    f = torch.fft.fftfreq(size, device=device).abs() * 2  # 0..1
    radial = torch.sqrt(f[:, None] ** 2 + f[None, :] ** 2) / np.sqrt(2.0)
    return (1.0 - low_pass * radial).reshape(-1).float()


def rim_towards_extrapolation(
    out: np.ndarray,
    fill: np.ndarray,
    hole: np.ndarray,
    ring: np.ndarray,
    share: float,
    *,
    inner: float = 0.2,
    colour: bool = False,
    keep_detail: float = 0.0,
    **options,
) -> np.ndarray:
    """`out` (HxWx3 uint8) with its `ring` pixels moved `share` of the way towards
    `extrapolate`'s prediction from the known pixels round `hole` (and from `fill`'s
    own pixels deeper in the hole than the ring, trusted `inner`). With `colour` False
    only the brightness (the mean of the three planes) is predicted and its change
    added to every plane: a third of the work, and a diffusion seam already carries
    the slowly varying colour well. Last, `keep_detail` of `fill`'s finest detail
    (what a Gaussian of 1 px takes away) is added back to the ring: the prediction and
    a diffusion seam are smooth, and a ring without grain shows as a soft outline.
    `options` go to `extrapolate`."""
    ring = ring.astype(bool, copy=False)
    if share <= 0 or not ring.any():
        return out
    hole = hole.astype(bool, copy=False)
    weight = np.where(hole, np.where(ring, 0.0, inner), 1.0).astype(np.float32)
    source = fill.astype(np.float32)
    if not colour:
        source = source.mean(axis=2, keepdims=True)
    predicted = extrapolate(source, weight, ring, **options)
    current = out[ring].astype(np.float32)
    if colour:
        moved = current + (predicted - current) * share
    else:
        moved = current + (predicted[:, 0] - current.mean(axis=1))[:, None] * share
    if keep_detail > 0:
        fine = fill.astype(np.float32)
        fine -= cv2.GaussianBlur(fine, (0, 0), 1.0)
        moved += fine[ring] * keep_detail
    result = out.copy()
    result[ring] = np.clip(moved + 0.5, 0, 255).astype(np.uint8)
    return result
