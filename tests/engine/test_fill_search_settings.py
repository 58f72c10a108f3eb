"""The completion's search and voting knobs: shared patch projections, short jumps at
the finest level, mode-seeking votes, fewer EM steps for scratches' coarse levels."""

from __future__ import annotations

import numpy as np

from restorer.exemplar import fill
from tests.support.helpers import gradient_photo, square_mask


def _record(monkeypatch, name: str) -> list:
    calls = []
    original = getattr(fill, name)

    def recording(*args, **kwargs):
        calls.append((tuple(args[0].shape[1:]), kwargs))
        return original(*args, **kwargs)

    monkeypatch.setattr(fill, name, recording)
    return calls


def test_a_shared_basis_is_worked_out_once_per_patch_size(monkeypatch):
    bases = _record(monkeypatch, "patch_basis")
    image = gradient_photo(96, 128, seed=3)
    hole = square_mask(96, 128, 30, 40, 28)
    own = fill.complete(image, hole, seed=0, settings=fill.FillSettings(share_basis=False))
    levels = len(bases)
    assert levels >= 3
    bases.clear()
    settings = fill.FillSettings(share_basis=True)
    shared = fill.complete(image, hole, seed=0, settings=settings)
    # One for the coarse levels' patch (at the coarsest), one for the finest level's.
    sizes = [size for size, _ in bases]
    assert len(sizes) == 2 and sizes[1] == (96, 128) and sizes[0] < sizes[1]
    assert np.array_equal(shared, fill.complete(image, hole, seed=0, settings=settings))
    assert np.array_equal(shared[~hole], image[~hole]) and np.array_equal(own[~hole], image[~hole])
    # Both fill the hole about as well: the texture of the gradient photo, not a hole.
    assert abs(float(shared[hole].mean()) - float(own[hole].mean())) < 8


def test_the_finest_level_propagates_with_its_own_jumps(monkeypatch):
    searches = _record(monkeypatch, "nnf_search_with_distance")
    image = gradient_photo(96, 128, seed=4)
    hole = square_mask(96, 128, 30, 40, 28)
    settings = fill.FillSettings(fine_jumps=(2, 1))
    fill.complete(image, hole, seed=0, settings=settings)
    finest = [kwargs for size, kwargs in searches if size == hole.shape]
    coarser = [kwargs for size, kwargs in searches if size != hole.shape]
    assert finest and all(kwargs["jumps"] == (2, 1) for kwargs in finest)
    assert coarser and all("jumps" not in kwargs for kwargs in coarser)


def test_mode_seeking_votes_keep_the_fill_deterministic_and_in_range():
    image = gradient_photo(80, 96, seed=5)
    hole = square_mask(80, 96, 22, 30, 30)
    settings = fill.FillSettings(fine_modes=1, coarse_modes=1, mode_width=0.5)
    first = fill.complete(image, hole, seed=2, settings=settings)
    assert np.array_equal(first, fill.complete(image, hole, seed=2, settings=settings))
    plain = fill.complete(image, hole, seed=2)
    assert not np.array_equal(first[hole], plain[hole])
    assert np.array_equal(first[~hole], image[~hole])


def test_scratches_coarse_levels_take_their_own_em_steps(monkeypatch):
    searches = _record(monkeypatch, "nnf_search_with_distance")
    image = gradient_photo(96, 128, seed=6)
    scratch = np.zeros((96, 128), bool)
    scratch[20:76, 60:66] = True  # 6 px wide: thin, but with a coarser level
    counts = {}
    for steps in (None, 1):
        searches.clear()
        settings = fill.FillSettings(em_coarse=4, thin_em_coarse=steps, thin_em_fine=4)
        fill.complete(image, scratch, seed=0, settings=settings)
        coarsest = min(size for size, _ in searches)
        counts[steps] = [size for size, _ in searches].count(coarsest)
    assert counts == {None: 4, 1: 1}
