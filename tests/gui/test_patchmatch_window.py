"""The window offers the default engine, PatchMatch, first (moved from the engine tests,
which run without Qt)."""

from __future__ import annotations


def test_the_window_offers_patchmatch_first(window):
    assert window.engine_combo.currentData() == "patchmatch"
    assert window.selected_engine().id == "patchmatch"
