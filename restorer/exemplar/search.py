"""PatchMatch nearest-neighbour fields and patch voting, vectorised in PyTorch.

A nearest-neighbour field (NNF) maps every target pixel to the centre of the source
patch that looks most like the target patch around it: a 2xHxW long tensor of (y, x).
`nnf_search` finds one with PatchMatch (Barnes et al. 2009): random initialisation (or
a field from a coarser level), then rounds of propagation and random search. Here
propagation is parallel over the whole field, jump-flooding style (neighbours 8, 4, 2
and 1 pixels away, in all four directions), so there is no per-pixel Python loop and
the same code runs on CPU and CUDA.

Patches are compared in a reduced space: each C x p x p patch is projected onto its
leading principal components (computed from the source) - `conv2d` over strips of rows
round the allowed source centres and round the searched target pixels - so each
candidate test is a short vector difference (two table lookups, one subtraction, one
sum: see `PreparedSource`). `dims=None` compares full patches exactly.

A field may also be kept flat: an HxW long tensor of source indices y * Ws + x
(`flat_field`); `nnf_search(flat=True)` returns one and `vote`, `upsample_nnf` and
`init=` take one, which saves converting whole fields back and forth between the
searches and votes of a completion.

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
_BASIS_SAMPLES = 1024
_SUBSPACE_ROUNDS = 4
_JUMPS = (8, 4, 2, 1)
_VOTE_CHUNK = 1 << 15
_VOTE_PIXELS = 1 << 18
_DIRECTIONS = ((0, 1), (1, 0), (0, -1), (-1, 0))
# A prepared source projects only its allowed centres when they are fewer than 1/this.
_SPARSE_SHARE = 2
_STRIP = 24
_SNAP = 32  # strip windows are a multiple of this many columns wide
# ...and projects a strip's centres one by one when they fill less than 1/this of it.
_DENSE_SHARE = 4
# The last column of the source table's "not allowed" row (see `PreparedSource`).
_NOT_ALLOWED = 1.0e4


def patch_basis(
    source: torch.Tensor,
    patch: int,
    *,
    dims: int | None = DEFAULT_DIMS,
    generator: torch.Generator | None = None,
    valid: torch.Tensor | None = None,
    samples: int = _BASIS_SAMPLES,
) -> torch.Tensor:
    """Projection weights (d x C x p x p) for comparing patches, as `conv2d` weights.

    The leading `dims` principal components of patches sampled from `source` (centres
    where `valid` is True, if given); `dims=None` or `dims >= C*p*p` gives the identity,
    i.e. exact sums of squared differences. The components are estimated from at most
    `samples` patches.
    """
    channels = source.shape[0]
    full = channels * patch * patch
    if dims is None or dims >= full:
        eye = torch.eye(full, dtype=source.dtype, device=source.device)
        return eye.reshape(full, channels, patch, patch)
    centres = _valid_centres(source.shape[1:], patch, valid, source.device)
    count = centres.numel()
    if count > samples:
        pick = torch.randint(count, (samples,), generator=generator, device=source.device)
        centres = centres[pick]
    rows = _patches_at(source, centres, patch)  # n x full
    rows = rows - rows.mean(dim=0, keepdim=True)
    covariance = (rows.T @ rows / max(1, rows.shape[0] - 1)).double()
    vectors = _leading_eigenvectors(covariance, dims, generator)
    basis = vectors.T.to(source.dtype)  # dims x full, largest first
    return basis.reshape(dims, channels, patch, patch).contiguous()


def _leading_eigenvectors(
    matrix: torch.Tensor, count: int, generator: torch.Generator | None
) -> torch.Tensor:
    """The `count` leading eigenvectors (columns, largest first) of a symmetric
    positive semi-definite matrix, by subspace iteration on a few more vectors than
    asked for, then an exact solve in that small subspace. Much cheaper than a full
    eigendecomposition when `count` is a small part of the size (24 of 392 here);
    the subspace of natural-image patch spectra converges within a few rounds."""
    size = matrix.shape[0]
    width = min(size, count + 8)
    if width >= size // 2:
        _, vectors = torch.linalg.eigh(matrix)
        return vectors[:, -count:].flip(1)
    if generator is None:
        generator = torch.Generator(device=matrix.device).manual_seed(0)
    start = torch.randn(size, width, generator=generator, device=matrix.device)
    subspace = start.to(matrix.dtype)
    for _ in range(_SUBSPACE_ROUNDS):
        subspace, _ = torch.linalg.qr(matrix @ subspace)
    _, small = torch.linalg.eigh(subspace.T @ matrix @ subspace)
    return (subspace @ small)[:, -count:].flip(1)


class PreparedSource:
    """A source made ready for repeated searches: projected patches and allowed centres.

    Build it once when several searches share a source (EM steps at one pyramid level)
    and pass it as `nnf_search(..., prepared=...)`.

    `features` is a table with one row per allowed centre (row `rows[i]` for flat
    source index `i`) and row 0 for every centre that is not allowed. A candidate's
    distance is the plain sum of squared differences between its row and the target
    pixel's: the projected patch is scaled so that this is the mean squared difference
    per patch element; with `locality` two more columns hold the centre's position,
    scaled so that they add the locality term; the last column is 0 in allowed rows
    and `_NOT_ALLOWED` in row 0, so a centre that is not allowed never wins.
    """

    def __init__(
        self,
        source: torch.Tensor,
        patch: int,
        basis: torch.Tensor,
        source_valid: torch.Tensor | None = None,
        *,
        locality: float = 0.0,
    ) -> None:
        self.patch = patch
        self.basis = basis
        self.locality = float(locality)
        self.height, self.width = int(source.shape[1]), int(source.shape[2])
        device = source.device
        self.centres = _valid_centres((self.height, self.width), patch, source_valid, device)
        self.allowed = torch.zeros(self.height * self.width, dtype=torch.bool, device=device)
        self.allowed[self.centres] = True
        if self.centres.numel() * _SPARSE_SHARE < self.height * self.width:
            # Few allowed centres (a band round a hole): project only strips round them.
            projected = _project_strips(source, basis, self.centres)
        else:
            radius = patch // 2
            inner = _convolve_rows(source, _channels_last(basis))  # (Hs-2r)*(Ws-2r) x d
            ys = self.centres // self.width - radius
            xs = self.centres % self.width - radius
            projected = inner.index_select(0, ys * (self.width - 2 * radius) + xs)
        count, dims = self.centres.numel(), basis.shape[0]
        extra = 2 if self.locality else 0
        table = torch.zeros(count + 1, dims + extra + 1, dtype=source.dtype, device=device)
        table[1:, :dims] = projected * self.feature_scale(source.shape[0])
        if extra:
            where = torch.stack([self.centres // self.width, self.centres % self.width], dim=1)
            table[1:, dims : dims + 2] = where.to(source.dtype) * self.position_scale()
        table[0, -1] = _NOT_ALLOWED
        self.features = table
        self.rows = torch.zeros(self.height * self.width, dtype=torch.long, device=device)
        self.rows[self.centres] = torch.arange(1, count + 1, device=device)

    def feature_scale(self, channels: int) -> float:
        """Factor on projected patches: squared differences become per-element means."""
        return (channels * self.patch**2) ** -0.5

    def position_scale(self) -> float:
        """Factor on positions: squared differences become the locality term,
        `locality * (offset / source diagonal) ** 2`."""
        return (self.locality / float(self.height**2 + self.width**2)) ** 0.5


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
    prepared: PreparedSource | None = None,
    locality: float = 0.0,
    max_radius: int | None = None,
    flat: bool = False,
) -> torch.LongTensor:
    """A 2xHxW field of (y, x) source patch centres, one per target pixel (with
    `flat=True` an HxW field of flat source indices, see `flat_field`).

    - `target` CxHxW and `source` CxHsxWs float tensors on one device; `patch` odd.
    - `iterations` rounds of propagation + random search (PatchMatch).
    - `generator` makes the result deterministic (a `torch.Generator` on that device).
    - `init` an existing field (e.g. from `upsample_nnf`), 2xHxW or flat HxW, to refine;
      entries that are not allowed centres are replaced by random ones.
    - `source_valid` HsxWs bool: where source patch centres may lie (besides at least
      `patch // 2` pixels inside the source).
    - `wrap=True`: target patches wrap round the target's edges (toroidal).
    - `check` is called between steps; raise from it (e.g. `Progress.check`) to cancel.
    - `target_active` HxW bool: only these target pixels are searched (the others keep
      `init`, or a random centre); saves time when only part of the target matters.
    - `basis`/`dims`: the patch projection (see `patch_basis`); `dims=None` is exact.
    - `prepared`: `source` already projected (`PreparedSource`); then `basis` and
      `source_valid` are taken from it.
    - `locality` > 0 adds `locality * (offset / source diagonal) ** 2` to each distance,
      favouring source patches near the target pixel's own position (for completion,
      where source and target are the same picture).
    - `max_radius`: the widest random-search window (half side, px); default half the
      source. Smaller saves tries that cannot land where `source_valid` allows.
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
        prepared=prepared,
        locality=locality,
        max_radius=max_radius,
        flat=flat,
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
    prepared: PreparedSource | None = None,
    locality: float = 0.0,
    max_radius: int | None = None,
    flat: bool = False,
    jumps: tuple[int, ...] = _JUMPS,
) -> tuple[torch.LongTensor, torch.Tensor]:
    """`nnf_search`, also returning the HxW patch distances (inf where not searched).

    Distances are mean squared differences per patch element (in the projected space).
    `jumps`: the propagation distances (px) of each round, widest first.
    """
    if patch < 1 or patch % 2 == 0:
        raise ValueError(f"patch must be odd and positive, got {patch}")
    _check_shapes(target, source, patch)
    if prepared is None:
        if basis is None:
            basis = patch_basis(source, patch, dims=dims, generator=generator, valid=source_valid)
        prepared = PreparedSource(source, patch, basis, source_valid, locality=locality)
    elif prepared.patch != patch:
        raise ValueError("the prepared source was made for another patch size")
    elif locality and prepared.locality != locality:
        raise ValueError("the prepared source was made for another locality")
    search = _Search(target, prepared, wrap, target_active, generator)
    search.start(init)
    for step in range(iterations):
        for jump in jumps:
            if check is not None:
                check()
            for direction in _DIRECTIONS if step % 2 == 0 else _DIRECTIONS[::-1]:
                search.propagate(direction, jump)
        if check is not None:
            check()
        search.random_search(max_radius)
    field = search.field.reshape(search.height, search.width) if flat else search.field_yx()
    return field, search.distances()


def _vote_toroidal(nnf: torch.Tensor, source: torch.Tensor, patch: int) -> torch.Tensor:
    """`vote(..., wrap=True)` with equal weights over the whole target, one patch offset
    at a time: a gather and a shifted add of whole images into a padded buffer, then
    what spilled past an edge is added to the opposite edge. A fraction of the cost of
    the per-pixel index arithmetic of the general case."""
    channels, _, source_w = source.shape
    height, width = int(nnf.shape[1]), int(nnf.shape[2])
    r = patch // 2
    table = source.reshape(channels, -1).T.contiguous()  # one row per source pixel
    match = (nnf[0] * source_w + nnf[1]).reshape(-1)
    total = torch.zeros(
        height + 2 * r, width + 2 * r, channels, dtype=source.dtype, device=source.device
    )
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            taken = table.index_select(0, match + (dy * source_w + dx))
            total[r + dy : r + dy + height, r + dx : r + dx + width] += taken.view(
                height, width, channels
            )
    if r:
        total[height : height + r] += total[:r]
        total[r : 2 * r] += total[height + r :]
        total[:, width : width + r] += total[:, :r]
        total[:, r : 2 * r] += total[:, width + r :]
    return (total[r : height + r, r : width + r] / patch**2).permute(2, 0, 1).contiguous()


def vote(
    nnf: torch.Tensor,
    source: torch.Tensor,
    *,
    patch: int,
    wrap: bool = False,
    weights: torch.Tensor | None = None,
    mask: torch.Tensor | None = None,
    into: torch.Tensor | None = None,
    modes: int = 0,
    mode_width: float = 1.0,
) -> torch.Tensor:
    """Rebuild a CxHxW target by averaging the overlapping source patches of `nnf`.

    `nnf` is 2xHxW (y, x) or flat (HxW, see `flat_field`). Each target pixel is the
    weighted mean, over the p*p patches covering it, of the
    source pixel each patch puts there. `weights` (HxW, per patch centre) favour good
    or trusted matches. Patches centred outside the target are left out, or wrap round
    with `wrap=True`. With `mask` (HxW bool) only those pixels are computed; the rest
    of the result is zero, or, with `into` (a CxHxW tensor, which may be `source`
    itself: it is written only once every pixel is computed), `into`'s own values.

    `modes` > 0 seeks the most likely value instead of the mean (Wexler et al. 2007's
    mean-shift voting): that many times, each patch's say is weighted again by how
    close its colour (the first three channels) lies to the current estimate,
    exp(-d^2 / (2 `mode_width` v)) with v the weighted variance of the says at that
    pixel; where the patches disagree (two textures meet) the value moves to the
    stronger cluster instead of a blurred average of both.
    """
    if wrap and weights is None and mask is None and not modes:
        return _vote_toroidal(nnf, source, patch)
    channels = source.shape[0]
    height, width = int(nnf.shape[-2]), int(nnf.shape[-1])
    source_w = int(source.shape[2])
    device = source.device
    if mask is None:
        pixels = torch.arange(height * width, device=device)
    else:
        pixels = torch.nonzero(mask.reshape(-1), as_tuple=True)[0]
    flat_source = source.reshape(channels, -1)
    matches = flat_field(nnf, source_w).reshape(-1)
    flat_weights = None if weights is None else weights.reshape(-1).to(source.dtype)
    radius = patch // 2
    if into is None:
        out = torch.zeros(channels, height * width, dtype=source.dtype, device=device)
    else:
        out = into.view(channels, height * width)  # a view: written in place
    results = []
    # One pass per offset within the patch, each a few gathers over all the pixels:
    # no n x p*p stacks, so the work stays in cache (mode seeking keeps the says).
    for chunk in pixels.split(_VOTE_PIXELS // patch if modes else _VOTE_PIXELS):
        ys, xs = chunk // width, chunk % width
        interior = not wrap and bool(
            (ys.min() >= radius)
            & (ys.max() < height - radius)
            & (xs.min() >= radius)
            & (xs.max() < width - radius)
        )
        total = torch.zeros(channels, chunk.numel(), dtype=source.dtype, device=device)
        weight_sum = torch.zeros(chunk.numel(), dtype=source.dtype, device=device)
        says: list[tuple[torch.Tensor, torch.Tensor]] = []
        for dy in range(-radius, radius + 1):
            for dx in range(-radius, radius + 1):
                centre, inside = _covering_centres(
                    chunk, ys, xs, dy, dx, (height, width), wrap, interior
                )
                if flat_weights is None:
                    weight = (
                        torch.ones(chunk.shape, dtype=source.dtype, device=device)
                        if inside is None
                        else inside.to(source.dtype)
                    )
                else:
                    weight = flat_weights.index_select(0, centre)
                    if inside is not None:
                        weight = weight * inside
                index = matches.index_select(0, centre) + (dy * source_w + dx)
                said = flat_source.index_select(1, index)
                total.addcmul_(said, weight)
                weight_sum += weight
                if modes:
                    says.append((said, weight))
        value = total / weight_sum.clamp_min(1e-12)
        for _ in range(modes):
            value = _mode_step(says, value, mode_width)
        results.append((chunk, value))
    for chunk, values in results:
        out[:, chunk] = values
    return out.reshape(channels, height, width)


def _mode_step(
    says: list[tuple[torch.Tensor, torch.Tensor]], value: torch.Tensor, width: float
) -> torch.Tensor:
    """One mean-shift step of `vote(modes=...)`: the says (C x n values, n weights)
    weighted again by their colour's closeness to `value` (C x n)."""
    colour = min(3, value.shape[0])
    gaps = [(said[:colour] - value[:colour]).square_().sum(dim=0) for said, _ in says]
    weight_sum = sum(weight for _, weight in says)
    spread = sum(gap * weight for gap, (_, weight) in zip(gaps, says, strict=True))
    spread = spread / weight_sum.clamp_min(1e-12)
    scale = -0.5 / (width * spread).clamp_min(1e-8)
    total = torch.zeros_like(value)
    kept = torch.zeros_like(weight_sum)
    for gap, (said, weight) in zip(gaps, says, strict=True):
        again = weight * torch.exp(gap * scale)
        total.addcmul_(said, again)
        kept += again
    return torch.where(kept > 1e-12, total / kept.clamp_min(1e-12), value)


def upsample_nnf(
    nnf: torch.Tensor,
    size: tuple[int, int],
    source_size: tuple[int, int],
    *,
    patch: int,
    coarse_source_width: int | None = None,
) -> torch.LongTensor:
    """A field for a finer level: `size` target, `source_size` source (usually 2x).

    Each fine pixel takes its coarse pixel's match, scaled, plus its own offset within
    the coarse pixel, so coherent regions stay coherent. Centres are kept `patch // 2`
    inside the source; `nnf_search(init=...)` fixes any that land where not allowed.
    A flat field (HxW, see `flat_field`) gives a flat field; its coarse source is
    `coarse_source_width` wide (default: as wide as the field, as in completion).
    """
    flat = nnf.ndim == 2
    if flat:
        across = coarse_source_width or int(nnf.shape[1])
        match_y, match_x = nnf // across, nnf % across
    else:
        match_y, match_x = nnf[0], nnf[1]
    coarse_h, coarse_w = match_y.shape
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
    # Matches are scaled on the coarse grid (a quarter of the pixels), then spread.
    scaled_y = torch.floor(match_y.double() * scale_y).long()
    scaled_x = torch.floor(match_x.double() * scale_x).long()
    fine_y = scaled_y.index_select(0, cy).index_select(1, cx) + offset_y[:, None]
    fine_x = scaled_x.index_select(0, cy).index_select(1, cx) + offset_x[None, :]
    radius = patch // 2
    fine_y = fine_y.clamp_(radius, max(radius, source_h - 1 - radius))
    fine_x = fine_x.clamp_(radius, max(radius, source_w - 1 - radius))
    if flat:
        return fine_y.mul_(source_w).add_(fine_x)
    return torch.stack([fine_y, fine_x])


def flat_field(nnf: torch.Tensor, source_width: int) -> torch.LongTensor:
    """The HxW flat source indices (y * `source_width` + x) of a 2xHxW field; a field
    that is already flat is returned as it is."""
    if nnf.ndim == 2:
        return nnf
    return nnf[0] * source_width + nnf[1]


# -- internals ----------------------------------------------------------------------


def _covering_centres(
    chunk: torch.Tensor,
    ys: torch.Tensor,
    xs: torch.Tensor,
    dy: int,
    dx: int,
    size: tuple[int, int],
    wrap: bool,
    interior: bool,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Flat centre of the patch that puts its (dy, dx) pixel on each of `chunk`'s
    pixels, and whether that centre is inside the target (None: always)."""
    height, width = size
    if interior:  # no pixel is within a patch radius of the edge
        return chunk - (dy * width + dx), None
    cy, cx = ys - dy, xs - dx
    if wrap:
        return (cy % height) * width + cx % width, None
    inside = (cy >= 0) & (cy < height) & (cx >= 0) & (cx < width)
    return cy.clamp(0, height - 1) * width + cx.clamp(0, width - 1), inside


def _check_shapes(target: torch.Tensor, source: torch.Tensor, patch: int) -> None:
    if target.ndim != 3 or source.ndim != 3 or target.shape[0] != source.shape[0]:
        raise ValueError("target and source must be CxHxW tensors with the same C")
    if min(source.shape[1:]) < patch:
        raise ValueError(
            f"the source ({source.shape[2]}x{source.shape[1]}) is smaller than a patch"
        )
    if target.device != source.device:
        raise ValueError("target and source must be on the same device")


class NoSourcePatches(ValueError):
    """No patch of the picture lies clear of the hole (e.g. a hole across a picture
    narrower than a patch): there is nothing to copy from."""


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
        raise NoSourcePatches("no source patch may be used: nothing around the hole is known")
    return centres


def _patches_at(source: torch.Tensor, centres: torch.Tensor, patch: int) -> torch.Tensor:
    """The C*p*p values of the patches at flat `centres`, one row each (C, p, p order)."""
    channels = source.shape[0]
    values = _patch_values(source, centres, patch)  # C x n x p*p
    return values.permute(1, 0, 2).reshape(centres.numel(), channels * patch * patch)


def _project_strips(
    source: torch.Tensor, basis: torch.Tensor, centres: torch.Tensor
) -> torch.Tensor:
    """n x d: the patches at the sorted flat `centres` projected on `basis`, by one
    `conv2d` per strip of rows over just the rows and columns its centres span (or,
    where they are scattered thinly, patch by patch)."""
    _, height, width = source.shape
    radius = basis.shape[-1] // 2
    dims = basis.shape[0]
    out = torch.empty(centres.numel(), dims, dtype=source.dtype, device=source.device)
    per_pixel = _channels_last(basis)
    starts = torch.arange(0, height + _STRIP, _STRIP, device=source.device) * width
    bounds = torch.searchsorted(centres, starts).tolist()
    for first, last in zip(bounds[:-1], bounds[1:], strict=False):
        if first == last:
            continue
        chunk = centres[first:last]
        ys, xs = chunk // width, chunk % width
        top, bottom = int(ys[0]), int(ys[-1]) + 1
        left, right = int(xs.min()), int(xs.max()) + 1
        if (last - first) * _DENSE_SHARE < (bottom - top) * (right - left):
            # Scattered centres (the unsettled pixels of a texture): gathering just
            # their patches costs less than convolving the strip round them.
            out[first:last] = _project_at(source, chunk, basis)
            continue
        # Windows of a few sizes only: every new input size costs the convolution a
        # fresh setup (~1 ms), more than the few extra columns and rows cost.
        top, bottom = _snapped(top, bottom, _STRIP, radius, height)
        left, right = _snapped(left, right, _SNAP, radius, width)
        # Centres lie `radius` inside, so the window never leaves the source.
        window = source[:, top - radius : bottom + radius, left - radius : right + radius]
        projected = _convolve_rows(window, per_pixel)  # rows*columns x d
        where = (ys - top) * (right - left) + xs - left
        torch.index_select(projected, 0, where, out=out[first:last])
    return out


def _channels_last(basis: torch.Tensor) -> torch.Tensor:
    """`basis` laid out for `_convolve_rows`."""
    return basis.contiguous(memory_format=torch.channels_last)


def _convolve_rows(image: torch.Tensor, basis: torch.Tensor) -> torch.Tensor:
    """(H-p+1)*(W-p+1) x d: the projection of every patch wholly inside `image`
    (CxHxW) on `basis` (from `_channels_last`), one row per patch centre. The
    convolution runs channels-last (faster for these few channels) and its output is
    then already one row per pixel: no transposed copy."""
    batch = image[None].contiguous(memory_format=torch.channels_last)
    return F.conv2d(batch, basis).permute(0, 2, 3, 1).reshape(-1, basis.shape[0])


def _snapped(start: int, stop: int, step: int, radius: int, size: int) -> tuple[int, int]:
    """[start, stop) widened to a multiple of `step`, staying within [radius, size -
    radius) (where patch centres may lie)."""
    low, high = radius, size - radius
    span = min(-(-(stop - start) // step) * step, high - low)
    start = max(low, min(start, high - span))
    return start, start + span


def _project_at(source: torch.Tensor, centres: torch.Tensor, basis: torch.Tensor) -> torch.Tensor:
    """n x d: the patches at flat `centres` (wholly inside `source`) projected on `basis`."""
    dims, channels, patch = basis.shape[0], basis.shape[1], basis.shape[-1]
    # Per channel: (n x p*p) @ (p*p x d), summed - no n x C*p*p copy is made.
    per_channel = basis.reshape(dims, channels, patch * patch).permute(1, 2, 0)
    rows = []
    for chunk in centres.split(_VOTE_CHUNK):
        values = _patch_values(source, chunk, patch)  # C x n x p*p
        rows.append(torch.bmm(values, per_channel).sum(dim=0))
    if not rows:
        return torch.zeros(0, dims, dtype=source.dtype, device=source.device)
    return torch.cat(rows)


def _patch_values(source: torch.Tensor, centres: torch.Tensor, patch: int) -> torch.Tensor:
    """C x n x p*p: the pixels of the patches at flat `centres` (one flat gather)."""
    channels, _, width = source.shape
    radius = patch // 2
    steps = torch.arange(-radius, radius + 1, device=source.device)
    offsets = (steps[:, None] * width + steps[None, :]).reshape(-1)
    index = (centres[:, None] + offsets[None, :]).reshape(-1)
    flat = source.reshape(channels, -1)
    return flat.index_select(1, index).reshape(channels, centres.numel(), patch * patch)


class _Search:
    """The state of one PatchMatch run over the active target pixels.

    Matches are kept as flat source indices (y * Ws + x). A propagated candidate that
    crosses the source's side edge lands on the neighbouring row, and one taken from
    a neighbour beyond the target's edge comes from the nearest edge pixel instead:
    either is merely a less useful candidate, never a wrong one (a centre that is not
    allowed always scores worst, see `PreparedSource`).
    """

    def __init__(self, target, prepared: PreparedSource, wrap, active, generator):
        self.radius = prepared.patch // 2
        self.wrap = wrap
        self.generator = generator
        self.device = target.device
        self.height, self.width = int(target.shape[1]), int(target.shape[2])
        self.source_h, self.source_w = prepared.height, prepared.width
        self.table = prepared.features
        self.rows = prepared.rows
        self.centres = prepared.centres
        self.allowed = prepared.allowed
        if active is None:
            self.active = torch.arange(self.height * self.width, device=self.device)
        else:
            self.active = torch.nonzero(active.reshape(-1), as_tuple=True)[0]
        if self.active.numel() == 0:
            raise ValueError("target_active selects no pixel")
        self.ay = self.active // self.width
        self.ax = self.active % self.width
        self.target_features = self._target_features(target, prepared)
        self._row_ids = torch.empty(self.active.numel(), dtype=torch.long, device=self.device)
        self._gathered = torch.empty_like(self.target_features)
        # Row sums as a matrix-vector product: a reduction along rows this short is
        # several times slower.
        self._ones = torch.ones(self.table.shape[1], dtype=target.dtype, device=self.device)
        # `start` sets the field, the active pixels' matches and their distances.
        self.field: torch.Tensor
        self.current: torch.Tensor
        self.best: torch.Tensor
        self._neighbours: dict[tuple[int, int], torch.Tensor] = {}

    def _target_features(self, target: torch.Tensor, prepared: PreparedSource) -> torch.Tensor:
        """The active pixels' rows, laid out as `prepared.features` (see there)."""
        r = self.radius
        inside = not self.wrap and bool(
            (self.ay.min() >= r)
            & (self.ay.max() < self.height - r)
            & (self.ax.min() >= r)
            & (self.ax.max() < self.width - r)
        )
        if inside:  # every active patch lies within the target: no padding needed
            projected = _project_strips(target, prepared.basis, self.active)
        else:
            mode = "circular" if self.wrap else "replicate"
            padded = F.pad(target[None], (r,) * 4, mode=mode)[0]
            centres = (self.ay + r) * (self.width + 2 * r) + (self.ax + r)
            projected = _project_strips(padded, prepared.basis, centres)
        rows = torch.zeros(
            self.active.numel(), self.table.shape[1], dtype=target.dtype, device=self.device
        )
        dims = projected.shape[1]
        rows[:, :dims] = projected * prepared.feature_scale(target.shape[0])
        if self.table.shape[1] > dims + 1:  # positions, for the locality term
            where = torch.stack([self.ay, self.ax], dim=1).to(target.dtype)
            rows[:, dims : dims + 2] = where * prepared.position_scale()
        return rows

    def start(self, init: torch.Tensor | None) -> None:
        """Take `init` where it is an allowed centre; random allowed centres elsewhere
        among the active pixels (inactive pixels are only read, never scored)."""
        if init is not None and init.ndim == 2:  # flat source indices
            field = init.reshape(-1).to(self.device, copy=True)
            current = field[self.active]
            current_ok = (current >= 0) & (current < self.source_h * self.source_w)
            current_ok &= self.allowed[current.clamp(0, self.source_h * self.source_w - 1)]
        elif init is not None:
            init_y = init[0].reshape(-1).to(self.device)
            init_x = init[1].reshape(-1).to(self.device)
            field = init_y.clamp(0, self.source_h - 1) * self.source_w + init_x.clamp(
                0, self.source_w - 1
            )
            y, x = init_y[self.active], init_x[self.active]
            current = field[self.active]
            current_ok = (y >= 0) & (y < self.source_h) & (x >= 0) & (x < self.source_w)
            current_ok &= self.allowed[current]
        else:
            field = torch.zeros(self.height * self.width, dtype=torch.long, device=self.device)
            current = field[self.active]
            current_ok = torch.zeros_like(current, dtype=torch.bool)
        pick = torch.randint(
            self.centres.numel(), (current.numel(),), generator=self.generator, device=self.device
        )
        current = torch.where(current_ok, current, self.centres[pick])
        field[self.active] = current
        self.field = field
        self.current = current
        self.best = self._distance(current)

    def _distance(self, index: torch.Tensor) -> torch.Tensor:
        # Into buffers kept for the whole search: fresh multi-megabyte temporaries for
        # every candidate would cost page faults (the allocator hands them back).
        rows = torch.index_select(self.rows, 0, index, out=self._row_ids)
        gathered = torch.index_select(self.table, 0, rows, out=self._gathered)
        torch.sub(self.target_features, gathered, out=gathered)
        return torch.mv(gathered.square_(), self._ones)

    def _try(self, candidate: torch.Tensor) -> None:
        """Take each candidate that is closer than the current match (a fresh tensor:
        it is clamped in place)."""
        candidate = candidate.clamp_(0, self.source_h * self.source_w - 1)
        distance = self._distance(candidate)
        better = distance < self.best
        self.best = torch.where(better, distance, self.best)
        self.current = torch.where(better, candidate, self.current)

    def _neighbour(self, dy: int, dx: int) -> torch.Tensor:
        """Flat target index of each active pixel's neighbour (-dy, -dx): wrapped round
        the target's edges with wrapping, else the nearest pixel inside."""
        key = (dy, dx)
        if key not in self._neighbours:
            ny, nx = self.ay - dy, self.ax - dx
            if self.wrap:
                ny, nx = ny % self.height, nx % self.width
            else:
                ny, nx = ny.clamp(0, self.height - 1), nx.clamp(0, self.width - 1)
            self._neighbours[key] = ny * self.width + nx
        return self._neighbours[key]

    def propagate(self, direction: tuple[int, int], jump: int) -> None:
        """Offer each pixel its neighbour's match, shifted (neighbour `jump` px away)."""
        dy, dx = direction[0] * jump, direction[1] * jump
        neighbour = self._neighbour(dy, dx)
        self._try(self.field.index_select(0, neighbour) + (dy * self.source_w + dx))
        self.field.index_copy_(0, self.active, self.current)

    def random_search(self, max_radius: int | None = None) -> None:
        """Try random centres in windows around each match, halving the window each time."""
        radius = max(self.source_h, self.source_w) // 2
        if max_radius is not None:
            radius = max(1, min(radius, max_radius))
        count = self.active.numel()
        low, high_y, high_x = (
            self.radius,
            self.source_h - 1 - self.radius,
            self.source_w - 1 - self.radius,
        )
        while radius >= 1:
            jitter = torch.randint(
                -radius, radius + 1, (2, count), generator=self.generator, device=self.device
            )
            cand_y = (self.current // self.source_w + jitter[0]).clamp_(low, high_y)
            cand_x = (self.current % self.source_w + jitter[1]).clamp_(low, high_x)
            self._try(cand_y * self.source_w + cand_x)
            radius //= 2
        self.field.index_copy_(0, self.active, self.current)

    def field_yx(self) -> torch.LongTensor:
        shape = (self.height, self.width)
        return torch.stack(
            [
                (self.field // self.source_w).reshape(shape),
                (self.field % self.source_w).reshape(shape),
            ]
        )

    def distances(self) -> torch.Tensor:
        out = torch.full((self.height * self.width,), float("inf"), device=self.device)
        out[self.active] = self.best
        return out.reshape(self.height, self.width)
