"""Multi-scale exemplar-based completion of a hole (Wexler et al. 2007, with PatchMatch).

The picture and its hole are halved until the hole is a few pixels thick (thin
scratches vanish at coarse levels; thick holes stay holes). The coarsest hole starts
from diffusion (Telea). At each level a few EM steps alternate: PatchMatch finds, for
every patch overlapping the hole, the most similar patch lying wholly in the known
part (E), and each hole pixel becomes the weighted average of what the overlapping
patches say (M). Weights favour good matches and patches that reach into the known
border. Patches are compared on colour plus two texture channels (local gradient
magnitude, Newson et al. 2014), which keeps textured places textured, and, above the
finest level, on guide channels: a blurred diffusion (Telea) fill of the hole, which
carries edges along their direction and steers each part of
a large hole towards sources of the colour its surroundings predict (the dark coat
continues as coat, not as the lawn beside it). The field moves to the next finer
level, where a first vote with the upsampled field gives a sharp start. The finest
level of a stroke or larger hole works with smaller patches (finer texture, half the
cost). At the finest level pixels near the rim keep the vote, deeper ones are copied
from their own match (no averaging, no blur), the fill's shading is matched to the rim
(`restorer.blend`), for strokes and larger holes the first rings lean towards a
diffusion fill (Navier-Stokes), and the result is finished by
`restorer.exemplar.detail`: its broad shading moved halfway (most of the way across
thin scratches) to the same diffusion fill's, its fine detail raised to the strength
of the detail around it. Last, the hole's first rings (4 px) are filled again by
diffusion from both sides, the rim outside and the fill inside, and half of that
(a third across scratches) is blended in, so the fill meets its rim without a step,
and then moved most of the way towards a frequency-selective extrapolation of the
known pixels (`restorer.exemplar.fse`), which continues their edges and shading.
Source patches come only from a band a few hole-thicknesses wide round the hole, and
the per-pixel work on them is done on the band alone, so a long thin stroke costs in
proportion to the stroke.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property

import cv2
import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 - the usual name

from restorer.blend import RING, border_gap_correction, hole_depth
from restorer.exemplar.detail import blend_low_band, diffusion_guess, fsr_guess, match_detail
from restorer.exemplar.fse import rim_towards_extrapolation
from restorer.exemplar.search import (
    NoSourcePatches,
    PreparedSource,
    nnf_search_with_distance,
    patch_basis,
    upsample_nnf,
    vote,
)
from restorer.exemplar.structure import StructureSettings, structure_guide
from restorer.geometry import bounding_box


@dataclass(frozen=True)
class FillSettings:
    """Knobs of the completion; the defaults are what the benchmark was tuned with."""

    patch: int = 7
    # ...and for holes thicker than `thin_radius` (strokes, objects), with the finest
    # level's `mix_depth` and `fine_search_iterations` for them: smaller patches copy
    # finer texture into a wide hole and cost half as much; voting a wider rim keeps
    # its shading as faithful; one search round in the first step there does as well
    # as two (in the benchmark, within 0.01 dB), for 6-8% less time. A rim of 4 px
    # voted before copying (3 before) gained 0.03 dB on benchmarks/inpaint_wide.py's
    # tuning half.
    thick_patch: int = 5
    thick_mix_depth: float = 4.0
    # ...and for thin holes (None: `mix_depth`; 1 cost 0.26 dB on scratches).
    thin_mix_depth: float | None = None
    thick_fine_search_iterations: int = 1
    # EM steps at the coarsest level and at the finest; levels between interpolate.
    em_coarse: int = 4
    em_fine: int = 2
    # ...and at the finest level for holes at most `thin_radius` thick (scratches): they
    # have one or two levels only, and two more steps at the finest raise the PSNR in
    # the hole most (in the benchmark +0.2 to +0.3 dB on scratches, ~15% more time).
    # Since the seam extrapolation (`thin_seam_fse_share`) one of them is worth less:
    # 3 steps with a share of 0.6 instead of 4 with 0.5, on benchmarks/inpaint_wide.py's
    # tuning half (scratches, side by side): 7-9% less time, PSNR in the hole / seam
    # -0.007 / -0.008 dB, colour shift 0.868 -> 0.881, texture 0.707 -> 0.724. Tried
    # and dropped there: 2 steps (-25% time, -0.16 dB; with a share of 0.7 -0.07 dB,
    # texture +0.03), one level only (`thin_levels` 1: -35% time, -0.25 dB), a 5-px
    # finest patch (`thin_patch`: -0.13 dB), one search round in the first fine step
    # (`thin_fine_search_iterations` 1: -0.02 dB, no faster), 16 FSE functions
    # (-0.15 dB), fewer components or basis samples (-0.01 to -0.06 dB, hardly
    # faster), a narrower source band (`band_min` 32: no faster).
    thin_em_fine: int = 3
    # ...and at their coarsest level (None: `em_coarse`). 3 saved 16% of a scratch's
    # time on 12 photos for 0.01 dB, but on benchmarks/inpaint_wide.py's two halves it
    # cost 0.13 dB on scratches and saved nothing measurable (2: 0.1 dB): off.
    thin_em_coarse: int | None = None
    # ...their patch size at the finest level (None: `patch`), and at most this many
    # pyramid levels for them (None: as many as `coarsest_radius` asks for).
    thin_patch: int | None = None
    thin_levels: int | None = None
    # ...and their `fine_search_iterations` (None: the same).
    thin_fine_search_iterations: int | None = None
    # ...and their share of the diffusion fill's low band (`low_band_share`): across a
    # scratch diffusion guesses the broad shading well (in benchmarks/inpaint_wide.py's
    # tuning half, 0.8 instead of 0.5 gained 0.08 dB in the hole and on the seam).
    thin_low_band_share: float = 0.8
    # PatchMatch rounds in the first EM step of a level, and in the steps after it.
    search_iterations: int = 1
    refine_iterations: int = 1
    # ...and in the first step at the finest level (which has only `em_fine` steps: its
    # upsampled field is already good, and its last step rebuilds only the rim).
    fine_search_iterations: int = 2
    # The widest random-search window at the finest level (px): the upsampled field
    # already points at the right region, wider tries hardly ever win there.
    fine_search_radius: int = 8
    # Propagation distances (px) at the finest level, whose upsampled field is coherent
    # already (None: the search's own, 8, 4, 2, 1). (2, 1) with `basis_samples` 512, on
    # benchmarks/inpaint_wide.py side by side: 1% / 6% less time, 0.035 / 0.023 dB
    # less in the hole (tuning / checking half; 0.06 dB on edge crossings): off.
    fine_jumps: tuple[int, ...] | None = None
    # Stop halving once the hole's inscribed radius is at most this (pixels)...
    coarsest_radius: float = 2.5
    # ...or the picture's shorter side would drop below this.
    coarsest_side: int = 24
    # Weight of a patch centred `d` pixels inside the hole: confidence ** d.
    confidence: float = 0.5
    # One patch projection for every level with the same patch size (worked out at the
    # coarsest): the principal components cost ~10% of the time when every level has
    # its own. Off: on the tuning half it saved ~10% but lost 0.2 dB on edge crossings
    # ("lines"; the coarsest level's few patches miss the guide's edges).
    share_basis: bool = False
    # Patches sampled to find the principal components (`patch_basis(samples=)`).
    basis_samples: int = 1024
    # Principal components each patch is compared on (None: whole patches, exactly)...
    dims: int | None = 24
    # ...and at the finest level, whose search refines an upsampled field: fewer
    # components do as well there and cost less.
    fine_dims: int | None = 12
    # Preference for source patches near the hole (see `nnf_search(locality=...)`).
    locality: float = 0.02
    # How the last step at the finest level rebuilds the hole: "vote" (weighted mean of
    # the overlapping patches), "copy" (each pixel from its own match: sharpest) or
    # "mixed" (vote near the rim, copy deeper than `mix_depth` pixels).
    final: str = "mixed"
    mix_depth: float = 2.0
    # Share of a diffusion fill (the Navier-Stokes one the finishing uses too) kept in
    # the first ring of hole pixels, halving with each ring inward, for holes thicker
    # than `thin_radius` (strokes, objects): next to their rim diffusion is the safer
    # guess (0: off).
    rim_diffusion: float = 0.7
    # When a half-size pixel counts as hole: "any" part of it is, or "half" of it is
    # (thin scratches then vanish at coarse levels, which start from their surroundings);
    # "auto": "half" for holes at most `thin_radius` px thick, "any" for thicker ones.
    coarse_hole: str = "auto"
    thin_radius: float = 4.0
    # Weight of the texture channels (local mean gradient magnitude, as in Newson et al.
    # 2014) in patch comparisons: they stop smooth patches from matching textured places.
    texture_weight: float = 4.0
    # Match the fill to the colours just outside the hole: the difference there is
    # diffused into the hole, fading over this many pixels (0: off).
    border_fade: float = 6.0
    # Voting weights exp(-d / 2 s^2), s^2 this quantile of the match distances...
    quantile: float = 0.75
    # ...and at the finest level (None: `quantile`); lower favours the best matches.
    # (0.25: texture distance -2%, 0.09 dB less in the hole on the tuning half.)
    fine_quantile: float | None = None
    # Mean-shift steps of the votes at the finest level and above it (`vote(modes=)`):
    # each pixel moves towards the value most of its patches agree on instead of
    # their mean, with a kernel `mode_width` times their spread (0: plain mean). On
    # the tuning half one or two steps lowered the texture distance by 2-3% and cost
    # 0.03-0.15 dB in the hole (most on scratches): off.
    fine_modes: int = 0
    coarse_modes: int = 0
    mode_width: float = 1.0
    # Patch size at the levels above the finest.
    coarse_patch: int = 7
    # Source patches are taken only from a band round the hole, this many times the
    # hole's typical thickness wide but at least `band_min` px (at full size): a thin
    # stroke across a large crop then costs work in proportion to the band, not the
    # crop. 0: the whole picture.
    band_scale: float = 2.0
    band_min: int = 64
    # The band is used where it holds at least this many times as many source centres
    # as there are patches to match; elsewhere the whole picture is searched.
    band_plenty: float = 2.5
    # Weight of the guide channels: a fill of the hole (`guide_fill`),
    # blurred by `guide_sigma` px at every level, compared like colour but never
    # changed by voting. They steer each hole patch towards sources whose local
    # average colour agrees with what the surroundings predict (0: off).
    guide_weight: float = 1.0
    # (2 px, with the Telea guide of `guide_fill`: on benchmarks/inpaint_wide.py's
    # tuning half the colour shift fell from 4.50 to 4.40 and the seam rose 0.08 dB
    # over 4 px; weight 2 lost 0.14 dB.)
    guide_sigma: float = 2.0
    # At the finest level too? (Off: there the smooth guide would favour flat patches.)
    guide_finest: bool = False
    # Finishing (`restorer.exemplar.detail`): this share of the gap to a diffusion fill,
    # below `low_band_sigma` px, is added to the fill (0: off)...
    low_band_share: float = 0.5
    low_band_sigma: float = 4.5
    # ...its colour part capped at this many levels from grey (see `blend_low_band`;
    # None: not capped). On benchmarks/inpaint_wide.py's 39 photos the cap of 30 that
    # the nine of inpaint_quality.py chose cost colour fidelity (colour shift 4.43
    # against 4.33 uncapped on the tuning half) and 0.02 dB: off.
    low_band_max_chroma: float | None = None
    # ...then the first `detail_levels` Laplacian bands inside the hole are raised
    # towards the energy of the same bands around it, by at most `detail_max_gain`.
    detail_max_gain: float = 1.5
    detail_levels: int = 3
    detail_sigma: float = 8.0
    # Where the finishing's low band comes from: "diffusion" (Navier-Stokes) or "fsr":
    # the diffusion fill within `fsr_depth` px of the rim, blending deeper into
    # Frequency Selective Reconstruction at 1/`fsr_scale` of the size
    # (`restorer.exemplar.detail.fsr_guess`), which continues broad shading and
    # edges deep into a hole more faithfully than diffusion; `thin_...` for thin
    # holes. On benchmarks/inpaint_wide.py's tuning half, "fsr" (with FSR also as the
    # coarsest start or as the guide) gained at most 0.1 dB and doubled the time
    # (FSR costs ~0.5 ms per hole pixel even at half size): off.
    low_band_guess: str = "diffusion"
    thin_low_band_guess: str = "diffusion"
    fsr_scale: int = 2
    thin_fsr_scale: int = 2
    fsr_depth: float = 8.0
    # The guide channels' fill: "smooth" (`smooth_fill`), or "ns" / "telea" (OpenCV's
    # diffusion, radius 3, at full size, which carries edges along their direction
    # where the smooth fill spreads them out). On benchmarks/inpaint_wide.py's tuning
    # half (10 photos, four mask kinds), "telea" gained 0.07 dB in the hole and
    # lowered the colour shift from 4.60 to 4.50 over "smooth" (both with the seam
    # below); "ns" did about as well.
    guide_fill: str = "telea"
    # Structure term (`restorer.exemplar.structure`): straight edges that enter the
    # hole are continued across it (joined to a collinear edge on the other side, or
    # extended a little way) and painted into the guide fill, so the coarse levels
    # carry them through the hole: a band `structure_half_width` px each side of the
    # line, an unpaired edge extended at most `structure_max_extend` px, a pair's far
    # end at most `structure_pair_gap` px past where the extension leaves the hole.
    # On benchmarks/inpaint_wide.py's tuning half (lines, strokes, blob): +0.13 dB in
    # the hole (+0.09 / +0.16 / +0.15), colour shift 5.87 -> 5.78; half width 4 or an
    # extension of 24 px gained less, 0 (pairs only) almost nothing, the pair gap
    # (8, 32, any) did not matter. Not for thin holes (scratches): there the coarse
    # levels have no hole left to steer, and the detection cost 7% of their time.
    # Only with a diffusion guide (`guide_fill` "telea" or "ns").
    structure: bool = True
    structure_half_width: float = 6.0
    structure_max_extend: float = 48.0
    structure_pair_gap: float = 8.0
    # Seam: the hole pixels at most `seam_depth` px deep are filled again by diffusion
    # (Navier-Stokes, radius 1) from both sides, the known pixels outside and the fill
    # inside, and `seam_share` of that is blended in (`thin_seam_share` for holes at
    # most `thin_radius` thick): the fill meets its rim without a step or halo (0:
    # off). On the tuning half 0.5 / 0.3 gained 0.23 dB in the hole and 0.67 dB on the
    # seam (3-px ring), and cost 8% texture distance; 0.7 did no better, a depth of 3
    # or 6 px less well.
    seam_share: float = 0.5
    thin_seam_share: float = 0.3
    seam_depth: float = 4.0
    # ...before the detail is matched (`match_detail` then restores the ring's detail)
    # instead of after it: on the tuning half half the texture cost, but 0.07 dB less
    # in the hole and 0.27 dB less on the seam.
    seam_first: bool = False
    # ...and then the ring's pixels moved `seam_fse_share` (`thin_seam_fse_share` for
    # thin holes) of the way towards a frequency-selective extrapolation
    # (`restorer.exemplar.fse`) of the known pixels round the hole, the fill's own
    # pixels deeper in it trusted `seam_fse_inner`, colour planes apart
    # (`seam_fse_colour`; else brightness only); windows `seam_fse_margin` px round
    # blocks of 8 px, weights falling by `seam_fse_decay` a pixel,
    # `seam_fse_iterations` Fourier functions each; then `seam_fse_keep_detail` of the
    # fill's finest detail (1 px) added back to the ring (0: off). On
    # benchmarks/inpaint_wide.py's tuning half: +0.21 dB in the hole, +0.69 dB on the
    # seam, colour shift 4.55 -> 4.53, texture distance +0.04 (without the detail
    # kept: +0.26 dB, +0.79 dB, texture +0.09; 48 functions: +0.01 dB, +0.04 dB on
    # the seam for ~4% more time); brightness only: +0.2 dB, +0.6 dB; decay 0.8 or
    # 0.6, margin 6, low-pass 0 or 0.9, gamma 0.3 or 0.8: no better.
    seam_fse_share: float = 0.7
    thin_seam_fse_share: float = 0.6  # (see `thin_em_fine`)
    seam_fse_inner: float = 0.2
    seam_fse_colour: bool = True
    seam_fse_margin: int = 8
    seam_fse_decay: float = 0.7
    seam_fse_iterations: int = 32
    seam_fse_keep_detail: float = 0.3


@dataclass
class Level:
    image: torch.Tensor  # C x H x W, hole pixels hold the current estimate
    hole: torch.Tensor  # H x W bool
    guide: torch.Tensor | None = None  # G x H x W: the last G channels, kept as they are

    @cached_property
    def depth(self) -> torch.Tensor:
        """HxW: how far each hole pixel is from the known part (px); 0 outside."""
        return torch.from_numpy(hole_depth(self.hole.cpu().numpy())).to(self.hole.device)

    @cached_property
    def hole_pixels(self) -> torch.Tensor:
        """Flat indices of the hole's pixels."""
        return torch.nonzero(self.hole.reshape(-1), as_tuple=True)[0]

    @property
    def fill_channels(self) -> int:
        """How many leading channels the fill changes: all but the guide channels."""
        return self.image.shape[0] - (0 if self.guide is None else self.guide.shape[0])

    def keep_guide(self) -> None:
        """Put the guide channels back where voting or copying changed them."""
        if self.guide is not None:
            self.image[-self.guide.shape[0] :] = self.guide

    @property
    def size(self) -> tuple[int, int]:
        return int(self.image.shape[1]), int(self.image.shape[2])


_DEPTH_CAP = 6.0

LevelCallback = Callable[[int, int, np.ndarray], None]


def complete(image: np.ndarray, mask: np.ndarray, **options) -> np.ndarray:
    """Fill `mask` (HxW bool) in `image` (HxWx3 uint8); returns HxWx3 uint8.

    Options: `seed`, `device`, `settings` (`FillSettings`), `check` (called between
    steps; raise to cancel), `on_level(done, total, preview)` (called after each pyramid
    level with the picture filled so far, full size, or None with `previews=False`:
    nobody looks at them and making them costs time). When no patch of the picture lies
    clear of the hole (a hole across a picture narrower than a patch), the hole gets the
    smooth fill instead: there is nothing to copy from.
    """
    try:
        return _complete(image, mask, **options)
    except NoSourcePatches:
        smooth = smooth_fill(image.astype(np.float32), mask.astype(bool))
        out = image.copy()
        out[mask] = np.clip(smooth[mask] + 0.5, 0, 255).astype(np.uint8)
        return out


def _complete(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    seed: int = 0,
    device: str = "cpu",
    settings: FillSettings | None = None,
    check: Callable[[], None] | None = None,
    on_level: LevelCallback | None = None,
    previews: bool = True,
) -> np.ndarray:
    settings = settings or FillSettings()
    check = check or (lambda: None)
    generator = torch.Generator(device=device).manual_seed(seed)
    depths = hole_depth(mask)
    typical = _typical_depth(mask, depths)
    thin = typical <= settings.thin_radius
    if thin:
        settings = replace(
            settings,
            em_fine=settings.thin_em_fine,
            em_coarse=settings.thin_em_coarse or settings.em_coarse,
            low_band_share=settings.thin_low_band_share,
            fsr_scale=settings.thin_fsr_scale,
            low_band_guess=settings.thin_low_band_guess,
            seam_share=settings.thin_seam_share,
            seam_fse_share=settings.thin_seam_fse_share,
            mix_depth=settings.thin_mix_depth or settings.mix_depth,
            patch=settings.thin_patch or settings.patch,
            fine_search_iterations=settings.thin_fine_search_iterations
            or settings.fine_search_iterations,
        )
    else:
        settings = replace(
            settings,
            patch=settings.thick_patch,
            mix_depth=settings.thick_mix_depth,
            fine_search_iterations=settings.thick_fine_search_iterations,
        )
    levels = _pyramid(image, mask, settings, device, depths, thin)
    if settings.texture_weight > 0:
        for level in levels:
            extra = _texture_features(level.image, level.hole) * settings.texture_weight
            level.image = torch.cat([level.image, extra])
    guess: np.ndarray | None = None  # the diffusion fill, once it is needed
    if settings.guide_weight > 0:
        fill = None
        if settings.guide_fill != "smooth":
            method = cv2.INPAINT_NS if settings.guide_fill == "ns" else cv2.INPAINT_TELEA
            fill = diffusion_guess(image, mask.astype(bool), method, 3)
        if settings.structure and not thin and fill is not None:
            fill = structure_guide(
                image,
                mask.astype(bool),
                fill,
                StructureSettings(
                    half_width=settings.structure_half_width,
                    max_extend=settings.structure_max_extend,
                    pair_gap=settings.structure_pair_gap,
                ),
            )
        _add_guides(levels, image, mask, settings, fill)
    band = band_width(mask, settings, typical)
    coarsest = levels[-1]
    coarsest.image = _diffusion_start(coarsest)
    coarsest.keep_guide()
    nnf: torch.Tensor | None = None
    bases: dict = {}
    total = len(levels)
    for depth in range(total - 1, -1, -1):
        check()
        level = levels[depth]
        patch = settings.patch if depth == 0 else settings.coarse_patch
        if nnf is not None:
            nnf = upsample_nnf(nnf, level.size, level.size, patch=patch)  # flat, like nnf
        em_steps = _em_steps(depth, total, settings)
        nnf = _em(
            level,
            nnf,
            em_steps,
            settings,
            generator,
            check,
            patch,
            first_vote=nnf is not None,
            band=None if band is None else band / 2**depth,
            level_is_finest=depth == 0,
            last_vote=_voted_at_the_end(level, settings) if depth == 0 else None,
            bases=bases if settings.share_basis else None,
        )
        if depth == 0 and settings.final != "vote":
            _copy_into_hole(level, nnf, settings)
        if depth == 0 and settings.border_fade > 0:
            level.image = _border_correction(level, nnf, settings)
        if depth == 0 and settings.rim_diffusion > 0 and not thin:
            guess = guess if guess is not None else diffusion_guess(image, mask.astype(bool))
            _rim_diffusion(level, settings.rim_diffusion, guess)
        if depth > 0:
            finer = levels[depth - 1]
            _carry_down(level, finer)
        if on_level is not None:
            preview = _to_uint8(level.image, image, mask) if previews else None
            on_level(total - depth, total, preview)
    return _finish(levels[0].image, image, mask, settings, guess, depths)


def _finish(
    result: torch.Tensor,
    image: np.ndarray,
    mask: np.ndarray,
    settings: FillSettings,
    guess: np.ndarray | None = None,
    depths: np.ndarray | None = None,
) -> np.ndarray:
    """The finest level's colours as HxWx3 uint8, with the low band and the detail
    finished (`restorer.exemplar.detail`) and the seam smoothed (`_smooth_seam`);
    pixels outside `mask` are `image`'s. `guess`: the hole's `diffusion_guess`,
    `depths`: its `hole_depth`, when already worked out."""
    if settings.low_band_share <= 0 and settings.detail_max_gain <= 1.0:
        out = _to_uint8(result, image, mask)
        return _smooth_seam(out, mask, settings, depths)
    hole = mask.astype(bool)
    colour = np.ascontiguousarray(result[:3].permute(1, 2, 0).cpu().numpy()) * 255.0
    if settings.low_band_share > 0:
        guess = guess if guess is not None else diffusion_guess(image, hole)
        low = guess
        if settings.low_band_guess == "fsr":
            fsr = fsr_guess(image, hole, settings.fsr_scale)
            depths = hole_depth(hole) if depths is None else depths
            deep = np.clip((depths - 1.0) / settings.fsr_depth, 0.0, 1.0)[:, :, None]
            low = guess * (1.0 - deep) + fsr.astype(np.float32) * deep
        colour = blend_low_band(
            colour,
            low,
            hole,
            settings.low_band_sigma,
            settings.low_band_share,
            max_chroma=settings.low_band_max_chroma,
        )
    if settings.seam_first and settings.seam_share > 0:
        out = image.copy()
        out[hole] = np.clip(colour[hole] + 0.5, 0, 255).astype(np.uint8)
        colour = _smooth_seam(out, hole, settings, depths).astype(np.float32)
    if settings.detail_max_gain > 1.0:
        colour = match_detail(
            colour,
            hole,
            levels=settings.detail_levels,
            sigma=settings.detail_sigma,
            max_gain=settings.detail_max_gain,
        )
    out = image.copy()
    out[hole] = np.clip(colour[hole] + 0.5, 0, 255).astype(np.uint8)
    if settings.seam_first:
        return out
    return _smooth_seam(out, hole, settings, depths)


def _smooth_seam(
    out: np.ndarray, hole: np.ndarray, settings: FillSettings, depths: np.ndarray | None
) -> np.ndarray:
    """`out` (HxWx3 uint8, the fill in place) with `FillSettings.seam_share` of a
    two-sided diffusion fill of the hole's first `seam_depth` px blended in there."""
    if settings.seam_share <= 0:
        return out
    hole = hole.astype(bool, copy=False)
    depths = hole_depth(hole) if depths is None else depths
    ring = hole & (depths <= settings.seam_depth)
    box = bounding_box(ring)
    if box is None:
        return out
    # (Wide enough for the extrapolation's windows round the ring's blocks, too.)
    window = box.pad(4 + settings.seam_fse_margin + 8).clip(*hole.shape).slices
    part = out[window].copy()
    before = out[window].copy()
    inside = ring[window]
    again = cv2.inpaint(part, inside.astype(np.uint8), 1, cv2.INPAINT_NS)
    mixed = part[inside] * (1.0 - settings.seam_share) + again[inside] * settings.seam_share
    part[inside] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
    if settings.seam_fse_share > 0 and settings.seam_fse_iterations > 0:
        part = rim_towards_extrapolation(
            part,
            before,
            hole[window],
            inside,
            settings.seam_fse_share,
            inner=settings.seam_fse_inner,
            colour=settings.seam_fse_colour,
            keep_detail=settings.seam_fse_keep_detail,
            margin=settings.seam_fse_margin,
            decay=settings.seam_fse_decay,
            iterations=settings.seam_fse_iterations,
            device="cpu",
        )
    out[window] = part
    return out


# -- pyramid ------------------------------------------------------------------------


def _pyramid(
    image: np.ndarray,
    mask: np.ndarray,
    settings: FillSettings,
    device: str,
    depths: np.ndarray,
    thin: bool,
) -> list:
    """Levels from the full size down (see the module's docstring); `depths` is the
    hole's `hole_depth`, `thin` whether it is at most `thin_radius` thick."""
    picture = torch.from_numpy(image.astype(np.float32) / 255.0).permute(2, 0, 1).to(device)
    hole = torch.from_numpy(mask.astype(bool)).to(device)
    levels = [Level(picture * ~hole, hole)]
    levels[0].depth = torch.from_numpy(depths).to(device)  # `Level.depth`, already known
    radius = float(depths.max()) if depths.size else 0.0  # the hole's half-thickness
    coarse_hole = settings.coarse_hole
    if coarse_hole == "auto":
        coarse_hole = "half" if thin else "any"
    while radius > settings.coarsest_radius:
        if thin and settings.thin_levels is not None and len(levels) >= settings.thin_levels:
            break
        height, width = levels[-1].size
        if min(height, width) // 2 < max(settings.coarsest_side, 2 * settings.patch + 2):
            break
        levels.append(_halve(levels[-1], coarse_hole))
        radius /= 2
    return levels


def _typical_depth(mask: np.ndarray, depth: np.ndarray | None = None) -> float:
    """The hole's typical half-thickness: the 90th percentile of its pixels' depths
    (where scratches cross they are locally thicker). `depth`: `hole_depth(mask)`,
    when already worked out."""
    mask = mask.astype(bool, copy=False)
    if not mask.any():
        return 0.0
    depth = hole_depth(mask) if depth is None else depth
    return float(np.percentile(depth[mask], 90))


def band_width(
    mask: np.ndarray, settings: FillSettings, typical: float | None = None
) -> float | None:
    """How far from the hole (px, full size) source patches may lie; None: anywhere.
    `typical`: the hole's `_typical_depth`, when already worked out."""
    if settings.band_scale <= 0:
        return None
    typical = _typical_depth(mask) if typical is None else typical
    return max(float(settings.band_min), settings.band_scale * 2 * typical)


def _halve(level: Level, coarse_hole: str = "any") -> Level:
    """Half size: known pixels are averages of the known pixels beneath them; a coarse
    pixel is hole when any pixel beneath it is."""
    known = (~level.hole).float()[None, None]
    summed = F.avg_pool2d(level.image[None] * known, 2, ceil_mode=True)
    weight = F.avg_pool2d(known, 2, ceil_mode=True)
    image = (summed / weight.clamp_min(1e-6))[0]
    if coarse_hole == "any":
        hole = F.max_pool2d(level.hole.float()[None, None], 2, ceil_mode=True)[0, 0] > 0
    else:  # "half": a coarse pixel stays known while at least half of it is known
        hole = weight[0, 0] < 0.5
    return Level(image * ~hole, hole)


def _diffusion_start(level: Level) -> torch.Tensor:
    """The coarsest hole filled by Telea diffusion: smooth, but structure-following.

    Colour and the texture channels are filled; guide channels are left as they are."""
    channels = level.fill_channels
    array = level.image[:channels].permute(1, 2, 0).cpu().numpy()
    hole8 = level.hole.cpu().numpy().astype(np.uint8)
    planes = []
    for first in range(0, channels, 3):  # OpenCV fills 8-bit planes, three at a time
        group = array[:, :, first : first + 3]
        top = np.maximum(group.reshape(-1, group.shape[2]).max(axis=0), 1e-6)
        group8 = np.clip(group / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        if group8.shape[2] == 2:
            group8 = np.concatenate([group8, group8[:, :, :1]], axis=2)
        filled = cv2.inpaint(group8, hole8, 3, cv2.INPAINT_TELEA).reshape(*hole8.shape, -1)
        planes.append(filled[:, :, : group.shape[2]].astype(np.float32) * (top / 255.0))
    start = torch.from_numpy(np.concatenate(planes, axis=2)).permute(2, 0, 1)
    start = torch.cat([start.to(level.image.device), level.image[channels:]])
    return torch.where(level.hole[None], start, level.image)


def smooth_fill(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A smooth guess of the hole (HxWxC float32): known pixels averaged over ever
    coarser pyramid levels (normalised convolution), coarse to fine, each level
    trusting its own known pixels and taking the coarser estimate elsewhere."""
    known = (~mask).astype(np.float32)
    levels = [(image.astype(np.float32) * known[:, :, None], known)]
    # Halve until every coarse pixel has some known pixel beneath it.
    while float(levels[-1][1].min()) < 1e-3 and min(levels[-1][1].shape) > 1:
        values, weights = levels[-1]
        smaller = cv2.pyrDown(values)
        levels.append(
            (smaller.reshape(smaller.shape[0], smaller.shape[1], -1), cv2.pyrDown(weights))
        )
    values, weights = levels[-1]
    estimate = values / np.maximum(weights, 1e-6)[:, :, None]
    if float(weights.min()) < 1e-3:  # hardly anything known: the mean known colour
        mean = image[~mask].mean(axis=0) if (~mask).any() else np.zeros(image.shape[2])
        estimate = np.broadcast_to(mean, values.shape).astype(np.float32)
    for values, weights in reversed(levels[:-1]):
        up = cv2.pyrUp(estimate, dstsize=(values.shape[1], values.shape[0]))
        up = up.reshape(values.shape)
        trust = np.minimum(1.0, weights / 0.5)[:, :, None]
        estimate = values / np.maximum(weights, 1e-6)[:, :, None] * trust + up * (1 - trust)
    return np.where(mask[:, :, None], estimate, image.astype(np.float32))


def _add_guides(
    levels: list,
    image: np.ndarray,
    mask: np.ndarray,
    settings: FillSettings,
    fill: np.ndarray | None = None,
):
    """Append the guide channels (see `FillSettings.guide_weight`) to every level;
    `fill`: the smooth fill to use (HxWx3 uint8), instead of `smooth_fill`'s."""
    if fill is not None:
        full = fill.astype(np.float32) / 255.0
    elif not settings.guide_finest and len(levels) > 1:
        # The finest level has no guide: the smooth fill is worked out at half size.
        half = levels[1]
        colour = half.image[:3].permute(1, 2, 0).cpu().numpy()
        full = smooth_fill(np.ascontiguousarray(colour), half.hole.cpu().numpy())
    else:
        full = smooth_fill(image.astype(np.float32) / 255.0, mask.astype(bool))
    for index, level in enumerate(levels):
        if index == 0 and not settings.guide_finest:
            continue
        height, width = level.size
        guide = cv2.resize(full, (width, height), interpolation=cv2.INTER_AREA)
        guide = cv2.GaussianBlur(guide, (0, 0), settings.guide_sigma).reshape(height, width, -1)
        tensor = torch.from_numpy(np.ascontiguousarray(guide.transpose(2, 0, 1)))
        level.guide = tensor.to(level.image.device, level.image.dtype) * settings.guide_weight
        level.image = torch.cat([level.image, level.guide])


def _texture_features(colour: torch.Tensor, hole: torch.Tensor, window: int = 5) -> torch.Tensor:
    """|d/dx| and |d/dy| of the luminance, averaged over a window of known pixels: 2xHxW.

    Only differences between two known pixels count, so the hole does not leak in."""
    luminance = colour[:3].mean(dim=0)
    known = (~hole).float()
    gx = (luminance[:, 1:] - luminance[:, :-1]).abs()
    gy = (luminance[1:] - luminance[:-1]).abs()
    vx = known[:, 1:] * known[:, :-1]
    vy = known[1:] * known[:-1]
    gx, vx = F.pad(gx * vx, (0, 1)), F.pad(vx, (0, 1))
    gy, vy = F.pad(gy * vy, (0, 0, 0, 1)), F.pad(vy, (0, 0, 0, 1))
    # Window sums (OpenCV's box filter is much faster than pooling on the CPU); the
    # ratio of two sums over the same window is the mean over its known differences.
    stacked = torch.stack([gx, gy, vx, vy], dim=2).cpu().numpy()
    summed = cv2.boxFilter(
        stacked, -1, (window, window), normalize=False, borderType=cv2.BORDER_CONSTANT
    )
    pooled = torch.from_numpy(summed).permute(2, 0, 1).to(colour.device)
    return pooled[:2] / pooled[2:].clamp_min(1e-6)


def _carry_down(coarse: Level, fine: Level) -> None:
    """Give the finer level's hole the coarse estimate, interpolated (a fallback start;
    the first vote with the upsampled field replaces it)."""
    channels = fine.fill_channels
    up = F.interpolate(
        coarse.image[None, :channels], size=fine.size, mode="bilinear", align_corners=False
    )[0]
    fine.image[:channels] = torch.where(fine.hole[None], up, fine.image[:channels])


def _em_steps(depth: int, total: int, settings: FillSettings) -> int:
    if total == 1:
        return settings.em_fine + 1
    t = depth / (total - 1)  # 1 at the coarsest, 0 at the finest
    return max(1, round(settings.em_fine + (settings.em_coarse - settings.em_fine) * t))


# -- EM -----------------------------------------------------------------------------


def _em(
    level: Level,
    nnf: torch.Tensor | None,
    steps: int,
    settings: FillSettings,
    generator: torch.Generator,
    check: Callable[[], None],
    patch: int,
    *,
    first_vote: bool,
    last_vote: torch.Tensor | None = None,
    band: float | None = None,
    level_is_finest: bool = False,
    bases: dict | None = None,
) -> torch.Tensor:
    """A few EM steps at one level; returns the field. `bases`: patch projections
    (`patch_basis`) by (patch, dims, channels) to reuse from a coarser level and to
    keep for the next (None: each level works out its own)."""
    radius = patch // 2
    hole = level.hole
    touches_hole = _dilate(hole, radius)
    source_valid = ~touches_hole  # source patches lie wholly in the known part
    active = touches_hole  # every patch that overlaps the hole
    if not bool(hole.any()):
        return _identity(level.size, patch, hole.device)
    reach = None
    if band is not None:
        reach = max(int(band) + patch, 4 * patch)
        banded = source_valid & _near(hole, reach)
        # Keep the band only where it leaves plenty to choose from.
        if int(banded.sum()) >= settings.band_plenty * int(active.sum()):
            source_valid = banded
        else:
            reach = None
    if not bool(source_valid.any()):
        return nnf if nnf is not None else _identity(level.size, patch, hole.device)
    confidence = _confidence(level, settings.confidence)
    dims = settings.fine_dims if level_is_finest else settings.dims
    key = (patch, dims, int(level.image.shape[0]))
    basis = None if bases is None else bases.get(key)
    if basis is None:
        basis = patch_basis(
            level.image,
            patch,
            dims=dims,
            generator=generator,
            valid=source_valid,
            samples=settings.basis_samples,
        )
        if bases is not None:
            bases[key] = basis
    prepared = PreparedSource(level.image, patch, basis, source_valid, locality=settings.locality)
    if nnf is None:
        nnf = _identity(level.size, patch, hole.device)
    elif first_vote:
        # A first estimate from the upsampled field, before any search at this level.
        _vote_into(level, nnf, patch, confidence, hole)
    iterations = settings.search_iterations
    if first_vote and level_is_finest:
        iterations = settings.fine_search_iterations
    widest = reach
    if level_is_finest:
        widest = min(reach or settings.fine_search_radius, settings.fine_search_radius)
    jumps = {}
    if level_is_finest and settings.fine_jumps is not None:
        jumps = {"jumps": tuple(settings.fine_jumps)}
    for step in range(steps):
        check()
        nnf, distance = nnf_search_with_distance(
            level.image,
            level.image,
            patch=patch,
            iterations=iterations if step == 0 else settings.refine_iterations,
            generator=generator,
            init=nnf,
            source_valid=source_valid,
            check=check,
            target_active=active,
            prepared=prepared,
            max_radius=widest,
            flat=True,
            **jumps,
        )
        rebuilt = hole if step < steps - 1 or last_vote is None else last_vote
        if not bool(rebuilt.any()):
            break  # the caller rebuilds the hole from the field itself
        quantile = settings.quantile
        if level_is_finest and settings.fine_quantile is not None:
            quantile = settings.fine_quantile
        weights = _similarity(distance, active, quantile) * confidence
        modes = settings.fine_modes if level_is_finest else settings.coarse_modes
        _vote_into(level, nnf, patch, weights, rebuilt, modes, settings.mode_width)
    return nnf


def _vote_into(
    level: Level,
    nnf: torch.Tensor,
    patch: int,
    weights: torch.Tensor,
    where: torch.Tensor,
    modes: int = 0,
    mode_width: float = 1.0,
) -> None:
    """Rebuild the `where` pixels of the level by voting (`vote`); the guide channels,
    which voting must not change, are left out."""
    channels = level.fill_channels
    changed = level.image[:channels]  # a view: the vote writes into the level itself
    vote(
        nnf,
        changed,
        patch=patch,
        weights=weights,
        mask=where,
        into=changed,
        modes=modes,
        mode_width=mode_width,
    )


def _voted_at_the_end(level: Level, settings: FillSettings) -> torch.Tensor | None:
    """The hole pixels whose last vote at the finest level is kept (None: all): the
    rest are copied from their matches (`FillSettings.final`), so voting them is
    wasted work."""
    if settings.final == "copy":
        return torch.zeros_like(level.hole)
    if settings.final == "mixed":
        return level.hole & (level.depth < 2 * settings.mix_depth)
    return None


def _dilate(hole: torch.Tensor, radius: int) -> torch.Tensor:
    """`hole` grown by a (2 radius + 1) square (OpenCV: much faster than pooling)."""
    grown = cv2.dilate(
        hole.cpu().numpy().astype(np.uint8), np.ones((2 * radius + 1,) * 2, np.uint8)
    )
    return torch.from_numpy(grown > 0).to(hole.device)


def _near(hole: torch.Tensor, reach: int) -> torch.Tensor:
    """Pixels at most `reach` px (Euclidean) from the hole."""
    outside = (~hole).cpu().numpy().astype(np.uint8)
    distance = cv2.distanceTransform(outside, cv2.DIST_L2, 5)
    return torch.from_numpy(distance <= reach).to(hole.device)


def _rim_diffusion(level: Level, share: float, diffused: np.ndarray) -> None:
    """Blend the level's colours with a diffusion fill (`diffused`, HxWx3 uint8) near
    the rim: `share` of it in the first ring of hole pixels, halving with each ring
    inward."""
    pixels = level.hole_pixels
    guess = torch.from_numpy(diffused.reshape(-1, 3)[pixels.cpu().numpy()].T.copy())
    guess = guess.to(level.image.device, level.image.dtype) / 255.0
    alpha = share * 0.5 ** (level.depth.reshape(-1)[pixels] - 1).clamp_min(0)
    flat = level.image.reshape(level.image.shape[0], -1)
    flat[:3, pixels] = torch.lerp(flat[:3, pixels], guess, alpha)


def _copy_into_hole(level: Level, nnf: torch.Tensor, settings: FillSettings) -> None:
    """Rebuild the hole at the finest level from the field (`FillSettings.final`):
    each pixel copied from the centre of its own match (no averaging, sharpest), and
    with "mixed" the voted values kept near the rim (reliable, many known pixels),
    with a ramp of `mix_depth` pixels between them."""
    pixels = level.hole_pixels
    flat = level.image.reshape(level.image.shape[0], -1)
    copied = flat[:, nnf.reshape(-1)[pixels]]
    if settings.final == "mixed":
        start = settings.mix_depth
        alpha = ((level.depth.reshape(-1)[pixels] - start) / start).clamp(0.0, 1.0)
        copied = torch.lerp(flat[:, pixels], copied, alpha)
    flat[:, pixels] = copied
    level.keep_guide()


def _copy(image: torch.Tensor, nnf: torch.Tensor) -> torch.Tensor:
    """Each pixel taken from the centre of its own match (no averaging)."""
    flat = image.reshape(image.shape[0], -1)
    return flat[:, nnf.reshape(-1)].reshape(image.shape)


def _border_correction(level: Level, nnf: torch.Tensor, settings: FillSettings) -> torch.Tensor:
    """Add a smooth correction to the fill so it meets the known colours at the rim.

    Just outside the hole the field says what the fill "would" put there; the gap to
    the real pixels is spread into the hole by diffusion and faded with depth, so
    shading lines up at the border while the copied texture stays as it is."""
    hole = level.hole
    colour = level.image[:3]
    ring = _dilate(hole, RING) & ~hole
    if settings.final == "copy":
        predicted = _copy(colour, nnf)
    else:
        predicted = vote(nnf, colour, patch=settings.patch, mask=ring)
    gap = torch.where(ring[None], colour - predicted, torch.zeros_like(colour))
    gap_np = gap.permute(1, 2, 0).cpu().numpy()
    spread = border_gap_correction(gap_np, hole.cpu().numpy(), settings.border_fade)
    correction = torch.from_numpy(np.ascontiguousarray(spread.transpose(2, 0, 1)))
    correction = correction.to(colour.device, colour.dtype)
    corrected = colour + correction * hole[None]
    return torch.cat([corrected, level.image[3:]])


def _identity(size: tuple[int, int], patch: int, device) -> torch.Tensor:
    """Every pixel matched to itself (clamped inside): what known pixels are; flat."""
    height, width = size
    radius = patch // 2
    ys = torch.arange(height, device=device).clamp(radius, max(radius, height - 1 - radius))
    xs = torch.arange(width, device=device).clamp(radius, max(radius, width - 1 - radius))
    return ys[:, None] * width + xs[None, :]


def _confidence(level: Level, base: float) -> torch.Tensor:
    """`base ** d` for a patch centred `d` pixels inside the hole (1 in the known part).

    Depth counts up to `_DEPTH_CAP` pixels only: deep inside a large hole all patches
    are equally far from the known part, and smaller weights would only underflow."""
    return torch.pow(base, level.depth.clamp(max=_DEPTH_CAP)).float()


def _similarity(distance: torch.Tensor, active: torch.Tensor, quantile: float) -> torch.Tensor:
    """exp(-d / 2 sigma^2) with sigma^2 the 75th percentile of the active distances."""
    values = distance[active]
    if values.numel() > 1 << 20:  # torch.quantile's size limit; an even sample suffices
        values = values[:: values.numel() // (1 << 20) + 1]
    scale = _quantile(values, quantile) if values.numel() else distance.new_tensor(1.0)
    scale = scale.clamp_min(1e-6)
    weights = torch.exp(-(distance / (2 * scale)).clamp(max=20.0))
    return torch.where(active, weights, torch.zeros_like(weights))


def _quantile(values: torch.Tensor, q: float) -> torch.Tensor:
    """`torch.quantile(values, q)` (linear interpolation) from two order statistics:
    selecting them costs less than the full sort `torch.quantile` does."""
    position = q * (values.numel() - 1)
    low = int(position)
    below = torch.kthvalue(values, low + 1).values
    if low + 1 >= values.numel():
        return below
    above = torch.kthvalue(values, low + 2).values
    return torch.lerp(below, above, position - low)


def _to_uint8(result: torch.Tensor, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(result[:3].permute(1, 2, 0).cpu().numpy())
    if array.shape[:2] != image.shape[:2]:
        array = cv2.resize(array, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_LINEAR)
    filled = np.clip(array * 255.0 + 0.5, 0, 255).astype(np.uint8)
    out = image.copy()
    out[mask] = filled[mask]
    return out
