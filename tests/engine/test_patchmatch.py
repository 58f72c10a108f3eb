"""The default engine: multi-scale PatchMatch exemplar completion."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from restorer import api
from restorer.catalog import registry
from restorer.progress import Cancelled, Progress
from restorer.regions import RegionPreview
from tests.support.helpers import gradient_photo, square_mask


def stripes(height: int = 64, width: int = 64, period: int = 6) -> np.ndarray:
    """Vertical black-and-white stripes with a coloured tint: pure texture."""
    columns = (np.arange(width) % period < period // 2).astype(np.float64)
    image = np.zeros((height, width, 3))
    image[:] = columns[None, :, None] * np.array([200.0, 170.0, 120.0]) + 30
    return image.astype(np.uint8)


def record_searches(monkeypatch) -> list[tuple[tuple[int, int], dict]]:
    """Make the fill record each search it runs: (target size, keyword arguments)."""
    from restorer.exemplar import fill

    searches = []
    search = fill.nnf_search_with_distance

    def recording(target, source, **kwargs):
        searches.append((tuple(target.shape[1:]), kwargs))
        return search(target, source, **kwargs)

    monkeypatch.setattr(fill, "nnf_search_with_distance", recording)
    return searches


def test_patchmatch_is_weight_free_and_what_auto_gives_objects():
    engine = registry().resolve("patchmatch")
    assert not engine.needs_weights and "cuda" in engine.devices
    assert registry().default().id == "auto"
    assert registry().default().choices()["objects"].id == "patchmatch"


def test_same_seed_same_result_and_only_the_hole_changes():
    image = gradient_photo(72, 90, seed=3)
    mask = square_mask(72, 90, 20, 30, 16)
    first = api.inpaint(image, mask, engine="patchmatch", device="cpu", seed=5)
    again = api.inpaint(image, mask, engine="patchmatch", device="cpu", seed=5)
    assert np.array_equal(first, again)
    assert np.array_equal(first[~mask], image[~mask])
    assert not np.array_equal(first[mask], image[mask])


def test_textured_hole_gets_texture_where_diffusion_blurs():
    image = stripes()
    mask = square_mask(64, 64, 22, 22, 18)
    ours = api.inpaint(image, mask, engine="patchmatch", device="cpu").astype(float)
    telea = api.inpaint(image, mask, engine="telea", device="cpu").astype(float)
    truth = image.astype(float)
    # The stripes continue: almost every filled pixel is right, far better than a blur.
    ours_error = np.abs(ours - truth)[mask].mean()
    telea_error = np.abs(telea - truth)[mask].mean()
    assert ours_error < 0.25 * telea_error
    # Contrast (texture) inside the hole is kept, not averaged away.
    assert ours[mask].std() > 0.8 * truth[mask].std()
    assert telea[mask].std() < ours[mask].std()


def test_progress_is_reported_per_level_with_a_preview():
    image = gradient_photo(128, 128, seed=1)
    mask = square_mask(128, 128, 40, 40, 40)
    seen = []
    progress = Progress(
        lambda fraction, message, preview: seen.append((fraction, message, preview))
    )
    api.inpaint(image, mask, engine="patchmatch", device="cpu", progress=progress)
    levels = [entry for entry in seen if "level" in entry[1]]
    assert len(levels) >= 2
    assert all(isinstance(preview, RegionPreview) for _, _, preview in levels)
    box, pixels = levels[0][2]
    assert pixels.shape == (box.height, box.width, 3)
    fractions = [fraction for fraction, _, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_cancel_stops_the_fill_before_the_next_level():
    image = gradient_photo(160, 160, seed=2)
    mask = square_mask(160, 160, 50, 50, 60)
    cancel = threading.Event()
    levels_after_cancel = []

    def report(fraction, message, preview):
        if cancel.is_set() and preview is not None:
            levels_after_cancel.append(message)
        if preview is not None:
            cancel.set()  # cancel as soon as the first level's preview arrives

    with pytest.raises(Cancelled):
        api.inpaint(
            image, mask, engine="patchmatch", device="cpu", progress=Progress(report, cancel)
        )
    assert levels_after_cancel == []


def test_a_thin_stroke_fills_from_a_band_round_it_only(monkeypatch):
    from restorer.exemplar import fill

    searched = record_searches(monkeypatch)
    image = stripes(96, 160)
    mask = np.zeros((96, 160), bool)
    mask[10:86, 28:32] = True
    settings = fill.FillSettings(band_scale=1.0, band_min=12)
    first = fill.complete(image, mask, settings=settings, seed=2)
    again = fill.complete(image, mask, settings=settings, seed=2)
    assert np.array_equal(first, again)
    assert np.array_equal(first[~mask], image[~mask])
    finest = [kwargs["source_valid"] for size, kwargs in searched if size == mask.shape]
    # Source patches come from within the band (12 px + a patch) of the stroke only.
    assert finest and all(not valid[:, 60:].any() and valid[:, 40:50].any() for valid in finest)


def test_the_first_ring_of_a_thick_hole_leans_towards_diffusion(monkeypatch):
    import cv2

    from restorer.exemplar import fill
    from restorer.exemplar.fill import FillSettings, complete

    image = gradient_photo(80, 96, seed=6)
    mask = square_mask(80, 96, 24, 30, 24)
    diffused = fill.diffusion_guess(image, mask).astype(float)
    plain = complete(image, mask, settings=FillSettings(rim_diffusion=0.0), seed=1)
    calls = []
    real = fill.diffusion_guess
    monkeypatch.setattr(fill, "diffusion_guess", lambda *a: calls.append(a) or real(*a))
    leaning = complete(image, mask, settings=FillSettings(rim_diffusion=0.5), seed=1)
    # One Navier-Stokes fill serves the rim and the finishing's low band (the guide
    # channels' fill is a Telea one).
    assert sum(call[2:3] in ((), (cv2.INPAINT_NS,)) for call in calls) == 1
    ring = mask & ~cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    deep = cv2.erode(mask.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    gap = lambda result, where: np.abs(result[where].astype(float) - diffused[where]).mean()  # noqa: E731
    assert gap(leaning, ring) < gap(plain, ring)
    # Deep inside the share has halved away: the exemplar fill stays as it was.
    assert np.abs(leaning[deep].astype(int) - plain[deep]).max() <= 3
    assert np.array_equal(leaning[~mask], image[~mask])


def test_a_fill_nobody_watches_makes_no_previews_and_the_same_result(monkeypatch):
    from restorer.exemplar import fill

    made = []
    to_uint8 = fill._to_uint8
    monkeypatch.setattr(fill, "_to_uint8", lambda *args: made.append(1) or to_uint8(*args))
    image = gradient_photo(96, 96, seed=4)
    mask = square_mask(96, 96, 30, 30, 24)
    silent = api.inpaint(image, mask, engine="patchmatch", device="cpu", seed=3)
    assert made == []
    watched = api.inpaint(
        image,
        mask,
        engine="patchmatch",
        device="cpu",
        seed=3,
        progress=Progress(lambda fraction, message, preview: None),
    )
    assert made and np.array_equal(silent, watched)


def test_the_last_vote_skips_only_pixels_the_copy_replaces(monkeypatch):
    from restorer.exemplar import fill

    image = stripes(80, 96)
    mask = square_mask(80, 96, 22, 30, 30)
    trimmed = fill.complete(image, mask, seed=4)
    monkeypatch.setattr(fill, "_voted_at_the_end", lambda level, settings: None)
    full = fill.complete(image, mask, seed=4)
    assert np.array_equal(trimmed, full)


def test_quantile_and_the_copy_into_the_hole_match_their_plain_versions():
    import torch

    from restorer.exemplar import fill

    values = torch.rand(1001, generator=torch.Generator().manual_seed(0))
    for q in (0.0, 0.3, 0.75, 1.0):
        assert torch.allclose(fill._quantile(values, q), torch.quantile(values, q))
    image = torch.rand(3, 12, 14, generator=torch.Generator().manual_seed(1))
    # A flat field (y * 14 + x), as the fill keeps its fields.
    nnf = torch.randint(0, 12, (12, 14)) * 14 + torch.randint(0, 14, (12, 14))
    hole = torch.zeros(12, 14, dtype=torch.bool)
    hole[3:9, 4:11] = True
    level = fill.Level(image.clone(), hole)
    fill._copy_into_hole(level, nnf, fill.FillSettings(final="copy"))
    copied = fill._copy(image, nnf)
    assert torch.equal(level.image[:, hole], copied[:, hole])
    assert torch.equal(level.image[:, ~hole], image[:, ~hole])
    # "mixed": the rim keeps its value, deep pixels are copied, a ramp between.
    level = fill.Level(image.clone(), hole)
    fill._copy_into_hole(level, nnf, fill.FillSettings(final="mixed", mix_depth=1.0))
    depth = level.depth
    assert torch.equal(level.image[:, depth >= 2], copied[:, depth >= 2])
    rim = hole & (depth <= 1)
    assert torch.equal(level.image[:, rim], image[:, rim])


def test_thick_holes_are_finished_with_the_smaller_patch(monkeypatch):
    from restorer.exemplar import fill

    searches = record_searches(monkeypatch)
    image = gradient_photo(96, 128, seed=3)
    settings = fill.FillSettings(
        patch=7,
        thick_patch=5,
        coarse_patch=7,
        fine_search_iterations=2,
        thick_fine_search_iterations=1,
    )
    thin = np.zeros((96, 128), bool)
    thin[20:76, 60:63] = True  # a 3-px scratch
    fill.complete(image, thin, settings=settings, seed=0)
    assert {kwargs["patch"] for size, kwargs in searches if size == thin.shape} == {7}
    searches.clear()
    thick = square_mask(96, 128, 30, 40, 28)  # an object-sized hole
    fill.complete(image, thick, settings=settings, seed=0)
    assert {kwargs["patch"] for size, kwargs in searches if size == thick.shape} == {5}
    # Coarser levels keep the coarse patch.
    assert {kwargs["patch"] for size, kwargs in searches if size != thick.shape} == {7}
    # One search round in every step at the finest level.
    assert {kwargs["iterations"] for size, kwargs in searches if size == thick.shape} == {1}


def test_scratches_get_more_em_steps_at_the_finest_level(monkeypatch):
    from restorer.exemplar import fill

    searches = record_searches(monkeypatch)
    image = gradient_photo(96, 128, seed=4)
    scratch = np.zeros((96, 128), bool)
    scratch[20:76, 60:63] = True
    counts = {}
    for steps in (2, 4):
        searches.clear()
        settings = fill.FillSettings(em_fine=2, thin_em_fine=steps)
        fill.complete(image, scratch, settings=settings, seed=0)
        counts[steps] = [size for size, _ in searches].count(scratch.shape)
    assert counts[4] == counts[2] + 2
    # A thick hole keeps `em_fine`.
    searches.clear()
    thick = square_mask(96, 128, 30, 40, 28)
    fill.complete(image, thick, settings=fill.FillSettings(em_fine=2, thin_em_fine=4), seed=0)
    assert [size for size, _ in searches].count(thick.shape) == 2
