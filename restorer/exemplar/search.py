"""PatchMatch nearest-neighbour fields and patch voting, vectorised in PyTorch.

A nearest-neighbour field (NNF) maps every target pixel to the centre of the source
patch that looks most like the target patch around it: a 2xHxW long tensor of (y, x).
`nnf_search` finds one with PatchMatch (Barnes et al. 2009): random initialisation (or
a field from a coarser level), then rounds of propagation and random search. Here
propagation is parallel over the whole field, jump-flooding style (neighbours 8, 4, 2
and 1 pixels away, in all four directions), so there is no per-pixel Python loop and
the same code runs on CPU and CUDA.

Patches are compared in a reduced space: each C x p x p patch is projected onto its
leading principal components (computed from the source), which is one `conv2d` for the
whole picture and makes each candidate test a short vector difference. `dims=None`
compares full patches exactly.

`vote` rebuilds a target from a field (Wexler et al. 2007): every target pixel is the
weighted average of the pixels that all patches covering it would put there.

Source patch centres always lie at least `patch // 2` pixels inside the source, so a
source patch never leaves the source. Target patches that cross the target's edge are
clamped (`wrap=False`) or wrap round to the opposite edge (`wrap=True`, for textures
that tile seamlessly).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F  # noqa: N812 - the usual name

DEFAULT_DIMS = 24
_BASIS_SAMPLES = 4096
_JUMPS = (8, 4, 2, 1)
_DIRECTIONS = ((0, 1), (1, 0), (0, -1), (-1, 0))


def patch_basis(
    source: torch.Tensor,
    patch: int,
    *,
    dims: int | None = DEFAULT_DIMS,
    generator: torch.Generator | None = None,
    valid: torch.Tensor | None = None,
) -> torch.Tensor:
    """Projection weights (d x C x p x p) for comparing patches, as `conv2d` weights.

    The leading `dims` principal components of patches sampled from `source` (centres
    where `valid` is True, if given); `dims=None` or `dims >= C*p*p` gives the identity,
    i.e. exact sums of squared differences.
    """
    channels = source.shape[0]
    full = channels * patch * patch
    if dims is None or dims >= full:
        eye = torch.eye(full, dtype=source.dtype, device=source.device)
        return eye.reshape(full, channels, patch, patch)
    centres = _valid_centres(source.shape[1:], patch, valid, source.device)
    count = centres.numel()
    if count > _BASIS_SAMPLES:
        pick = torch.randint(count, (_BASIS_SAMPLES,), generator=generator, device=source.device)
        centres = centres[pick]
    rows = _patches_at(source, centres, patch)  # n x full
    rows = rows - rows.mean(dim=0, keepdim=True)
    covariance = rows.T @ rows / max(1, rows.shape[0] - 1)
    _, vectors = torch.linalg.eigh(covariance.double())
    basis = vectors[:, -dims:].flip(1).T.to(source.dtype)  # dims x full, largest first
    return basis.reshape(dims, channels, patch, patch).contiguous()


def patch_features(
    image: torch.Tensor, basis: torch.Tensor, *, pad: str | None = "replicate"
) -> torch.Tensor:
    """Project the patch around every pixel of `image` (CxHxW) onto `basis`: d x H x W.

    `pad` is how the image is extended beyond its edges ('replicate', 'circular'), or
    None for patches wholly inside (then d x (H-p+1) x (W-p+1)).
    """
    radius = basis.shape[-1] // 2
    batch = image[None]
    if pad is not None and radius:
        batch = F.pad(batch, (radius,) * 4, mode=pad)
    return F.conv2d(batch, basis)[0]


def nnf_search(
    target: torch.Tensor,
    source: torch.Tensor,
    *,
    patch: int,
    iterations: int,
    generator: torch.Generator,
    init: torch.Tensor | None = None,
    source_valid: torch.Tensor | None = None,
    wrap: bool = False,
    check: Callable[[], None] | None = None,
    target_active: torch.Tensor | None = None,
    basis: torch.Tensor | None = None,
    dims: int | None = DEFAULT_DIMS,
) -> torch.LongTensor:
    """A 2xHxW field of (y, x) source patch centres, one per target pixel.

    - `target` CxHxW and `source` CxHsxWs float tensors on one device; `patch` odd.
    - `iterations` rounds of propagation + random search (PatchMatch).
    - `generator` makes the result deterministic (a `torch.Generator` on that device).
    - `init` an existing field (e.g. from `upsample_nnf`) to refine; entries that are not
      allowed centres are replaced by random ones.
    - `source_valid` HsxWs bool: where source patch centres may lie (besides at least
      `patch // 2` pixels inside the source).
    - `wrap=True`: target patches wrap round the target's edges (toroidal).
    - `check` is called between steps; raise from it (e.g. `Progress.check`) to cancel.
    - `target_active` HxW bool: only these target pixels are searched (the others keep
      `init`, or a random centre); saves time when only part of the target matters.
    - `basis`/`dims`: the patch projection (see `patch_basis`); `dims=None` is exact.
    """
    return nnf_search_with_distance(
        target,
        source,
        patch=patch,
        iterations=iterations,
        generator=generator,
        init=init,
        source_valid=source_valid,
        wrap=wrap,
        check=check,
        target_active=target_active,
        basis=basis,
        dims=dims,
    )[0]


def nnf_search_with_distance(
    target: torch.Tensor,
    source: torch.Tensor,
    *,
    patch: int,
    iterations: int,
    generator: torch.Generator,
    init: torch.Tensor | None = None,
    source_valid: torch.Tensor | None = None,
    wrap: bool = False,
    check: Callable[[], None] | None = None,
    target_active: torch.Tensor | None = None,
    basis: torch.Tensor | None = None,
    dims: int | None = DEFAULT_DIMS,
) -> tuple[torch.LongTensor, torch.Tensor]:
    """`nnf_search`, also returning the HxW patch distances (inf where not searched).

    Distances are mean squared differences per patch element (in the projected space).
    """
    if patch < 1 or patch % 2 == 0:
        raise ValueError(f"patch must be odd and positive, got {patch}")
    _check_shapes(target, source, patch)
    if basis is None:
        basis = patch_basis(source, patch, dims=dims, generator=generator, valid=source_valid)
    search = _Search(target, source, patch, basis, source_valid, wrap, target_active, generator)
    search.start(init)
    for step in range(iterations):
        for jump in _JUMPS:
            for direction in _DIRECTIONS if step % 2 == 0 else _DIRECTIONS[::-1]:
                if check is not None:
                    check()
                search.propagate(direction, jump)
        if check is not None:
            check()
        search.random_search()
    return search.field(), search.distances()


def vote(
    nnf: torch.Tensor,
    source: torch.Tensor,
    *,
    patch: int,
    wrap: bool = False,
    weights: torch.Tensor | None = None,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Rebuild a CxHxW target by averaging the overlapping source patches of `nnf`.

    Each target pixel is the weighted mean, over the p*p patches covering it, of the
    source pixel each patch puts there. `weights` (HxW, per patch centre) favour good
    or trusted matches. Patches centred outside the target are left out, or wrap round
    with `wrap=True`. With `mask` (HxW bool) only those pixels are computed; the rest
    of the result is zero.
    """
    channels = source.shape[0]
    height, width = nnf.shape[1:]
    source_width = source.shape[2]
    device = source.device
    if mask is None:
        ys, xs = torch.meshgrid(
            torch.arange(height, device=device), torch.arange(width, device=device), indexing="ij"
        )
        ys, xs = ys.reshape(-1), xs.reshape(-1)
    else:
        ys, xs = torch.nonzero(mask, as_tuple=True)
    flat_source = source.reshape(channels, -1)
    flat_y, flat_x = nnf[0].reshape(-1), nnf[1].reshape(-1)
    flat_weights = None if weights is None else weights.reshape(-1).to(source.dtype)
    total = torch.zeros(channels, ys.numel(), dtype=source.dtype, device=device)
    weight_sum = torch.zeros(ys.numel(), dtype=source.dtype, device=device)
    radius = patch // 2
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            cy, cx = ys - dy, xs - dx
            if wrap:
                cy, cx = cy % height, cx % width
                inside = None
            else:
                inside = (cy >= 0) & (cy < height) & (cx >= 0) & (cx < width)
                cy, cx = cy.clamp(0, height - 1), cx.clamp(0, width - 1)
            centre = cy * width + cx
            sy = flat_y[centre] + dy
            sx = flat_x[centre] + dx
            weight = (
                torch.ones(ys.numel(), dtype=source.dtype, device=device)
                if flat_weights is None
                else flat_weights[centre]
            )
            if inside is not None:
                weight = weight * inside
            total += flat_source[:, sy * source_width + sx] * weight
            weight_sum += weight
    values = total / weight_sum.clamp_min(1e-12)
    out = torch.zeros(channels, height * width, dtype=source.dtype, device=device)
    out[:, ys * width + xs] = values
    return out.reshape(channels, height, width)


def upsample_nnf(
    nnf: torch.Tensor,
    size: tuple[int, int],
    source_size: tuple[int, int],
    *,
    patch: int,
) -> torch.LongTensor:
    """A field for a finer level: `size` target, `source_size` source (usually 2x).

    Each fine pixel takes its coarse pixel's match, scaled, plus its own offset within
    the coarse pixel, so coherent regions stay coherent. Centres are kept `patch // 2`
    inside the source; `nnf_search(init=...)` fixes any that land where not allowed.
    """
    coarse_h, coarse_w = nnf.shape[1:]
    height, width = size
    source_h, source_w = source_size
    device = nnf.device
    ys = torch.arange(height, device=device)
    xs = torch.arange(width, device=device)
    cy = (ys * coarse_h // height).clamp(max=coarse_h - 1)
    cx = (xs * coarse_w // width).clamp(max=coarse_w - 1)
    scale_y, scale_x = height / coarse_h, width / coarse_w
    offset_y = ys - torch.floor(cy * scale_y).long()
    offset_x = xs - torch.floor(cx * scale_x).long()
    coarse = nnf[:, cy][:, :, cx].double()
    fine_y = torch.floor(coarse[0] * scale_y).long() + offset_y[:, None]
    fine_x = torch.floor(coarse[1] * scale_x).long() + offset_x[None, :]
    radius = patch // 2
    fine_y = fine_y.clamp(radius, max(radius, source_h - 1 - radius))
    fine_x = fine_x.clamp(radius, max(radius, source_w - 1 - radius))
    return torch.stack([fine_y, fine_x])


# -- internals ----------------------------------------------------------------------


def _check_shapes(target: torch.Tensor, source: torch.Tensor, patch: int) -> None:
    if target.ndim != 3 or source.ndim != 3 or target.shape[0] != source.shape[0]:
        raise ValueError("target and source must be CxHxW tensors with the same C")
    if min(source.shape[1:]) < patch:
        raise ValueError(
            f"the source ({source.shape[2]}x{source.shape[1]}) is smaller than a patch"
        )
    if target.device != source.device:
        raise ValueError("target and source must be on the same device")


def _valid_centres(
    shape: torch.Size | tuple[int, int], patch: int, valid: torch.Tensor | None, device
) -> torch.Tensor:
    """Flat indices of allowed source centres (inside by `patch // 2`, and `valid`)."""
    height, width = int(shape[0]), int(shape[1])
    radius = patch // 2
    allowed = torch.zeros(height, width, dtype=torch.bool, device=device)
    allowed[radius : height - radius, radius : width - radius] = True
    if valid is not None:
        allowed &= valid.to(device=device, dtype=torch.bool)
    centres = torch.nonzero(allowed.reshape(-1), as_tuple=True)[0]
    if centres.numel() == 0:
        raise ValueError("no source patch may be used: nothing around the hole is known")
    return centres


def _patches_at(source: torch.Tensor, centres: torch.Tensor, patch: int) -> torch.Tensor:
    """The C*p*p values of the patches at flat `centres`, one row each (C, p, p order)."""
    channels, _, width = source.shape
    radius = patch // 2
    offsets = torch.arange(-radius, radius + 1, device=source.device)
    ys = (centres // width)[:, None, None] + offsets[None, :, None]
    xs = (centres % width)[:, None, None] + offsets[None, None, :]
    values = source[:, ys, xs]  # C x n x p x p
    return values.permute(1, 0, 2, 3).reshape(centres.numel(), -1)


class _Search:
    """The state of one PatchMatch run over the active target pixels."""

    def __init__(self, target, source, patch, basis, source_valid, wrap, active, generator):
        self.patch = patch
        self.radius = patch // 2
        self.wrap = wrap
        self.generator = generator
        self.device = source.device
        self.height, self.width = target.shape[1:]
        self.source_h, self.source_w = source.shape[1:]
        dims = basis.shape[0]
        self.scale = 1.0 / (target.shape[0] * patch * patch)
        # Source features over valid-interior centres, one row per source pixel centre
        # (rows of border centres exist but are never used).
        inner = patch_features(source, basis, pad=None)  # d x (Hs-2r) x (Ws-2r)
        full = torch.zeros(
            dims, self.source_h, self.source_w, dtype=inner.dtype, device=self.device
        )
        r = self.radius
        full[:, r : self.source_h - r, r : self.source_w - r] = inner
        self.source_features = full.reshape(dims, -1).T.contiguous()
        allowed = torch.zeros(self.source_h * self.source_w, dtype=torch.bool, device=self.device)
        self.centres = _valid_centres(
            (self.source_h, self.source_w), patch, source_valid, self.device
        )
        allowed[self.centres] = True
        self.allowed = allowed
        target_features = patch_features(target, basis, pad="circular" if wrap else "replicate")
        if active is None:
            self.active = torch.arange(self.height * self.width, device=self.device)
        else:
            self.active = torch.nonzero(active.reshape(-1), as_tuple=True)[0]
        self.ay = self.active // self.width
        self.ax = self.active % self.width
        self.target_features = target_features.reshape(dims, -1).T[self.active].contiguous()
        self.field_y = torch.zeros(self.height * self.width, dtype=torch.long, device=self.device)
        self.field_x = torch.zeros_like(self.field_y)
        self.best = torch.full((self.active.numel(),), float("inf"), device=self.device)

    def _random_centres(self, count: int) -> torch.Tensor:
        pick = torch.randint(
            self.centres.numel(), (count,), generator=self.generator, device=self.device
        )
        return self.centres[pick]

    def start(self, init: torch.Tensor | None) -> None:
        flat = self._random_centres(self.height * self.width)
        field_y, field_x = flat // self.source_w, flat % self.source_w
        if init is not None:
            init_y = init[0].reshape(-1).to(self.device)
            init_x = init[1].reshape(-1).to(self.device)
            ok = (init_y >= 0) & (init_y < self.source_h) & (init_x >= 0) & (init_x < self.source_w)
            index = (init_y.clamp(0, self.source_h - 1) * self.source_w).add_(
                init_x.clamp(0, self.source_w - 1)
            )
            ok &= self.allowed[index]
            field_y = torch.where(ok, init_y, field_y)
            field_x = torch.where(ok, init_x, field_x)
        self.field_y, self.field_x = field_y, field_x
        index = field_y[self.active] * self.source_w + field_x[self.active]
        self.best = self._distance(index)

    def _distance(self, index: torch.Tensor) -> torch.Tensor:
        difference = self.target_features - self.source_features[index]
        return (difference * difference).sum(dim=1) * self.scale

    def _try(self, cand_y: torch.Tensor, cand_x: torch.Tensor, usable: torch.Tensor) -> None:
        """Take each candidate that is allowed and closer than the current match."""
        inside = (cand_y >= 0) & (cand_y < self.source_h) & (cand_x >= 0) & (cand_x < self.source_w)
        index = cand_y.clamp(0, self.source_h - 1) * self.source_w + cand_x.clamp(
            0, self.source_w - 1
        )
        usable = usable & inside & self.allowed[index]
        distance = self._distance(index)
        better = usable & (distance < self.best)
        self.best = torch.where(better, distance, self.best)
        current_y = self.field_y[self.active]
        current_x = self.field_x[self.active]
        self.field_y[self.active] = torch.where(better, cand_y, current_y)
        self.field_x[self.active] = torch.where(better, cand_x, current_x)

    def propagate(self, direction: tuple[int, int], jump: int) -> None:
        """Offer each pixel its neighbour's match, shifted (neighbour `jump` px away)."""
        dy, dx = direction[0] * jump, direction[1] * jump
        ny, nx = self.ay - dy, self.ax - dx
        if self.wrap:
            ny, nx = ny % self.height, nx % self.width
            usable = torch.ones_like(ny, dtype=torch.bool)
        else:
            usable = (ny >= 0) & (ny < self.height) & (nx >= 0) & (nx < self.width)
            ny, nx = ny.clamp(0, self.height - 1), nx.clamp(0, self.width - 1)
        neighbour = ny * self.width + nx
        self._try(self.field_y[neighbour] + dy, self.field_x[neighbour] + dx, usable)

    def random_search(self) -> None:
        """Try random centres in windows around each match, halving the window each time."""
        radius = max(self.source_h, self.source_w)
        count = self.active.numel()
        always = torch.ones(count, dtype=torch.bool, device=self.device)
        while radius >= 1:
            jitter = torch.randint(
                -radius, radius + 1, (2, count), generator=self.generator, device=self.device
            )
            cand_y = (self.field_y[self.active] + jitter[0]).clamp(
                self.radius, self.source_h - 1 - self.radius
            )
            cand_x = (self.field_x[self.active] + jitter[1]).clamp(
                self.radius, self.source_w - 1 - self.radius
            )
            self._try(cand_y, cand_x, always)
            radius //= 2

    def field(self) -> torch.LongTensor:
        return torch.stack(
            [
                self.field_y.reshape(self.height, self.width),
                self.field_x.reshape(self.height, self.width),
            ]
        )

    def distances(self) -> torch.Tensor:
        out = torch.full((self.height * self.width,), float("inf"), device=self.device)
        out[self.active] = self.best
        return out.reshape(self.height, self.width)
