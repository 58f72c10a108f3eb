"""The reusable PatchMatch pieces: field search, voting, upsampling."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from restorer.exemplar.search import (
    PreparedSource,
    flat_field,
    nnf_search,
    nnf_search_with_distance,
    patch_basis,
    upsample_nnf,
    vote,
)
from tests.support.helpers import gradient_photo


def _tensor(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(image.astype(np.float32) / 255).permute(2, 0, 1).contiguous()


def test_search_finds_where_a_crop_came_from_and_vote_rebuilds_it():
    source = _tensor(gradient_photo(64, 80, seed=1))
    target = source[:, 10:40, 20:60].contiguous()
    nnf = nnf_search(
        target, source, patch=5, iterations=4, generator=torch.Generator().manual_seed(0)
    )
    assert nnf.shape == (2, 30, 40) and nnf.dtype == torch.long
    ys, xs = torch.meshgrid(torch.arange(30) + 10, torch.arange(40) + 20, indexing="ij")
    inner = (slice(2, -2), slice(2, -2))
    exact = ((nnf[0] == ys) & (nnf[1] == xs))[inner].float().mean()
    assert exact > 0.95
    rebuilt = vote(nnf, source, patch=5)
    assert (rebuilt - target)[:, 2:-2, 2:-2].abs().mean() < 0.01


def test_search_is_deterministic_and_respects_source_valid():
    source = _tensor(gradient_photo(40, 40, seed=2))
    target = _tensor(gradient_photo(20, 24, seed=3))
    valid = torch.zeros(40, 40, dtype=torch.bool)
    valid[:, 20:] = True

    def run(seed: int) -> torch.Tensor:
        return nnf_search(
            target,
            source,
            patch=5,
            iterations=2,
            generator=torch.Generator().manual_seed(seed),
            source_valid=valid,
        )

    first = run(7)
    assert torch.equal(first, run(7))
    assert bool((first[1] >= 20).all()) and bool((first[1] <= 37).all())


def test_wrap_vote_and_init_refinement():
    source = _tensor(gradient_photo(32, 32, seed=4))
    target = source.roll(shifts=(5, 7), dims=(1, 2)).contiguous()
    generator = torch.Generator().manual_seed(0)
    nnf = nnf_search(target, source, patch=5, iterations=3, generator=generator, wrap=True)
    out = vote(nnf, source, patch=5, wrap=True)
    assert out.shape == target.shape
    assert torch.isfinite(out).all()
    refined = nnf_search(target, source, patch=5, iterations=1, generator=generator, init=nnf)
    assert refined.shape == nnf.shape


def test_upsample_keeps_matches_coherent_and_inside():
    field = torch.stack(torch.meshgrid(torch.arange(10) + 3, torch.arange(12) + 3, indexing="ij"))
    fine = upsample_nnf(field, (20, 24), (32, 36), patch=5)
    assert fine.shape == (2, 20, 24)
    assert int(fine[0].min()) >= 2 and int(fine[0].max()) <= 29
    # Neighbouring fine pixels point at neighbouring source pixels.
    assert torch.equal(fine[1][:, 1:] - fine[1][:, :-1], torch.ones(20, 23, dtype=torch.long))


def test_flat_fields_give_the_same_search_vote_and_upsampling():
    source = _tensor(gradient_photo(40, 44, seed=5))
    target = _tensor(gradient_photo(24, 28, seed=6))

    def search(init, flat):
        return nnf_search(
            target,
            source,
            patch=5,
            iterations=2,
            generator=torch.Generator().manual_seed(3),
            init=init,
            flat=flat,
        )

    field = search(None, False)
    flat = search(None, True)
    assert flat.shape == (24, 28)
    assert torch.equal(flat, flat_field(field, 44))
    assert flat_field(flat, 44) is flat
    # A flat start refines like the same start given as (y, x).
    assert torch.equal(search(flat, True), flat_field(search(field, False), 44))
    weights = torch.rand(24, 28, generator=torch.Generator().manual_seed(1))
    assert torch.equal(
        vote(flat, source, patch=5, weights=weights), vote(field, source, patch=5, weights=weights)
    )
    fine = upsample_nnf(field, (48, 56), (80, 88), patch=5)
    fine_flat = upsample_nnf(flat, (48, 56), (80, 88), patch=5, coarse_source_width=44)
    assert torch.equal(fine_flat, flat_field(fine, 88))


def test_cancel_check_is_called_between_steps():
    source = _tensor(gradient_photo(24, 24))
    calls = []

    def check() -> None:
        calls.append(1)
        if len(calls) > 3:
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        nnf_search(source, source, patch=3, iterations=5, generator=torch.Generator(), check=check)


def test_a_sparse_source_projects_the_same_patches_as_the_whole_picture():
    picture = torch.from_numpy(gradient_photo(40, 48, seed=2).astype(np.float32) / 255)
    picture = picture.permute(2, 0, 1).contiguous()
    basis = patch_basis(picture, 5, dims=8, generator=torch.Generator().manual_seed(0))
    band = torch.zeros(40, 48, dtype=torch.bool)
    band[10:14, 5:40] = True  # few allowed centres: projected one by one
    sparse = PreparedSource(picture, 5, basis, band)
    whole = PreparedSource(picture, 5, basis)
    centres = sparse.centres
    assert centres.numel() * 3 < 40 * 48
    assert torch.allclose(
        sparse.features[sparse.rows[centres]], whole.features[whole.rows[centres]], atol=1e-5
    )


def test_the_source_table_scores_like_the_patches_and_never_picks_a_forbidden_centre():
    picture = _tensor(gradient_photo(36, 44, seed=5))
    basis = patch_basis(picture, 5, dims=None)  # exact: projections are the patches
    valid = torch.ones(36, 44, dtype=torch.bool)
    valid[:, :20] = False
    prepared = PreparedSource(picture, 5, basis, valid, locality=0.3)
    table, rows = prepared.features, prepared.rows
    # A forbidden centre maps to the "not allowed" row, whose distance is huge.
    assert int(rows[10 * 44 + 5]) == 0 and float(table[0, -1]) >= 1e3
    # Two allowed centres: the squared row difference is the mean squared patch
    # difference plus the locality term.
    a, b = 10 * 44 + 25, 20 * 44 + 30
    patch_a = picture[:, 8:13, 23:28]
    patch_b = picture[:, 18:23, 28:33]
    mean_square = float((patch_a - patch_b).square().mean())
    locality = 0.3 * (10**2 + 5**2) / (36**2 + 44**2)
    got = float((table[rows[a]] - table[rows[b]]).square().sum())
    assert got == pytest.approx(mean_square + locality, rel=1e-4)


def test_search_distances_are_mean_squared_patch_differences_plus_locality():
    source = _tensor(gradient_photo(40, 40, seed=6))
    target = _tensor(gradient_photo(16, 16, seed=7))
    from restorer.exemplar.search import nnf_search_with_distance

    nnf, distance = nnf_search_with_distance(
        target,
        source,
        patch=3,
        iterations=2,
        generator=torch.Generator().manual_seed(0),
        dims=None,
        locality=0.5,
    )
    y, x = 8, 9  # an interior target pixel: its patch needs no padding
    sy, sx = int(nnf[0, y, x]), int(nnf[1, y, x])
    expected = float(
        (target[:, y - 1 : y + 2, x - 1 : x + 2] - source[:, sy - 1 : sy + 2, sx - 1 : sx + 2])
        .square()
        .mean()
    ) + 0.5 * ((sy - y) ** 2 + (sx - x) ** 2) / (40**2 + 40**2)
    assert float(distance[y, x]) == pytest.approx(expected, rel=1e-4, abs=1e-6)


def test_a_prepared_source_refuses_a_search_with_another_locality():
    picture = _tensor(gradient_photo(24, 24, seed=8))
    basis = patch_basis(picture, 3, dims=None)
    prepared = PreparedSource(picture, 3, basis, locality=0.1)
    with pytest.raises(ValueError, match="locality"):
        nnf_search(
            picture,
            picture,
            patch=3,
            iterations=1,
            generator=torch.Generator(),
            prepared=prepared,
            locality=0.2,
        )


def test_a_capped_random_search_stays_deterministic_and_inside():
    picture = torch.from_numpy(gradient_photo(32, 32, seed=4).astype(np.float32) / 255)
    picture = picture.permute(2, 0, 1).contiguous()
    fields = [
        nnf_search(
            picture,
            picture,
            patch=5,
            iterations=2,
            generator=torch.Generator().manual_seed(1),
            max_radius=3,
        )
        for _ in range(2)
    ]
    assert torch.equal(fields[0], fields[1])
    assert int(fields[0].min()) >= 2 and int(fields[0].max()) <= 29


def test_strip_projection_matches_the_whole_picture_for_any_spread_of_centres():
    from restorer.exemplar.search import _project_strips, _snapped

    picture = _tensor(gradient_photo(70, 90, seed=9))
    basis = patch_basis(picture, 5, dims=6, generator=torch.Generator().manual_seed(0))
    # Every patch wholly inside, projected by one plain convolution: centres 2..67 x 2..87.
    whole = torch.nn.functional.conv2d(picture[None], basis)[0]
    grid = torch.zeros(70, 90, dtype=torch.bool)
    grid[10:30, 20:60] = True  # a dense block: convolved
    grid[40:66:7, 3:88:11] = True  # scattered centres: projected one by one
    centres = torch.nonzero(grid.reshape(-1), as_tuple=True)[0]
    got = _project_strips(picture, basis, centres)
    ys, xs = centres // 90, centres % 90
    expected = whole[:, ys - 2, xs - 2].T
    assert torch.allclose(got, expected, atol=1e-5)
    # Snapped windows are a multiple of the step wide where they fit, cover the span
    # and stay where centres may lie.
    assert _snapped(10, 15, 8, 2, 90) == (10, 18)
    assert _snapped(80, 86, 8, 2, 90) == (80, 88)
    start, stop = _snapped(84, 87, 8, 2, 90)
    assert start <= 84 and stop >= 87 and start >= 2 and stop <= 88
    assert _snapped(3, 60, 32, 2, 40) == (2, 38)


def test_mode_seeking_vote_moves_towards_what_most_patches_say():
    # A black left half and a white right half; target patches left of column 10
    # are matched into the black, the others into the white, so a pixel near column
    # 10 hears both: the mean mixes them, mode seeking leans to the majority.
    source = torch.zeros(3, 20, 20)
    source[:, :, 10:] = 1.0
    ys, xs = torch.meshgrid(torch.arange(20), torch.arange(20), indexing="ij")
    field = torch.stack([ys.clamp(2, 17), torch.where(xs < 10, 5, 15)])
    mean = vote(field, source, patch=5)
    plain = vote(field, source, patch=5, modes=0)
    assert torch.equal(mean, plain)
    sharp = vote(field, source, patch=5, modes=2)
    for column, majority in ((9, 0.0), (10, 1.0)):  # 3 of 5 covering columns agree
        assert abs(float(mean[0, 10, column]) - majority) == pytest.approx(0.4, abs=1e-5)
        assert abs(float(sharp[0, 10, column]) - majority) < 0.3
    # Where every patch agrees nothing changes.
    assert torch.allclose(sharp[:, :, :7], mean[:, :, :7])
    assert torch.allclose(sharp[:, :, 13:], mean[:, :, 13:])
    # With weights and a mask, as the completion calls it.
    weights = torch.rand(20, 20, generator=torch.Generator().manual_seed(0))
    mask = torch.zeros(20, 20, dtype=torch.bool)
    mask[5:15, 5:15] = True
    into = source.clone()
    vote(field, source, patch=5, weights=weights, mask=mask, into=into, modes=1)
    assert torch.equal(into[:, ~mask], source[:, ~mask])
    assert float(into.min()) >= 0.0 and float(into.max()) <= 1.0


def test_search_with_short_jumps_only_is_deterministic_and_still_improves():
    source = _tensor(gradient_photo(48, 48, seed=5))
    target = source[:, 8:40, 8:40].contiguous()

    def run(jumps):
        return nnf_search_with_distance(
            target,
            source,
            patch=5,
            iterations=2,
            generator=torch.Generator().manual_seed(3),
            jumps=jumps,
        )

    short, short_distance = run((2, 1))
    again, _ = run((2, 1))
    assert torch.equal(short, again)
    _, random_only = run(())
    assert float(short_distance.mean()) < float(random_only.mean())
